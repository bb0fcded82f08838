"""Persistence: SQLAlchemy tables, engines and sessions, Alembic migrations, workspaces."""
