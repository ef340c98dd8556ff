"""The command line: thin commands that parse arguments, call the engine and render."""
