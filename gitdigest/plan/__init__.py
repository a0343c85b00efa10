"""Stage 7, planning: the frame around the files (tree, summary), and what a budget keeps."""
