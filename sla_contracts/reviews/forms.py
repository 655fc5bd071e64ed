"""Forms of the review pages (services re-check every rule)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    IntegerField,
    SelectMultipleField,
    StringField,
    TimeField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from ..models.surveys import IRRITANT_MAX
from .scheduling import LINK_MAX, LOCATION_MAX


class ScheduleForm(FlaskForm):
    date = DateField(_l("Date"), validators=[InputRequired()])
    time = TimeField(_l("Time"), validators=[InputRequired()])
    duration_minutes = IntegerField(
        _l("Duration (minutes)"), default=60, validators=[InputRequired(), NumberRange(15, 480)]
    )
    location = StringField(_l("Place"), validators=[Optional(), Length(max=LOCATION_MAX)])
    video_link = StringField(_l("Video link"), validators=[Optional(), Length(max=LINK_MAX)])
    attendee_ids = SelectMultipleField(_l("Attendees"), coerce=int)


class ReminderSettingsForm(FlaskForm):
    review_offsets = StringField(
        _l("Remind before a review (days, comma-separated)"),
        validators=[InputRequired(), Length(max=100)],
    )
    action_due_soon_days = IntegerField(
        _l("Remind before an action's due date (days)"),
        validators=[InputRequired(), NumberRange(0, 90)],
    )


class SurveyForm(FlaskForm):
    """The satisfaction survey before a review (the service checks the score)."""

    # Shown as five labelled radio buttons (templates/reviews/survey.html).
    score = StringField(_l("Your score"), validators=[Optional()])
    irritant = StringField(
        _l("One irritant, if you have one (optional)"),
        validators=[Optional(), Length(max=IRRITANT_MAX)],
    )
