"""Runnable examples of comment_guard in web apps; run them from the repository root (see each app's docstring)."""
