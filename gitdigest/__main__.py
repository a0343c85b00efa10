"""``python -m gitdigest``."""

import os
import sys

# ``python -m`` puts the working folder first on sys.path, and gitdigest often runs in the
# repository it digests: a ``json.py`` or a checkout of numpy there would be imported in place
# of the real module, running the repository's code. The folder goes (as ``python -P`` does)
# before anything else is imported (the package's ``__init__`` imports nothing), unless
# gitdigest itself comes from it (a source checkout run in place: spawned workers import it).
_folder = os.path.abspath(sys.path[0]) if sys.path else ""
if _folder == os.getcwd() != os.path.dirname(os.path.dirname(os.path.abspath(__file__))):
    del sys.path[0]

from .cli import main  # noqa: E402  (after the folder is gone)

if __name__ == "__main__":
    main()
