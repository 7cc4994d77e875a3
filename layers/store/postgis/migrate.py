"""Run the Alembic migrations against a database URL (creating the database if missing)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from layers.store.postgis import engine_url

MIGRATIONS_DIR = Path(__file__).resolve().parents[3] / "migrations"


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", engine_url(database_url).replace("%", "%%"))
    return cfg


def ensure_database(database_url: str) -> bool:
    """Create the database named in the URL when the server does not have it yet."""
    url = make_url(engine_url(database_url))
    engine = create_engine(url)
    try:
        with engine.connect():
            return False
    except OperationalError as exc:
        if "does not exist" not in str(exc):
            raise
    finally:
        engine.dispose()
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            quoted = admin.dialect.identifier_preparer.quote(url.database or "sharemap")
            conn.execute(text(f"CREATE DATABASE {quoted}"))
    finally:
        admin.dispose()
    return True


def upgrade(database_url: str, revision: str = "head") -> None:
    ensure_database(database_url)
    command.upgrade(alembic_config(database_url), revision)
