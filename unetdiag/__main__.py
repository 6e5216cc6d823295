from unetdiag.cli import main

raise SystemExit(main())
