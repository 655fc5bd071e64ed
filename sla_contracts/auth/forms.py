"""Forms of the login and preferences pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectChoice, SelectField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..models import EmailFrequency
from .service import normalise_email

LANGUAGE_CHOICES = [SelectChoice("fr", "Français"), SelectChoice("en", "English")]


def _normalised(value: str | None) -> str | None:
    return normalise_email(value) if isinstance(value, str) else value


class LoginForm(FlaskForm):
    # Only "not empty": a syntax check (WTForms' Email()) refuses addresses the directory and the
    # CLI accept, such as someone@corp.local; authenticate() answers for unknown ones.
    email = EmailField(
        _l("E-mail"), filters=[_normalised], validators=[DataRequired(), Length(max=254)]
    )
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me signed in on this device"))
    submit = SubmitField(_l("Sign in"))


EMAIL_FREQUENCY_CHOICES = [
    SelectChoice(
        EmailFrequency.IMMEDIATELY.value,
        _l("At once (activity on a charter being written: at most one e-mail every 15 minutes)"),
    ),
    SelectChoice(EmailFrequency.DAILY.value, _l("One digest a day")),
    SelectChoice(
        EmailFrequency.WEEKLY.value,
        _l("One digest a week, on Monday morning: what is due, what moved, reviews to prepare"),
    ),
    SelectChoice(EmailFrequency.NEVER.value, _l("No e-mails (in-app inbox only)")),
]


class PreferencesForm(FlaskForm):
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    email_frequency = SelectField(_l("E-mails"), choices=EMAIL_FREQUENCY_CHOICES)
    submit = SubmitField(_l("Save"))


class PasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=8, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Change password"))
