"""Who hears of what, and in which language: the recipient's preferences decide."""

from __future__ import annotations

from flask import current_app

from ..models import EmailFrequency, User


def locale_of(user: User) -> str:
    """The language a person reads their messages in."""
    languages = current_app.config.get("LANGUAGES", ["fr", "en"])
    if user.locale in languages:
        return user.locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "fr")


def wants_email(user: User) -> bool:
    """Whether ``user`` gets e-mails (at once or in a digest): not when they chose the inbox
    only, nor once they left (archived). The in-app inbox always gets the message."""
    return user.is_active and user.email_frequency != EmailFrequency.NEVER
