"""Stage 5, focus: outlines (tree-sitter), importance, relevance to a query, and the views of a
file (whole, compressed, map entry) a budget chooses between."""
