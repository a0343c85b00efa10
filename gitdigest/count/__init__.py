"""Stage 4, counting: tokenizers and their encodings, the token cache, and the reader that
reads, redacts and counts every selected file on all cores."""
