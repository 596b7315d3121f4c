"""Alembic migration scripts of the logbook, shipped inside the package and applied on start."""
