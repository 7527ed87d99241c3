"""Alembic environment: runs on the connection ``service.migrate`` hands over (which holds the lock).

There is no alembic.ini and no offline mode: migrations run only through
``argmine db upgrade`` or the service's start-up, both via ``service.migrate``.
"""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None,
                  render_as_batch=connection.dialect.name == "sqlite")  # SQLite changes tables by copying them
with context.begin_transaction():
    context.run_migrations()
