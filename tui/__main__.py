"""Allow ``python -m tui`` as well as the ``batchtui`` console script."""

from tui.cli.main import main

raise SystemExit(main())
