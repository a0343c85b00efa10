"""Stage 2, selection: every listed entry gets a verdict, and every skip keeps its reason."""
