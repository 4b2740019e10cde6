"""Alembic environment: the URL comes from Xinbao's configuration, the metadata from models."""

from __future__ import annotations

from alembic import context
from sqlalchemy import engine_from_config, pool

from core.config import load_settings
from core.db import Base, resolve_database_url
from core.model_registry import import_models

import_models()  # autogenerate sees only the tables of imported modules

config = context.config
url = config.attributes.get("database_url") or resolve_database_url(
    load_settings().database_url
)
target_metadata = Base.metadata


def include_name(name, type_, parent_names) -> bool:
    """Search indexes made by hand in migrations (FTS5 tables, pg_trgm and pattern_ops
    indexes: "*_fts*", "*_trgm", "*_pattern") are not in the models; autogenerate must not
    propose dropping them."""
    return not (name and ("_fts" in name or name.endswith(("_trgm", "_pattern"))))


def run_offline() -> None:
    context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as new_connection:
        _run(new_connection)


def _run(connection) -> None:
    # Batch mode lets ALTER TABLE migrations run on SQLite too.
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    run_online()
