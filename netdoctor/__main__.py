from netdoctor.cli import main

raise SystemExit(main())
