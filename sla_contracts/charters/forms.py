"""Forms of the charter pages (services re-check every rule)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..formutil import options
from ..labels import TARGET_DIRECTION_LABELS
from ..models import DEFAULT_TERM
from .operations import COMMENT_MAX, COMMITMENT_LIMITS, TITLE_MAX


class CharterForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    department_a_id = SelectField(_l("Your department"), coerce=int, validators=[InputRequired()])
    # DataRequired refuses the "— choose —" placeholder (value 0) along with the title.
    department_b_id = SelectField(
        _l("The other department"), coerce=int, validators=[DataRequired()]
    )
    criterion_id = SelectField(
        _l("Shared end-customer criterion"), coerce=int, validators=[DataRequired()]
    )
    review_cadence_months = SelectField(
        _l("Review cadence"), coerce=int, validators=[InputRequired()]
    )
    # Not sent (an older form, a script): 12 months, the default the API takes too.
    term_months = SelectField(
        _l("Term"),
        coerce=int,
        default=DEFAULT_TERM,
        description=_l("How long the charter is in force once both heads sign it."),
    )


class NewCharterForm(CharterForm):
    # "", "starter:<key>" or "charter:<id>": the view checks it (a charter one may read).
    start_from = SelectField(_l("Start from"), validate_choice=False)
    # Set once the person has seen that the pair already has a charter and goes on anyway.
    confirmed = HiddenField()


class CharterEditForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    criterion_id = SelectField(
        _l("Shared end-customer criterion"), coerce=int, validators=[InputRequired()]
    )
    review_cadence_months = SelectField(
        _l("Review cadence"), coerce=int, validators=[InputRequired()]
    )
    # Not sent: the charter's current term is kept.
    term_months = SelectField(
        _l("Term"),
        coerce=int,
        description=_l(
            "How long the charter is in force once both heads sign it; an amendment keeps the "
            "current end, a renewal starts a new term."
        ),
    )
    lock_version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])
    base = HiddenField()  # the values the form was opened with, signed (see ``edit_page``)


def _text(label, name, area=False, description=None):
    required, max_length = COMMITMENT_LIMITS[name]
    validators = [DataRequired() if required else Optional(), Length(max=max_length)]
    cls = TextAreaField if area else StringField
    return cls(label, validators=validators, description=description)


class IdBoxes(SelectMultipleField):
    """Ticked boxes of ids; an empty value (no box, "") is no id rather than an error."""

    def process_formdata(self, valuelist):
        super().process_formdata([v for v in valuelist if v.strip()])


class CommitmentForm(FlaskForm):
    title = _text(_l("Title"), "title")
    service_standard = _text(
        _l("Service standard"),
        "service_standard",
        area=True,
        description=_l("What exactly is promised, e.g. “answer store requests within 48 h”."),
    )
    indicator = _text(
        _l("Indicator"), "indicator", description=_l("The measure that tells whether it was kept.")
    )
    target = _text(_l("Target"), "target")
    unit = _text(_l("Unit"), "unit")
    measurement_method = _text(_l("How it is measured"), "measurement_method", area=True)
    measurement_frequency = _text(_l("How often"), "measurement_frequency")
    customer_impact = _text(
        _l("How this serves the end-customer criterion"),
        "customer_impact",
        area=True,
        description=_l("One sentence: why keeping this promise moves the shared criterion."),
    )
    # The other side's commitments this one depends on (the view lists them; the service checks).
    prerequisite_ids = IdBoxes(
        _l("Depends on"),
        coerce=int,
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l(
            "Tick what the other department must deliver for this promise to be kept, e.g. "
            "“orders sent before 14:00”."
        ),
    )
    # How the readings are compared with the target (see ``measure_fields``; the service checks).
    chosen_direction = SelectField(
        _l("Direction of the target"),
        choices=options(
            [
                ("", _l("Taken from the target (default)")),
                *((d.value, label) for d, label in TARGET_DIRECTION_LABELS.items()),
            ]
        ),
        validators=[Optional()],
    )
    tolerance = StringField(_l("Tolerance (optional)"), validators=[Optional(), Length(max=32)])
    lock_version = IntegerField(widget=HiddenField.widget, validators=[Optional()])
    base = HiddenField()  # the values the form was opened with, signed (see ``edit_page``)


class CommentForm(FlaskForm):
    body = TextAreaField(_l("Comment"), validators=[DataRequired(), Length(max=COMMENT_MAX)])
    commitment_id = IntegerField(widget=HiddenField.widget, validators=[Optional()])
