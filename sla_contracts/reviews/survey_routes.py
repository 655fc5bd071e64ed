"""The survey page: a person of either side rates the other side before the review meeting.

Routes of the ``reviews`` blueprint (imported by ``register_blueprints``). People outside the
charter's two departments get 404 (403 for an administrator who belongs to neither side).
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..errors import Forbidden
from ..labels import satisfaction_label
from ..transaction import attempt
from . import access, survey
from .forms import SurveyForm
from .routes import bp


@bp.record_once
def _setup(state) -> None:
    @state.app.context_processor
    def _survey():
        return {"satisfaction_label": satisfaction_label, "review_survey": _meeting_survey}


def _meeting_survey(review) -> dict:
    """What the meeting page shows of the survey: the results once started, the person's own
    answer and whether they may still answer (used by reviews/_survey.html)."""
    mine = None
    if survey.side_of(current_user, review.charter) is not None:
        mine = survey.own_answer(current_user, review)
    return {
        "results": survey.results(review),
        "mine": mine,
        "can_answer": survey.is_answering(review)
        and survey.side_of(current_user, review.charter) is not None,
    }


@bp.route("/<int:review_id>/survey", methods=["GET", "POST"])
def survey_page(review_id: int):
    review = access.get_review(current_user, review_id)
    side = survey.side_of(current_user, review.charter)
    if side is None:
        raise Forbidden(_("Only the people of the charter's two departments answer the survey."))
    mine = survey.own_answer(current_user, review)
    form = SurveyForm()
    if request.method == "GET" and mine is not None and mine.is_answered:
        form.score.data = str(mine.score)
        form.irritant.data = mine.irritant
    status = 200
    if form.validate_on_submit():
        with attempt(form) as outcome:
            survey.answer(current_user, review, form.score.data, form.irritant.data)
        if outcome.ok:
            flash(_("Thank you: your answer is saved. You can change it until the review starts."),
                  "success")  # fmt: skip
            return redirect(url_for("reviews.survey_page", review_id=review.id))
        status = outcome.status
        mine = survey.own_answer(current_user, review)
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "reviews/survey.html",
            review=review,
            charter=review.charter,
            form=form,
            side=side,
            rated=survey.other_side(review.charter, side),
            mine=mine,
            answering=survey.is_answering(review),
            revealed=survey.is_revealed(review),
        ),
        status,
    )
