"""Alembic revisions, oldest first (the file name starts with its order)."""
