"""Notebooks become readable cells."""

from __future__ import annotations

import json

from gitdigest.read.notebook import notebook_to_text

NOTEBOOK = {
    "cells": [
        {"cell_type": "markdown", "source": "# Title\nSome text"},
        {"cell_type": "code", "source": ["import math\n", "math.pi"],
         "outputs": [
             {"output_type": "execute_result", "data": {"text/plain": ["3.14159"]}},
             {"output_type": "display_data",
              "data": {"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"}},
             {"output_type": "stream", "name": "stdout", "text": ["hello\n"]},
         ]},
    ],
    "metadata": {}, "nbformat": 4, "nbformat_minor": 5,
}


def test_cells_without_outputs() -> None:
    text = notebook_to_text(json.dumps(NOTEBOOK))
    assert text == "# %% [markdown]\n# Title\nSome text\n\n# %%\nimport math\nmath.pi\n"


def test_cells_with_outputs_and_image_placeholder() -> None:
    text = notebook_to_text(json.dumps(NOTEBOOK), outputs=True)
    assert text is not None
    assert "# Output:\n# 3.14159" in text
    assert "# [image/png output omitted]" in text
    assert "iVBORw0KGgo" not in text
    assert "# Output:\n# hello" in text


def test_not_a_notebook() -> None:
    assert notebook_to_text("not json") is None
    assert notebook_to_text('{"a": 1}') is None
