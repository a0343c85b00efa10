"""Stage 6, change review: diffs, history, the code related to a change, and what a change adds
to a digest."""
