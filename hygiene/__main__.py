from hygiene.cli.main import entry

entry()
