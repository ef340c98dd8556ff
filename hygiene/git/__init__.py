"""Everything hygiene asks git: the runner, the index reader, the ignore scope, staged files."""
