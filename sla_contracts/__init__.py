"""Réciproque: reciprocal service charters between departments."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, has_request_context, request, session
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import DEV_SECRET_KEY, INSTANCE, ROOT, defaults
from .extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: defaults, then instance/config.py, then the test mapping."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(defaults())
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    logging.basicConfig(level=logging.INFO)
    if app.config["SECRET_KEY"] == DEV_SECRET_KEY and not app.testing:
        app.logger.warning("SECRET_KEY is not set: run `flask --app app init-db` or set it.")
    if app.config.get("TRUSTED_PROXIES"):
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    register_extensions(app)
    register_blueprints(app)
    register_commands(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    register_event_handlers()
    start_scheduler(app)
    return app


def _select_locale() -> str:
    languages = ["fr", "en"]
    if not has_request_context():
        return "fr"  # jobs and commands choose per recipient with force_locale
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    lang = session.get("lang")
    if lang in languages:
        return lang
    return request.accept_languages.best_match(languages) or "fr"


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    from . import models  # noqa: F401  (every table on the metadata)
    from .auth.sessions import SessionInterface, load_user

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(ROOT / "sla_contracts" / "translations"),
    )
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    # Lazy, so it is translated when the login page shows it (Flask-Login's own is English).
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_user)
    login_manager.session_protection = "basic"
    app.session_interface = SessionInterface()

    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine) -> None:
    """Open every SQLite transaction with BEGIN IMMEDIATE (WAL + busy timeout lose writes)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def register_blueprints(app: Flask) -> None:
    """Attach every feature's blueprint."""
    from .auth import oidc
    from .auth.routes import bp as auth_bp
    from .charters import drafting_routes, negotiation_routes  # noqa: F401 - routes on charters_bp
    from .charters.routes import bp as charters_bp
    from .directory.oidc_routes import bp as oidc_bp
    from .main.routes import bp as main_bp
    from .notifications import init_app as notifications_init
    from .reviews import survey_routes  # noqa: F401 - routes on reviews_bp
    from .reviews.routes import bp as reviews_bp

    app.register_blueprint(auth_bp)
    oidc.init_app(app)
    app.register_blueprint(oidc_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(charters_bp)
    app.register_blueprint(reviews_bp)
    notifications_init(app)

    from .directory import (
        dependency_routes,  # noqa: F401 - routes on directory_bp
        identity_routes,  # noqa: F401 - routes on directory_bp
    )
    from .directory.routes import bp as directory_bp
    from .directory.routes import nav as directory_nav
    from .main.templating import add_nav

    app.register_blueprint(directory_bp)
    add_nav(app, directory_nav)

    from .api import init_app as api_init_app

    api_init_app(app)

    from .signing import provider_routes  # noqa: F401 - routes on signing_bp
    from .signing.routes import bp as signing_bp
    from .signing.routes import share_bp, verify_bp

    app.register_blueprint(signing_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(share_bp)

    from .readings.routes import bp as readings_bp

    app.register_blueprint(readings_bp)

    from .company import (
        criterion_routes,  # noqa: F401  (routes of the company blueprint)
        report_routes,  # noqa: F401  (its routes join the company blueprint)
        silo_routes,  # noqa: F401  (routes of the company blueprint)
    )
    from .company.routes import bp as company_bp

    app.register_blueprint(company_bp)
    add_nav(app, report_routes.nav)


def register_commands(app: Flask) -> None:
    """Attach the command-line commands."""
    from .commands import register

    register(app)


def register_errorhandlers(app: Flask) -> None:
    """Render domain and HTTP errors as pages (the API has its own handlers)."""
    from .main.errors import register

    register(app)


def register_security_headers(app: Flask) -> None:
    """Content-Security-Policy, framing, sniffing, referrer and HSTS headers on every response."""
    from .main.security import init_app

    init_app(app)


def register_template_helpers(app: Flask) -> None:
    """Expose formatting helpers to templates."""
    from .main.templating import register

    register(app)


def register_event_handlers() -> None:
    """Wire the features that react to other features' events (see ``events``)."""
    from . import events
    from .reviews import operations as reviews
    from .signing import versions

    events.subscribe(events.SUBMITTED_CHARTER_EDITED, versions.void_on_edit)
    events.subscribe(events.CHARTER_ACTIVATED, reviews.plan_first_review)
    events.subscribe(events.CHARTER_ENDED, reviews.cancel_open_review)
    events.subscribe(events.CHARTER_EXPIRED, reviews.cancel_open_review)


def start_scheduler(app: Flask) -> None:
    """Start the in-process scheduler when SCHEDULER_IN_PROCESS asks (make run), once."""
    if app.config.get("SCHEDULER_IN_PROCESS"):
        from scheduler import start_in_process

        start_in_process(app)
