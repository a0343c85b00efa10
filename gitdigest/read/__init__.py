"""Stage 3, reading: bytes to text (encodings, notebooks) and secret redaction."""
