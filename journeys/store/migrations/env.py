"""Alembic environment for the workspace database.

At runtime the store passes an open connection (inside its transaction) via
``config.attributes["connection"]``; nothing is read from an ini file. For
developer use without a connection, give a URL: ``-x url=sqlite:///path.db``
(or ``sqlalchemy.url`` in a config), online or ``--sql`` offline.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, create_engine, pool

from journeys.store.schema import metadata

config = context.config


def _url() -> str:
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no connection in config.attributes and no url (-x url=...)")
    return url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite cannot ALTER most things; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        engine = create_engine(_url(), poolclass=pool.NullPool)
        with engine.begin() as conn:
            _run(conn)
        engine.dispose()
