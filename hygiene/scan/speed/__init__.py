"""What makes the walk fast, fenced off: worker processes, the compiled loops and their pickers."""
