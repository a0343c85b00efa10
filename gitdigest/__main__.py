"""``python -m gitdigest``."""

import os
import sys

from .cli import main

# ``python -m`` puts the working folder first on sys.path, and gitdigest often runs in the
# repository it digests: a checkout of numpy (or networkx, tiktoken...) would then shadow the
# installed package a later stage imports. The folder goes (as ``python -P`` does), unless
# gitdigest itself comes from it (a source checkout run in place: spawned workers import it).
_folder = os.path.abspath(sys.path[0]) if sys.path else ""
if _folder == os.getcwd() != os.path.dirname(os.path.dirname(os.path.abspath(__file__))):
    del sys.path[0]

if __name__ == "__main__":
    main()
