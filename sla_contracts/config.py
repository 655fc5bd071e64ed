"""Configuration defaults, read from the environment once while building the app."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY_FILE = INSTANCE / "secret_key"
DEV_SECRET_KEY = "dev-only-not-secret"  # noqa: S105  (only when nothing else is set)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else the one `init-db` wrote under instance/."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    if SECRET_KEY_FILE.exists():
        return SECRET_KEY_FILE.read_text().strip()
    return DEV_SECRET_KEY


def ensure_secret_key_file() -> bool:
    """Create instance/secret_key with a random value if missing; True when created."""
    if os.environ.get("SECRET_KEY") or SECRET_KEY_FILE.exists():
        return False
    SECRET_KEY_FILE.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(SECRET_KEY_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_urlsafe(48))
    return True


def defaults() -> dict:
    """Return the default settings, overridden by environment variables."""
    env = os.environ
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": env.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'reciproque.sqlite'}"
        ),
        # Passwords: pbkdf2 with 1,000,000 iterations meets OWASP ASVS 5.0
        # (Werkzeug's default scrypt N=2^15 does not).
        "PASSWORD_HASH_METHOD": env.get("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000000"),
        # Sessions and cookies.
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=12),
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        # CSRF tokens live as long as the session: a head writing for two hours
        # must not lose the text to an expired token.
        "WTF_CSRF_TIME_LIMIT": None,
        # Rate limits. In-memory storage is per process: production sets
        # RATELIMIT_STORAGE_URI=redis://... so all workers share one counter.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "10 per minute"),
        "VERIFY_RATE_LIMIT": env.get("VERIFY_RATE_LIMIT", "30 per minute"),
        # Wrong passwords when signing, per person and per client address (failures only).
        "SIGN_RATE_LIMIT": env.get("SIGN_RATE_LIMIT", "5 per minute"),
        "SIGN_ADDRESS_RATE_LIMIT": env.get("SIGN_ADDRESS_RATE_LIMIT", "20 per minute"),
        "BABEL_DEFAULT_LOCALE": "fr",
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "LANGUAGES": ["fr", "en"],
        "DISPLAY_TIMEZONE": env.get("DISPLAY_TIMEZONE", "Europe/Paris"),
        # Mail: with no MAIL_SERVER, e-mails are logged and kept in the outbox.
        "MAIL_SERVER": env.get("MAIL_SERVER", ""),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        # The From of every e-mail ("Réciproque <reciproque@corp.example>" or an address).
        "MAIL_DEFAULT_SENDER": env.get("MAIL_DEFAULT_SENDER", "Réciproque <reciproque@localhost>"),
        # The ORGANIZER of every meeting invitation; empty: the head who scheduled it.
        "ICS_ORGANIZER": env.get("ICS_ORGANIZER", ""),
        "MAIL_TIMEOUT": float(env.get("MAIL_TIMEOUT", "10")),
        # The hour (display time zone) from which the daily digests go out.
        "MAIL_DIGEST_HOUR": int(env.get("MAIL_DIGEST_HOUR", "7")),
        "BASE_URL": env.get("BASE_URL", "http://127.0.0.1:5000"),
        # Scheduler inside the web process (development default only).
        "SCHEDULER_IN_PROCESS": _bool("SCHEDULER_IN_PROCESS", False),
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        # Form fields in memory (Flask's default is 500 kB): a previewed CSV file of readings
        # comes back signed in a hidden field to be confirmed.
        "MAX_FORM_MEMORY_SIZE": 4 * 1024 * 1024,
        # Reverse proxies in front of the app (0: none). Behind one, set 1 so that the client's
        # address (X-Forwarded-For) and scheme are used: otherwise the login rate limit counts
        # every client as the proxy's address, and one attacker locks everybody out.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        # The company map draws its matrix up to this many active departments; past it, one
        # row per department with its pairs counted by state (issue 16).
        "MAP_MATRIX_MAX": int(env.get("MAP_MATRIX_MAX", "30")),
        # Trust that travels (issue 15; the contract "trust" of docs/architecture.md).
        # The organisation's certificate (PKCS#12) that signs the stored PDF of every version
        # in force; empty: the self-signed demonstration certificate under instance/.
        "SIGNING_CERT_P12": env.get("SIGNING_CERT_P12", ""),
        "SIGNING_CERT_PASSWORD": env.get("SIGNING_CERT_PASSWORD", ""),
        # Where the self-signed demonstration certificate is made when SIGNING_CERT_P12 is
        # empty (tests point it at a temporary folder).
        "SIGNING_DEMO_CERT": env.get("SIGNING_DEMO_CERT", str(INSTANCE / "signing-demo.p12")),
        # An RFC 3161 timestamp authority: signatures then carry a timestamp (PAdES B-T).
        "TSA_URL": env.get("TSA_URL", ""),
        # Sign-in with the company's OpenID Connect provider (empty issuer: passwords only).
        "OIDC_ISSUER": env.get("OIDC_ISSUER", ""),
        "OIDC_CLIENT_ID": env.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": env.get("OIDC_CLIENT_SECRET", ""),
        # The name on the login page's button, "Sign in with <name>".
        "OIDC_PROVIDER_NAME": env.get("OIDC_PROVIDER_NAME", ""),
        # 1: the password form is gone, everyone signs in through the provider.
        "OIDC_REQUIRED": _bool("OIDC_REQUIRED", False),
        # The claim carrying a department code, to place a person on first sign-in.
        "OIDC_DEPARTMENT_CLAIM": env.get("OIDC_DEPARTMENT_CLAIM", ""),
    }
