"""`python -m restorer` runs the command-line tool."""

from restorer.cli import main

raise SystemExit(main())
