"""Forms of the signing pages (services re-check every rule)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from .amendments import REASON_MAX
from .share_links import SHARE_DAYS_MAX


class SubmitForm(FlaskForm):
    leave_comments_open = BooleanField(_l("Leave the open comments open and submit anyway"))


class SignForm(FlaskForm):
    version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    password = PasswordField(
        _l("Your password, to confirm it is you who signs"), validators=[DataRequired()]
    )


class AmendForm(FlaskForm):
    pass


class EndForm(FlaskForm):
    reason = TextAreaField(
        _l("Why does this charter end?"), validators=[DataRequired(), Length(max=REASON_MAX)]
    )


class ShareForm(FlaskForm):
    days = IntegerField(
        _l("The link works for (days)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=SHARE_DAYS_MAX)],
    )


class VerifyForm(FlaskForm):
    fingerprint = StringField(_l("Fingerprint"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("…or the PDF file"))
