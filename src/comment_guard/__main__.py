"""``python -m comment_guard``: the same command line as ``comment-guard``."""

from comment_guard.cli import main

raise SystemExit(main())
