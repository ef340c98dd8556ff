"""The Textual app of `browse`: the only modules of hygiene that import textual."""
