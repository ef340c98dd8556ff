from hygiene.cli.main import main

raise SystemExit(main())
