"""Flask extensions, created unbound and attached in ``create_app``."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, insert
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def dialect_insert(table):
    """An INSERT that knows ``ON CONFLICT`` on PostgreSQL and SQLite (plain INSERT elsewhere)."""
    name = db.session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsertable
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as upsertable
    else:  # pragma: no cover - other databases: the unique keys still hold
        return insert(table)
    return upsertable(table)


def upsert(model, keys: list, **values) -> None:
    """Insert the row, or update its other columns where one with the same ``keys`` exists."""
    statement = dialect_insert(model).values(**values)
    changed = {name: statement.excluded[name] for name in values if name not in keys}
    db.session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changed))


def paginated(query, page: int, per_page: int):
    """One page of ``query`` (Flask-SQLAlchemy's ``Pagination``): a page before the first is
    the first, one past the last is the last (a list that shrank keeps its reader)."""
    found = db.paginate(query, page=max(1, page), per_page=per_page, error_out=False)
    if not found.items and found.page > 1 and found.pages:
        found = db.paginate(query, page=found.pages, per_page=per_page, error_out=False)
    return found
