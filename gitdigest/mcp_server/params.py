"""The ``digest`` tool's parameters, derived from :class:`~gitdigest.options.Options`.

Every option the command line has becomes a parameter with the API's keyword name, its help
and its choices, except the ones a model must not choose: where files are written, the
server's clipboard and processes, files read from the server's disk, credentials, and turning
secret redaction off. A new option appears here by itself; an unsafe one says so in its
declaration (``not_on``).
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Annotated, Any, Literal

from pydantic import Field

from ..options import Options, is_multiple, kind_of, spec_of, withheld

#: options no tool accepts, and why (said to a caller that passes one anyway): each option's
#: declaration says so (``not_on["mcp"]``)
WITHHELD: dict[str, str] = withheld("mcp")

#: choices a tool may not pick: redaction stays on whatever the caller asks
FORBIDDEN_CHOICES: dict[str, tuple[str, ...]] = {"secrets": ("off",)}


def tool_fields() -> list[dataclasses.Field[Any]]:
    """The option fields a tool accepts, in declaration order (``source`` first)."""
    return [item for item in dataclasses.fields(Options) if item.name not in WITHHELD]


def choices_of(item: dataclasses.Field[Any]) -> tuple[str, ...] | None:
    """The choices a tool may pick for ``item`` (None: not a choice)."""
    choices = spec_of(item).choices
    if choices is None:
        return None
    forbidden = FORBIDDEN_CHOICES.get(item.name, ())
    return tuple(choice for choice in choices if choice not in forbidden)


def _annotation(item: dataclasses.Field[Any]) -> Any:
    """The JSON-schema type of one option: what the command line accepts, as JSON."""
    spec = spec_of(item)
    choices = choices_of(item)
    if is_multiple(item):
        return list[str] | str
    if choices is not None:
        return Literal[choices]
    kind = kind_of(item)
    if spec.parse is not None:  # sizes ("500k") and fractions ("15%") also as numbers
        return str | (int if kind is int else float)
    return kind


def _description(item: dataclasses.Field[Any]) -> str:
    spec = spec_of(item)
    text = spec.help
    default = spec.shown_default if spec.shown_default is not None else item.default
    if default not in (None, (), "") and item.name != "source":
        text += f" Default: {str(default).lower() if isinstance(default, bool) else default}."
    if item.name in FORBIDDEN_CHOICES:
        text += f" ({', '.join(FORBIDDEN_CHOICES[item.name])} is not allowed here.)"
    return text


def parameters(*, source_help: str | None = None) -> list[inspect.Parameter]:
    """Keyword-only parameters for a tool function: ``source`` required, every other option
    optional (absent means the library's own default)."""
    out = []
    for item in tool_fields():
        description = source_help if item.name == "source" and source_help else \
            _description(item)
        if item.name == "source":
            annotation: Any = Annotated[str, Field(description=description)]
            default: Any = inspect.Parameter.empty
        else:
            annotation = Annotated[_annotation(item) | None, Field(description=description)]
            default = None
        out.append(inspect.Parameter(item.name, inspect.Parameter.KEYWORD_ONLY,
                                     default=default, annotation=annotation))
    return out


def names() -> frozenset[str]:
    """The option names a tool accepts."""
    return frozenset(item.name for item in tool_fields())
