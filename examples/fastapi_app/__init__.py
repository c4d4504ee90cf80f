"""The FastAPI example: see app.py."""
