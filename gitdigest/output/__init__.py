"""Stage 8, output: where a digest goes (file, stdout, clipboard), progress on a terminal, and
the comparison with a digest already on disk."""
