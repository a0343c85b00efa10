"""Which encoding a run counts with when it was not told: ``--tokenizer auto`` (the default).

With ``--model M`` that is M's own encoding (``Model.exact_encoding``) when its data is
installed, so ``--model llama-3.1`` counts with Llama 3's tokenizer; else ``o200k_base``, with a
note saying how to count exactly. A tokenizer named anywhere (command line, environment,
configuration file, API keyword) is used as given. :func:`resolve` runs once, before any stage,
so the cache key, the records and every surface see the concrete name, never ``auto``.
"""

from __future__ import annotations

import dataclasses

from ..core.errors import install_hint
from ..notes.models import Model, find_model
from ..options import AUTO, Options
from .tokens import SPECS, available

#: what ``auto`` counts with when no model, or no installed encoding of the model, decides
FALLBACK = "o200k_base"
#: how to get the encodings that are not a dependency (Meta's)
_INSTALL_EXTRA = install_hint("llama")


def encoding_for(model: Model | None) -> str:
    """The encoding ``auto`` counts with for ``model``: its own when installed."""
    exact = model.exact_encoding if model is not None else None
    return exact if exact is not None and available(exact) else FALLBACK


def _install(encoding: str) -> str:
    # o200k_base and cl100k_base come with gitdigest itself; only Meta's come from an extra
    return _INSTALL_EXTRA if "package" in SPECS[encoding] else "reinstall gitdigest"


def missing_note(model: Model) -> str | None:
    """One line when ``model``'s own encoding exists but is not installed (None otherwise)."""
    exact = model.exact_encoding
    if exact is None or available(exact):
        return None
    return (f"{model.name}'s tokens are an estimate ({FALLBACK}): its own tokenizer ({exact}) "
            f"is not installed; for exact counts: {_install(exact)}")


def resolve(options: Options) -> tuple[Options, list[str]]:
    """``options`` with a concrete tokenizer, and the notes that choice needs (an estimate
    where exact counts were possible). Options that name a tokenizer come back unchanged."""
    if options.tokenizer != AUTO:
        return options, []
    model = find_model(options.model) if options.model is not None else None
    note = missing_note(model) if model is not None else None
    return (dataclasses.replace(options, tokenizer=encoding_for(model)),
            [note] if note is not None else [])


def counting(model: Model, tokenizer: str) -> str:
    """How gitdigest's count relates to ``model``'s own when it counts with ``tokenizer``
    (``auto``: as ``--model`` alone would count)."""
    if tokenizer != AUTO:
        return model.counting(tokenizer)
    text = model.counting(encoding_for(model))
    if model.exact_encoding is not None and not available(model.exact_encoding):
        text = f"estimate ({FALLBACK}; exact with {_install(model.exact_encoding)})"
    return text
