"""The shared bottom every stage may import: errors, records, paths, the text layout, the text
transforms options name, background threads and the option combination rules. Imports no stage."""
