from netdoctor.frontends.cli import main

raise SystemExit(main())
