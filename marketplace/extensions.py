"""Flask extensions, created unbound here and initialised in create_app()."""

from __future__ import annotations

from datetime import datetime

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import DateTime, MetaData, orm

from . import ratelimit_store as _ratelimit_store  # noqa: F401 — registers the ocop-sqlite:// limits storage
from .apidoc import ApiErrorSchema

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(orm.DeclarativeBase):
    """Every model's base: constraint names by convention, and every `Mapped[datetime]` timezone-aware."""

    registry = orm.registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: DateTime(timezone=True)},
    )


class OcopApi(Api):
    """flask-smorest Api whose errors go through our own handler (one error body for the whole site)."""

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        """Document the error body the site really sends (`{"error": {code, message}}`) for every status."""
        self.ERROR_SCHEMA = ApiErrorSchema
        super()._register_responses()


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
api = OcopApi()
