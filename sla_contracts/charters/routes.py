"""Charter pages: draft, commitments in both directions, comments and history."""

from __future__ import annotations

from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..auth.sessions import quiet_session, session_claim
from ..errors import ConflictError, NotFound
from ..extensions import db
from ..formats import and_list, collate, local, number
from ..formutil import options
from ..labels import activity_label, cadence_label, field_labels, status_label
from ..main.errors import error_response
from ..models import (
    REVIEW_CADENCES,
    Agreement,
    Charter,
    CharterStatus,
    Comment,
    Commitment,
    CustomerCriterion,
    Department,
    Expectation,
    Proposal,
    Revision,
    measured,
    pending_version,
)
from ..permissions import can_edit, get_charter
from ..timeutil import utcnow
from ..transaction import atomic, attempt
from . import edit_page, editing, live, measures_view, negotiation, prerequisites, telling
from . import operations as ops
from .forms import CharterEditForm, CommentForm, CommitmentForm
from .history import diff_snapshots
from .measure_fields import MEASURE_FIELDS
from .ownership import may_act_for
from .terms import term_choices

bp = Blueprint("charters", __name__, url_prefix="/charters")


@login_required
def _require_login():
    pass


@bp.before_request
def _login_first():
    # The page's poll checks the session itself, in its one statement (see ``live``).
    if request.endpoint != "charters.live_state":
        return _require_login()
    return None


def _criterion_choices(include_id: int | None = None):
    criteria = collate(db.session.scalars(select(CustomerCriterion)), key=lambda c: c.name)
    return [(c.id, c.name) for c in criteria if not c.is_archived or c.id == include_id]


def _cadence_choices():
    return [(m, cadence_label(m)) for m in REVIEW_CADENCES]


def _closed_to_edits(charter: Charter):
    """Send people back to the charter page before they type into a form they cannot save."""
    if charter.status == CharterStatus.ACTIVE:
        flash(
            _(
                "This charter is signed and in force: it cannot be edited directly. To change "
                "it, open an amendment (the “Amend” button); the signed version stays in force "
                "until both heads sign the new one."
            ),
            "error",
        )
    elif charter.status == CharterStatus.ENDED:
        flash(_("This charter has ended: it can no longer be changed."), "error")
    elif charter.status == CharterStatus.EXPIRED:
        flash(_("This charter has expired: renew it to change it."), "error")
    else:
        return None
    return redirect(url_for("charters.show", charter_id=charter.id))


def _pending_number(charter: Charter) -> int | None:
    """The number of the version a save is about to void, if the charter awaits signatures."""
    if charter.status != CharterStatus.AWAITING_SIGNATURES:
        return None
    version = pending_version(charter)
    return version.number if version is not None else None


def _flash_saved(message: str, voided: int | None) -> None:
    if voided is None:
        flash(message, "success")
    else:
        flash(
            _(
                "Saved. The charter is back to draft: version %(number)d and any signature "
                "already given are void. Submit it again when it is ready; both heads will "
                "have to sign.",
                number=voided,
            ),
            "warning",
        )


def _commitment_in(charter: Charter, commitment_id: int) -> Commitment:
    commitment = db.session.get(Commitment, commitment_id)
    if commitment is None or commitment.charter_id != charter.id:
        raise NotFound(_("No such commitment."))
    return commitment


@bp.route("/<int:charter_id>")
def show(charter_id: int):
    # The visit is recorded in the page's own transaction, committed once it is rendered:
    # a commit before would expire what was loaded, and the page would read it all again.
    with atomic():
        charter = _page_charter(charter_id)
        ops.mark_visited(current_user, charter)
        live.touch_presence(charter.id, current_user.id, utcnow())
        return _render_show(charter, CommentForm())


def _page_charter(charter_id: int) -> Charter:
    """The charter with everything its page shows, in a fixed number of statements.

    Read for anyone, then checked: a person who may not read it gets the same 404 as for a
    charter that does not exist (``get_charter`` finds it loaded: no statement more).
    """
    loaded = db.session.scalars(
        select(Charter)
        .where(Charter.id == charter_id)
        .options(
            # The criterion and both departments: joined to the charter's own row.
            joinedload(Charter.criterion),
            joinedload(Charter.department_a),
            joinedload(Charter.department_b),
            # Who agreed, proposed, asked and answered: joined, so no statement more.
            selectinload(Charter.commitments)
            .selectinload(Commitment.agreements)
            .joinedload(Agreement.user),
            selectinload(Charter.commitments).options(
                joinedload(Commitment.created_by),
                joinedload(Commitment.updated_by),
                selectinload(Commitment.prerequisites),  # (dependents: read from these)
            ),
            selectinload(Charter.commitments)
            .selectinload(Commitment.proposals)
            .options(joinedload(Proposal.author), joinedload(Proposal.decided_by)),
            selectinload(Charter.expectations).options(
                selectinload(Expectation.answers),
                joinedload(Expectation.created_by),
                joinedload(Expectation.decided_by),
            ),
        )
        # No populate_existing: the answers' commitments are the lines loaded above, and
        # re-populating them would drop their agreements and proposals (lazy loads per line).
        # Callers come here after a commit or a rollback, so nothing loaded is stale.
    ).one_or_none()
    charter = get_charter(current_user, charter_id)
    assert charter is loaded  # (kept referenced: the session's identity map is weak)
    return charter


def _render_show(charter: Charter, comment_form: CommentForm, failed=None):
    """Render the charter page for a charter read by ``_page_charter``.

    ``failed``: a negotiation form shown again where it was, with what was typed.
    """
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.charter_id == charter.id)
        .options(joinedload(Comment.author), joinedload(Comment.resolved_by))
        .order_by(Comment.created_at, Comment.id)
    ).all()
    # In force: where each commitment stands on its readings (two statements).
    active = charter.status == CharterStatus.ACTIVE
    measure = measured.charter_measure(charter.id) if active else None
    return render_template(
        "charters/show.html",
        charter=charter,
        balance=ops.balance(charter),
        comments=comments,
        can_edit=can_edit(current_user, charter),
        my_sides=[d for d in charter.department_ids if may_act_for(current_user, d)[0]],
        comment_form=comment_form,
        present_text=_present_text(live.present_others(charter, current_user, utcnow())),
        poll_seconds=live.poll_seconds(charter.status),
        readiness=negotiation.readiness(charter),
        failed=failed,
        measure=measure,
        measures_view=measures_view,
    )


# ---------------------------------------------------------------- presence and live updates


def _since(raw: str | None) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        abort(400)
    if moment.tzinfo is None:
        abort(400)
    return moment


def _change_text(item) -> str:
    charter_fields = item.action in ("charter_updated", "charter_override")
    summary = field_labels(item.summary) if charter_fields else item.summary
    what = activity_label(item.action)
    if summary:
        what = _("%(action)s: %(summary)s", action=what, summary=summary)
    if item.actor_name:
        return _("%(name)s · %(what)s", name=item.actor_name, what=what)
    return what


@bp.get("/<int:charter_id>/live")
def live_state(charter_id: int):
    """The page's poll: 304 while nothing changed, else who is here and what others changed."""
    now = utcnow()
    quiet_session()  # a poll is not the person's activity: their session is not extended
    claim = session_claim()
    if claim is None:  # signed in by a remember-me cookie only: Flask-Login restores the session
        if not current_user.is_authenticated:
            return error_response(401, "unauthorized", _("Please sign in."))
        claim = (current_user.id, current_user.session_version)
    since = _since(request.args.get("since"))
    try:
        state = live.poll_state(charter_id, *claim, now)
    except live.SignedOut:
        return error_response(401, "unauthorized", _("Please sign in."))
    if state is None:
        return error_response(404, "not_found", _("No such charter."))
    if state.presence_is_stale(now):
        with atomic():
            live.touch_presence(charter_id, state.user_id, now)
    etag = state.etag(since)
    headers = {"ETag": etag, "Cache-Control": "private, no-cache", "Vary": "Cookie"}
    if request.if_none_match.contains_weak(etag.strip('"')):
        response = current_app.response_class(status=304, headers=headers)
        del response.headers["Content-Type"]
        return response
    changes, more = live.changes_for(state, since)
    body = {
        "status": state.status.value,
        "status_text": _("This charter is now: %(status)s.", status=status_label(state.status)),
        "poll_seconds": live.poll_seconds(state.status),
        "present": state.present,
        "present_text": _present_text(state.present),
        "changes": [
            {
                "at": item.at.isoformat(),
                "actor": item.actor,
                "action": item.action,
                "summary": item.summary,
                "object_type": item.object_type,
                "object_id": item.object_id,
                "text": _change_text(item),
                "time": local(item.at).strftime("%H:%M"),
            }
            for item in changes
        ],
        "more": more,
        # The page is out of date (even with no change of others' to list: one's own in
        # another tab, or one the feed missed).
        "stale": since is not None and state.updated_at > since,
    }
    return jsonify(body), 200, headers


def _present_text(present: list[dict]) -> str:
    if not present:
        return ""
    return ngettext(
        "%(names)s is also here",
        "%(names)s are also here",
        len(present),
        names=and_list([person["name"] for person in present]),
    )


@bp.route("/<int:charter_id>/edit", methods=["GET", "POST"])
def edit(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    if request.method == "GET" and (closed := _closed_to_edits(charter)):
        return closed
    voids = _pending_number(charter)
    form = CharterEditForm(obj=charter)
    form.criterion_id.choices = options(_criterion_choices(include_id=charter.criterion_id))
    form.review_cadence_months.choices = options(_cadence_choices())
    form.term_months.choices = options(term_choices())
    if request.method == "GET":
        form.base.data = edit_page.token(charter)
    status, conflict = 200, []
    if form.validate_on_submit():
        opened = edit_page.read(charter, None, form.base.data)
        overriding = edit_page.resolve(form, opened, request.form.get("resolve"))
        data = {name: getattr(form, name).data for name in editing.CHARTER_FIELDS}
        with attempt(form, leave=(ConflictError,)) as outcome:
            ops.update_charter(
                current_user,
                charter,
                form.lock_version.data,
                data,
                base=opened.base if opened else None,
                overriding=overriding,
            )
        status = outcome.status
        if outcome.conflict:
            flash(outcome.error.message, "error")
            charter = get_charter(current_user, charter_id)
            conflict = edit_page.show_conflict(form, charter, None, outcome.error, data)
        elif outcome.ok:
            _flash_saved(_("The charter is saved."), voids)
            return redirect(url_for("charters.show", charter_id=charter.id))
    elif form.errors:
        status = 422
    return render_template(
        "charters/edit.html", form=form, charter=charter, conflict=conflict
    ), status


@bp.route("/<int:charter_id>/commitments/new", methods=["GET", "POST"])
def new_commitment(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    provider_id = request.args.get("provider", type=int)
    if provider_id not in charter.department_ids:
        abort(404)
    if request.method == "GET" and (closed := _closed_to_edits(charter)):
        return closed
    if request.method == "GET" and not may_act_for(current_user, provider_id)[0]:
        flash(
            _(
                "Each department writes the commitments it provides. To ask something of the "
                "other department, add an expectation."
            ),
            "error",
        )
        return redirect(url_for("charters.show", charter_id=charter.id, _anchor="expectations"))
    voids = _pending_number(charter)
    provider = db.session.get(Department, provider_id)
    beneficiary = db.session.get(Department, charter.other_department_id(provider_id))
    form = CommitmentForm()
    _prerequisite_choices(form, charter, provider_id)
    status = 200
    if form.validate_on_submit():
        with attempt(form) as outcome:
            ops.add_commitment(current_user, charter, provider_id, _commitment_data(form))
        status = outcome.status
        if outcome.ok:
            _flash_saved(_("The commitment is added."), voids)
            return redirect(
                url_for("charters.show", charter_id=charter.id, _anchor=f"side-{provider_id}")
            )
    elif form.errors:
        status = 422
    return render_template(
        "charters/commitment_form.html",
        form=form,
        charter=charter,
        provider=provider,
        beneficiary=beneficiary,
        commitment=None,
        conflict=[],
    ), status


def _commitment_data(form: CommitmentForm) -> dict:
    names = (*ops.COMMITMENT_LIMITS, *MEASURE_FIELDS)
    data: dict = {name: getattr(form, name).data or "" for name in names}
    data["prerequisite_ids"] = form.prerequisite_ids.data or []
    return data


def _prerequisite_choices(form: CommitmentForm, charter: Charter, provider_id: int) -> None:
    """The other side's commitments, as boxes (the service checks what is ticked)."""
    form.prerequisite_ids.choices = [
        (c.id, c.title) for c in prerequisites.candidates(charter, provider_id)
    ]


@bp.route("/<int:charter_id>/commitments/<int:commitment_id>/edit", methods=["GET", "POST"])
def edit_commitment(charter_id: int, commitment_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    commitment = _commitment_in(charter, commitment_id)
    if request.method == "GET" and (closed := _closed_to_edits(charter)):
        return closed
    if (
        request.method == "GET"
        and not may_act_for(current_user, commitment.provider_department_id)[0]
    ):
        # The other side's commitment: its heads write it, this side proposes a change.
        return redirect(
            url_for("charters.propose_change", charter_id=charter.id, commitment_id=commitment.id)
        )
    voids = _pending_number(charter)
    form = CommitmentForm(obj=commitment)
    _prerequisite_choices(form, charter, commitment.provider_department_id)
    if request.method == "GET":
        form.base.data = edit_page.token(charter, commitment)
        if commitment.tolerance is not None:  # in the reader's language: "2,5"
            form.tolerance.data = number(commitment.tolerance)
    provider = commitment.provider_department
    beneficiary = db.session.get(Department, charter.other_department_id(provider.id))
    status, conflict = 200, []
    if form.validate_on_submit():
        opened = edit_page.read(charter, commitment, form.base.data)
        overriding = edit_page.resolve(form, opened, request.form.get("resolve"))
        data = _commitment_data(form)
        with attempt(form, leave=(ConflictError,)) as outcome:
            ops.update_commitment(
                current_user,
                commitment,
                form.lock_version.data,
                data,
                base=opened.base if opened else None,
                overriding=overriding,
            )
        status = outcome.status
        if outcome.conflict:
            flash(outcome.error.message, "error")
            commitment = db.session.get(Commitment, commitment_id)
            conflict = edit_page.show_conflict(form, charter, commitment, outcome.error, data)
        elif outcome.ok:
            _flash_saved(_("The commitment is saved."), voids)
            return redirect(
                url_for(
                    "charters.show", charter_id=charter.id, _anchor=f"commitment-{commitment.id}"
                )
            )
    elif form.errors:
        status = 422
    return render_template(
        "charters/commitment_form.html",
        form=form,
        charter=charter,
        provider=provider,
        beneficiary=beneficiary,
        commitment=commitment,
        conflict=conflict,
    ), status


@bp.route("/<int:charter_id>/commitments/<int:commitment_id>/delete", methods=["POST"])
def delete_commitment(charter_id: int, commitment_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    commitment = _commitment_in(charter, commitment_id)
    voids = _pending_number(charter)
    with attempt() as outcome:
        ops.delete_commitment(current_user, commitment, request.form.get("lock_version", type=int))
    if outcome.ok:
        _flash_saved(_("The commitment is removed."), voids)
    return redirect(url_for("charters.show", charter_id=charter.id))


@bp.route("/<int:charter_id>/commitments/<int:commitment_id>/move", methods=["POST"])
def move_commitment(charter_id: int, commitment_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    commitment = _commitment_in(charter, commitment_id)
    offset = -1 if request.form.get("direction") == "up" else 1
    with attempt():
        ops.move_commitment(current_user, commitment, offset)
    return redirect(
        url_for("charters.show", charter_id=charter.id, _anchor=f"commitment-{commitment_id}")
    )


@bp.route("/<int:charter_id>/commitments/<int:commitment_id>/agree", methods=["POST"])
def agree_commitment(charter_id: int, commitment_id: int):
    """A head agrees to a commitment's text as shown (or takes the agreement back)."""
    charter = get_charter(current_user, charter_id, write=True)
    commitment = _commitment_in(charter, commitment_id)
    agreed = request.form.get("agreed", "1") == "1"
    with attempt() as outcome:
        negotiation.agree(
            current_user,
            commitment,
            request.form.get("lock_version", type=int),
            department_id=request.form.get("department_id", type=int),
            agreed=agreed,
        )
    if outcome.ok:
        flash(
            _("You agree to this commitment as written.")
            if agreed
            else _("Your agreement to this commitment is withdrawn."),
            "success",
        )
    return redirect(
        url_for("charters.show", charter_id=charter.id, _anchor=f"commitment-{commitment_id}")
    )


@bp.route("/<int:charter_id>/comments", methods=["POST"])
def add_comment(charter_id: int):
    charter = get_charter(current_user, charter_id)
    form = CommentForm()
    anchor = "comments"
    if form.validate_on_submit():
        with attempt() as outcome:
            ops.add_comment(current_user, charter, form.body.data, form.commitment_id.data)
        if outcome.ok:
            flash(_("Your comment is posted."), "success")
            if form.commitment_id.data:
                anchor = f"commitment-{form.commitment_id.data}"
            return redirect(url_for("charters.show", charter_id=charter.id, _anchor=anchor))
    # Invalid comment: show the charter again with the text kept and the message.
    return _render_show(_page_charter(charter.id), form), 422


@bp.route("/<int:charter_id>/people")
def people(charter_id: int):
    """Who a comment may @mention: the pair's people, by name (the comment box completes them)."""
    charter = get_charter(current_user, charter_id)
    names = collate(person.name for person in telling.pair_members(charter))
    response = jsonify({"people": [{"name": name} for name in names]})
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.route("/<int:charter_id>/comments/<int:comment_id>/resolve", methods=["POST"])
def resolve_comment(charter_id: int, comment_id: int):
    charter = get_charter(current_user, charter_id)
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.charter_id != charter.id:
        abort(404)
    resolved = request.form.get("resolved", "1") == "1"
    with attempt():
        ops.set_comment_resolved(current_user, comment, resolved)
    return redirect(
        url_for("charters.show", charter_id=charter.id, _anchor=f"comment-{comment_id}")
    )


@bp.route("/<int:charter_id>/history")
def history(charter_id: int):
    charter = get_charter(current_user, charter_id)
    revisions = db.session.scalars(
        select(Revision)
        .where(Revision.charter_id == charter.id)
        .options(selectinload(Revision.author))
        .order_by(Revision.number.desc())
    ).all()
    return render_template("charters/history.html", charter=charter, revisions=revisions)


@bp.route("/<int:charter_id>/history/diff")
def diff(charter_id: int):
    charter = get_charter(current_user, charter_id)
    numbers = (request.args.get("from", type=int), request.args.get("to", type=int))
    if None in numbers:
        abort(400)
    low, high = sorted(numbers)
    revisions = {
        r.number: r
        for r in db.session.scalars(
            select(Revision).where(
                Revision.charter_id == charter.id, Revision.number.in_([low, high])
            )
        )
    }
    if low not in revisions or high not in revisions:
        abort(404)
    old, new_ = revisions[low], revisions[high]
    departments = charter.department_names
    return render_template(
        "charters/diff.html",
        charter=charter,
        old=old,
        new=new_,
        diff=diff_snapshots(old.snapshot, new_.snapshot),
        departments=departments,
    )
