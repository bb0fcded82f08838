"""Persistence: SQLAlchemy tables, engines and sessions, Alembic migrations, workspaces."""

# Every table module is imported with the package, so Base.metadata always holds the whole
# schema (migrations, `alembic check` and the audit trail rely on it).
from crosswalk.store import isms_models as _isms_models  # noqa: F401
