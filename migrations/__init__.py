"""Alembic migrations of the PostGIS store (`sharemap db upgrade`)."""
