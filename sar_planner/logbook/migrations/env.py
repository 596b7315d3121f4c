"""Alembic environment: runs on the connection handed over by sar_planner.logbook.db.migrate."""

from alembic import context
from sqlalchemy import create_engine

from sar_planner.logbook.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic -x url=... upgrade head` from a shell, for a maintainer
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("give the database with: alembic -x url=sqlite:////path/to.db upgrade head")
    with create_engine(url).begin() as conn:
        _run(conn)
