"""Allow ``python -m gitops_tui``."""

from gitops_tui.cli import main

raise SystemExit(main())
