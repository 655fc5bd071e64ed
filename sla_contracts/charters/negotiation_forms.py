"""Forms of the charter page's negotiation: expectations, their answers, proposals' decisions.

Their field names are the services' (``text``, ``customer_reason``, ``commitment_ids``,
``reason``), so a domain error lands on the field it names. Services re-check every rule.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .negotiation import REASON_MAX
from .operations import TEXT_MAX


def _hidden_int():
    return IntegerField(widget=HiddenField.widget, validators=[Optional()])


class ExpectationForm(FlaskForm):
    """What the asking side expects of the other, and why it matters for the end customer."""

    text = TextAreaField(
        _l("What you expect of them"), validators=[DataRequired(), Length(max=TEXT_MAX)]
    )
    customer_reason = TextAreaField(
        _l("Why it matters for the end-customer criterion"),
        validators=[DataRequired(), Length(max=TEXT_MAX)],
    )
    # The asking side: the section the form sits in names it (an administrator picks it so).
    department_id = _hidden_int()
    lock_version = _hidden_int()


class AnswerForm(FlaskForm):
    """The addressee's commitments that answer an expectation."""

    commitment_ids = SelectMultipleField(
        _l("Answered by"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,  # the service says which commitments may answer
    )
    lock_version = _hidden_int()


class ReasonForm(FlaskForm):
    """A reason both sides will read: declining an expectation, rejecting a proposal."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])
    lock_version = _hidden_int()
