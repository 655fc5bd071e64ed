"""Forms of the directory pages (the services re-check every rule)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length

from ..auth.forms import LANGUAGE_CHOICES
from ..formutil import options
from ..labels import DIRECTION_LABELS, ROLE_LABELS
from ..models import Direction, Role
from .operations import PASSWORD_MIN


def role_choices():
    return options((role.value, ROLE_LABELS[role]) for role in Role)


class DepartmentForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    code = StringField(
        _l("Short code"),
        validators=[DataRequired(), Length(max=16)],
        description=_l("1 to 16 capital letters, digits, '-' or '_', e.g. LOG."),
    )


class CriterionForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    definition = TextAreaField(
        _l("Definition"),
        validators=[DataRequired(), Length(max=4000)],
        description=_l("What is measured, on which population, and how."),
    )
    unit = StringField(_l("Unit"), validators=[DataRequired(), Length(max=32)])
    direction = SelectField(
        _l("Direction"),
        choices=options((d.value, DIRECTION_LABELS[d]) for d in Direction),
        validators=[InputRequired()],
    )
    # Text, not a number field: a wrong value comes back as typed, with the service's message.
    target = StringField(_l("Target"), validators=[DataRequired(), Length(max=32)])


class UserForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    locale = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    is_admin = BooleanField(_l("Administrator (keeps the directory and the criteria)"))
    is_leadership = BooleanField(_l("Leadership (reads and receives the monthly report)"))


class NewUserForm(UserForm):
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)]
    )


class PasswordResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )


class AddPersonForm(FlaskForm):
    """On a department's page: add someone as head or member."""

    user_id = SelectField(_l("Person"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role"), validators=[InputRequired()], default=Role.MEMBER.value)


class AddDepartmentForm(FlaskForm):
    """On a person's page: add them to a department."""

    department_id = SelectField(_l("Department"), coerce=int, validators=[InputRequired()])
    role = SelectField(_l("Role"), validators=[InputRequired()], default=Role.MEMBER.value)


class DependencyForm(FlaskForm):
    """Two departments that depend on each other (the service checks they exist and differ)."""

    first = SelectField(_l("Department"), coerce=int, validators=[InputRequired()])
    second = SelectField(_l("Depends on each other with"), coerce=int, validators=[InputRequired()])
