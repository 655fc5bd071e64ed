"""The charter page's negotiation: expectations and their answers, proposed changes to the
other side's commitments, and their decisions (routes of the ``charters`` blueprint).

Each view loads the charter through ``get_charter(write=True)`` (404 for outsiders, 403 for
readers), calls one service of ``negotiation`` inside ``attempt``, and redirects to the part of
the page it changed. Bad input shows the charter page again with what was typed and the
message; a side the person may not act for answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import ConflictError, DomainError, Forbidden, NotFound
from ..extensions import db
from ..labels import field_label
from ..models import COMMITMENT_FIELDS, Charter, Department, Expectation, Proposal
from ..permissions import get_charter
from ..transaction import attempt
from . import negotiation
from .forms import CommentForm, CommitmentForm
from .negotiation_forms import AnswerForm, ExpectationForm, ReasonForm
from .ownership import may_act_for
from .routes import _closed_to_edits, _commitment_in, _page_charter, _render_show, bp

# Refusals of the person (the wrong side, another charter's object): the error page, not the form.
REFUSALS = (Forbidden, NotFound)


@dataclass
class Failed:
    """A negotiation form that did not go through, shown again where it was on the page."""

    key: str
    form: Any


def _expectation_in(charter: Charter, expectation_id: int) -> Expectation:
    expectation = db.session.get(Expectation, expectation_id)
    if expectation is None or expectation.charter_id != charter.id:
        raise NotFound(_("No such expectation."))
    return expectation


def _proposal_in(charter: Charter, proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None or proposal.charter_id != charter.id:
        raise NotFound(_("No such proposal."))
    return proposal


def _back(charter: Charter, anchor: str):
    return redirect(url_for("charters.show", charter_id=charter.id, _anchor=anchor))


def _again(charter_id: int, key: str, form: Any, error: DomainError | None = None):
    """A refusal of the person is a 403 page; bad input or a conflict shows the charter page
    again with the form as typed and its message (422, or 409 for a conflict)."""
    if isinstance(error, REFUSALS):
        raise error
    status = 422 if error is None else error.status
    page = _render_show(_page_charter(charter_id), CommentForm(formdata=None), Failed(key, form))
    return page, status


# ---------------------------------------------------------------- expectations


@bp.route("/<int:charter_id>/expectations", methods=["POST"])
def add_expectation(charter_id: int):
    """The asking side's head says what their department expects of the other."""
    charter = get_charter(current_user, charter_id, write=True)
    form = ExpectationForm()
    key = f"expect-{form.department_id.data}"
    if form.validate_on_submit():
        with attempt(form, leave=REFUSALS) as outcome:
            expectation = negotiation.add_expectation(
                current_user,
                charter,
                text=form.text.data,
                customer_reason=form.customer_reason.data,
                from_department_id=form.department_id.data,
            )
        if outcome.ok:
            flash(_("Your expectation is added: the other department answers it."), "success")
            return _back(charter, f"expectation-{expectation.id}")
        return _again(charter_id, key, form, outcome.error)
    return _again(charter_id, key, form)


@bp.route("/<int:charter_id>/expectations/<int:expectation_id>/edit", methods=["POST"])
def reword_expectation(charter_id: int, expectation_id: int):
    """The asking side rewords its expectation (an answer to the old wording is open again)."""
    charter = get_charter(current_user, charter_id, write=True)
    expectation = _expectation_in(charter, expectation_id)
    form = ExpectationForm()
    key = f"reword-{expectation_id}"
    if form.validate_on_submit():
        with attempt(form, leave=REFUSALS) as outcome:
            negotiation.update_expectation(
                current_user,
                expectation,
                {"text": form.text.data, "customer_reason": form.customer_reason.data},
                seen_lock_version=form.lock_version.data,
            )
        if outcome.ok:
            flash(_("The expectation is saved."), "success")
            return _back(charter, f"expectation-{expectation_id}")
        return _again(charter_id, key, form, outcome.error)
    return _again(charter_id, key, form)


@bp.route("/<int:charter_id>/expectations/<int:expectation_id>/answer", methods=["POST"])
def answer_expectation(charter_id: int, expectation_id: int):
    """The addressee answers an expectation with one or more of its commitments."""
    form = AnswerForm()
    form.commitment_ids.choices = []  # the service checks which commitments may answer
    charter = get_charter(current_user, charter_id, write=True)
    expectation = _expectation_in(charter, expectation_id)
    if form.validate_on_submit():
        with attempt(form, leave=REFUSALS) as outcome:
            negotiation.decide_expectation(
                current_user,
                expectation,
                "answered",
                commitment_ids=list(form.commitment_ids.data or []),
                seen_lock_version=form.lock_version.data,
            )
        if outcome.ok:
            flash(_("The expectation is answered."), "success")
            return _back(charter, f"expectation-{expectation_id}")
        return _again(charter_id, f"answer-{expectation_id}", form, outcome.error)
    return _again(charter_id, f"answer-{expectation_id}", form)


@bp.route("/<int:charter_id>/expectations/<int:expectation_id>/decline", methods=["POST"])
def decline_expectation(charter_id: int, expectation_id: int):
    """The addressee declines an expectation, saying why (both sides read it)."""
    charter = get_charter(current_user, charter_id, write=True)
    expectation = _expectation_in(charter, expectation_id)
    form = ReasonForm()
    key = f"decline-{expectation_id}"
    if form.validate_on_submit():
        with attempt(form, leave=REFUSALS) as outcome:
            negotiation.decide_expectation(
                current_user,
                expectation,
                "declined",
                reason=form.reason.data,
                seen_lock_version=form.lock_version.data,
            )
        if outcome.ok:
            flash(_("The expectation is declined; both sides see your reason."), "success")
            return _back(charter, f"expectation-{expectation_id}")
        return _again(charter_id, key, form, outcome.error)
    return _again(charter_id, key, form)


@bp.route("/<int:charter_id>/expectations/<int:expectation_id>/withdraw", methods=["POST"])
def withdraw_expectation(charter_id: int, expectation_id: int):
    """The asking side takes its expectation back."""
    charter = get_charter(current_user, charter_id, write=True)
    expectation = _expectation_in(charter, expectation_id)
    side = expectation.to_department_id
    with attempt(leave=REFUSALS) as outcome:
        negotiation.decide_expectation(
            current_user,
            expectation,
            "withdrawn",
            seen_lock_version=request.form.get("lock_version", type=int),
        )
    if isinstance(outcome.error, REFUSALS):
        raise outcome.error
    if outcome.ok:
        flash(_("The expectation is withdrawn."), "success")
    return _back(charter, f"side-{side}")


# ---------------------------------------------------------------- proposals


def _changes(form: CommitmentForm, commitment) -> dict[str, str]:
    """Only the fields the person changed are proposed."""
    changes = {}
    for name in COMMITMENT_FIELDS:
        value = (getattr(form, name).data or "").strip()
        if value != (getattr(commitment, name) or ""):
            changes[name] = value
    return changes


@bp.route("/<int:charter_id>/commitments/<int:commitment_id>/propose", methods=["GET", "POST"])
def propose_change(charter_id: int, commitment_id: int):
    """The other side proposes new values for some fields of a commitment."""
    charter = get_charter(current_user, charter_id, write=True)
    commitment = _commitment_in(charter, commitment_id)
    if request.method == "GET" and (closed := _closed_to_edits(charter)):
        return closed
    proposer = charter.other_department_id(commitment.provider_department_id)
    if not may_act_for(current_user, proposer)[0]:
        # The owner's side writes its commitment directly.
        return redirect(
            url_for("charters.edit_commitment", charter_id=charter.id, commitment_id=commitment.id)
        )
    form = CommitmentForm(obj=commitment)
    status = 200
    if form.validate_on_submit():
        changes = _changes(form, commitment)
        with attempt(form, leave=REFUSALS) as outcome:
            negotiation.propose_change(current_user, commitment, changes)
        if isinstance(outcome.error, REFUSALS):
            raise outcome.error
        if outcome.ok:
            flash(
                _(
                    "Your proposal is sent: %(dept)s accepts or rejects it.",
                    dept=charter.department_names[commitment.provider_department_id],
                ),  # fmt: skip
                "success",
            )
            return _back(charter, f"commitment-{commitment.id}")
        status = outcome.status
    elif form.errors:
        status = 422
    return render_template(
        "charters/proposal_form.html",
        form=form,
        charter=charter,
        commitment=commitment,
        provider=commitment.provider_department,
        proposer=db.session.get(Department, proposer),
    ), status


def _decided(charter: Charter, proposal: Proposal, outcome: attempt, message: str):
    if isinstance(outcome.error, REFUSALS):
        raise outcome.error
    if outcome.conflict:
        names = ", ".join(field_label(f) for f in outcome.error.details.get("fields", []))
        flash(
            _(
                "This commitment changed since the proposal was made (%(fields)s): its text "
                "is no longer the one the proposal was written against. Read it again; the "
                "proposal can be made anew on the current text.",
                fields=names,
            ),
            "error",
        )
    elif outcome.ok:
        flash(message, "success")
    return _back(charter, f"commitment-{proposal.commitment_id}")


@bp.route("/<int:charter_id>/proposals/<int:proposal_id>/accept", methods=["POST"])
def accept_proposal(charter_id: int, proposal_id: int):
    """The owner takes the proposed values; both sides then agree to the new text."""
    charter = get_charter(current_user, charter_id, write=True)
    proposal = _proposal_in(charter, proposal_id)
    with attempt(leave=(*REFUSALS, ConflictError)) as outcome:
        negotiation.accept_proposal(current_user, proposal)
    return _decided(
        charter,
        proposal,
        outcome,
        _("The proposal is accepted: the commitment now reads as proposed, agreed by both."),
    )


@bp.route("/<int:charter_id>/proposals/<int:proposal_id>/reject", methods=["POST"])
def reject_proposal(charter_id: int, proposal_id: int):
    """The owner keeps the text, saying why."""
    charter = get_charter(current_user, charter_id, write=True)
    proposal = _proposal_in(charter, proposal_id)
    form = ReasonForm()
    key = f"reject-{proposal_id}"
    if form.validate_on_submit():
        with attempt(form, leave=REFUSALS) as outcome:
            negotiation.reject_proposal(current_user, proposal, form.reason.data)
        if outcome.ok:
            flash(_("The proposal is rejected; the other side sees your reason."), "success")
            return _back(charter, f"commitment-{proposal.commitment_id}")
        return _again(charter_id, key, form, outcome.error)
    return _again(charter_id, key, form)


@bp.route("/<int:charter_id>/proposals/<int:proposal_id>/withdraw", methods=["POST"])
def withdraw_proposal(charter_id: int, proposal_id: int):
    """The proposing side takes its proposal back."""
    charter = get_charter(current_user, charter_id, write=True)
    proposal = _proposal_in(charter, proposal_id)
    with attempt(leave=REFUSALS) as outcome:
        negotiation.withdraw_proposal(current_user, proposal)
    return _decided(charter, proposal, outcome, _("Your proposal is withdrawn."))
