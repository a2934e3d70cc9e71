"""`python -m compare ...`: the command line (see compare.cli)."""
from compare.cli import main

raise SystemExit(main())
