"""The Django example: see app.py."""
