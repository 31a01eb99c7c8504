from homemind.channels.cli import main

raise SystemExit(main())
