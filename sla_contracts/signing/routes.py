"""Signing pages: submit, sign, amend, end, versions, the PDF, audit, verification, sharing."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.describe import describe_events, event_label
from ..charters.history import diff_snapshots, snapshot
from ..errors import DomainError, NotFound
from ..extensions import db, limiter, paginated
from ..main.security import pdf_response
from ..main.templating import NavLink, add_nav
from ..main.waiting import WaitKind, waiting_for_current_user
from ..models import (
    AuditEvent,
    Charter,
    CharterStatus,
    CharterVersion,
    pending_version,
    version_in_force,
)
from ..permissions import get_charter
from ..timeutil import utcnow
from ..transaction import attempt, show_error
from . import (
    actions,
    amendments,
    attempts,
    expiry,
    pdf_store,
    renewal,
    share_links,
    signatures,
    verification,
)
from .forms import AmendForm, EndForm, ShareForm, SignForm, SubmitForm, VerifyForm
from .versions import (
    get_version,
    list_versions,
    valid_signatures,
    version_state,
    version_state_label,
)

bp = Blueprint("signing", __name__, url_prefix="/charters")
verify_bp = Blueprint("verify", __name__, url_prefix="/verify")
share_bp = Blueprint("share", __name__, url_prefix="/s")


@bp.before_request
@login_required
def _require_login():
    pass


@verify_bp.before_request
def _require_login_verify():
    # The page a PDF's QR code opens is public (minimal facts only); the rest needs a login.
    if request.endpoint == "verify.verify_result":
        return None
    return login_required(lambda: None)()


def _verify_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


# ---------------------------------------------------------------- the charter page's panel


def signing_panel(charter: Charter) -> actions.SigningPanel:
    """What the charter page shows about versions and signatures, for the current person.

    The hook templates ask for it: computed once per request and charter.
    """
    cache = g.setdefault("signing_panels", {})
    if charter.id not in cache:
        cache[charter.id] = actions.build_panel(charter, current_user)
    return cache[charter.id]


def page_actions(charter: Charter) -> list[actions.Action]:
    """The charter page's actions for the current person (``actions.charter_actions``)."""
    return actions.charter_actions(charter, current_user, signing_panel(charter))


@bp.record_once
def _add_menu(state) -> None:
    def links() -> list[NavLink]:
        result = []
        if current_user.head_of():
            waiting = waiting_for_current_user().count(WaitKind.SIGN)
            result.append(NavLink(_("To sign"), url_for("signing.to_sign"), waiting))
        result.append(NavLink(_("Verify a charter"), url_for("verify.verify_form")))
        return result

    add_nav(state.app, links)


@bp.app_context_processor
def _inject_panel():
    return {
        "signing_panel": signing_panel,
        "charter_actions": page_actions,
        "version_state_label": version_state_label,
        "version_state": version_state,
        "last_decisions": renewal.last_decisions,
        "ending_soon": expiry.ending_soon,
    }


# ---------------------------------------------------------------- submit, sign, amend, end


@bp.route("/to-sign")
def to_sign():
    return render_template(
        "signing/to_sign.html", charters=waiting_for_current_user().charters_to_sign
    )


@bp.route("/<int:charter_id>/submit", methods=["GET", "POST"])
def submit(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    form = SubmitForm()
    status = 200
    if form.validate_on_submit():
        with attempt(form) as outcome:
            version = signatures.submit_charter(
                current_user, charter, leave_comments_open=bool(form.leave_comments_open.data)
            )
        if outcome.ok:
            flash(
                _(
                    "Version %(number)d is frozen and awaits both signatures.",
                    number=version.number,
                ),
                "success",
            )
            return redirect(url_for("charters.show", charter_id=charter_id))
        charter = get_charter(current_user, charter_id)
        status = outcome.status
    return render_template(
        "signing/submit.html",
        charter=charter,
        form=form,
        check=signatures.check_submission(charter),
    ), status


@bp.route("/<int:charter_id>/sign", methods=["GET", "POST"])
def sign(charter_id: int):
    charter = get_charter(current_user, charter_id)
    if not signatures.signing_departments(current_user, charter):
        if current_user.is_admin:
            message = _("An administrator cannot sign: only the heads of the two departments sign.")
        else:
            message = _("Only a head of one of the two departments can sign this charter.")
        return render_template("errors/error.html", status=403, message=message), 403
    version = pending_version(charter)
    if version is None:
        flash(_("This charter is not awaiting signatures."), "error")
        return redirect(url_for("charters.show", charter_id=charter.id))
    form = SignForm()
    if request.method == "GET":
        form.version.data = version.number
    status, headers = 200, {}
    if form.validate_on_submit():
        with attempt(form) as outcome:
            # Before the signing transaction, within the limit of wrong passwords.
            password = attempts.recheck_password(
                current_user, charter, form.version.data, form.password.data, request.remote_addr
            )
            signature = signatures.sign_charter(
                current_user, charter, form.version.data, password, request.remote_addr
            )
            version_id = signature.version_id
        if outcome.ok:
            charter = db.session.get(Charter, charter_id)
            if charter.status == CharterStatus.ACTIVE:
                pdf_store.store_pdf_after_commit(version_id)
                flash(_("Both sides have signed: the charter is in force."), "success")
            else:
                flash(_("Your signature is recorded. The other head is asked to sign."), "success")
            return redirect(url_for("charters.show", charter_id=charter_id))
        charter = get_charter(current_user, charter_id)
        status, headers = outcome.status, outcome.error.headers
        version = pending_version(charter)
        if version is None:
            return redirect(url_for("charters.show", charter_id=charter.id))
        form.version.raw_data = None
        form.version.data = version.number
    elif form.errors:
        status = 422
    given = valid_signatures(version)
    return (
        render_template(
            "signing/sign.html",
            charter=charter,
            version=version,
            form=form,
            signatures=given,
            signing_for=[
                d.name
                for d in charter.sides
                if d.id in signatures.signing_departments(current_user, charter)
                and d.id not in {s.department_id for s in given}
            ],
            data=version.data,
        ),
        status,
        headers,
    )


@bp.route("/<int:charter_id>/amend", methods=["POST"])
def amend(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    form = AmendForm()
    if not form.validate_on_submit():
        abort(400)
    with attempt() as outcome:
        amendments.open_amendment(current_user, charter)
    if outcome.ok:
        flash(
            _(
                "The amendment is open as a draft. The signed version stays in force until both "
                "heads sign the new one."
            ),
            "success",
        )
    return redirect(url_for("charters.show", charter_id=charter_id))


@bp.route("/<int:charter_id>/renew", methods=["POST"])
def renew(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    if not AmendForm().validate_on_submit():
        abort(400)
    with attempt() as outcome:
        renewal.renew_charter(current_user, charter)
    if outcome.ok:
        flash(
            _(
                "The renewal is open as a draft. The signed version stays as it is until both "
                "heads sign the renewal, which starts a new term."
            ),
            "success",
        )
    return redirect(url_for("charters.show", charter_id=charter_id))


@bp.route("/<int:charter_id>/reopen", methods=["POST"])
def reopen(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    if not AmendForm().validate_on_submit():
        abort(400)
    with attempt() as outcome:
        amendments.reopen_draft(current_user, charter)
    if outcome.ok:
        flash(_("The charter is a draft again; the signatures given are void."), "success")
    return redirect(url_for("charters.show", charter_id=charter_id))


@bp.route("/<int:charter_id>/end", methods=["GET", "POST"])
def end(charter_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    if request.method == "GET" and (refusal := amendments.end_refusal(charter)):
        flash(refusal, "error")  # no form for what the state forbids
        return redirect(url_for("charters.show", charter_id=charter_id))
    form = EndForm()
    status = 200
    if form.validate_on_submit():
        with attempt(form) as outcome:
            amendments.end_charter(current_user, charter, form.reason.data)
        if outcome.ok:
            flash(_("The charter has ended."), "success")
            return redirect(url_for("charters.show", charter_id=charter_id))
        charter = get_charter(current_user, charter_id)
        status = outcome.status
    elif form.errors:
        status = 422
    return render_template("signing/end.html", charter=charter, form=form), status


# ---------------------------------------------------------------- versions and the PDF


@bp.route("/<int:charter_id>/versions")
def versions(charter_id: int):
    charter = get_charter(current_user, charter_id)
    return render_template(
        "signing/versions.html", charter=charter, versions=list_versions(charter)
    )


@bp.route("/<int:charter_id>/versions/<int:number>")
def version(charter_id: int, number: int):
    charter = get_charter(current_user, charter_id)
    v = get_version(charter, number)
    return render_template(
        "signing/version.html",
        charter=charter,
        version=v,
        data=v.data,
        signatures=v.valid_signatures(),
        voided_signatures=[s for s in v.signatures if s.voided_at is not None],
    )


@bp.route("/<int:charter_id>/versions/<int:number>/pdf")
def version_pdf(charter_id: int, number: int):
    charter = get_charter(current_user, charter_id)
    v = get_version(charter, number)
    if v.voided_at is not None:
        message = _("This version was voided: it has no PDF.")
        return render_template("errors/error.html", status=409, message=message), 409
    data = pdf_store.version_pdf(v)  # ends the read transaction before any render
    pdf_store.commit_export(current_user, v, "download")
    return pdf_response(data, pdf_store.pdf_filename(charter, v))


@bp.route("/<int:charter_id>/versions/diff")
def versions_diff(charter_id: int):
    charter = get_charter(current_user, charter_id)
    old_number = request.args.get("from", type=int)
    to_arg = request.args.get("to", "")
    if old_number is None or not to_arg:
        abort(400)
    old = get_version(charter, old_number)
    if to_arg == "current":
        new_label = _("the current draft")
        new_data = snapshot(charter)
        new = None
    else:
        if not to_arg.isdigit():
            abort(400)
        new = get_version(charter, int(to_arg))
        new_label = _("version %(number)d", number=new.number)
        new_data = new.data
        if new.number < old.number:
            old, new = new, old
            new_data, new_label = new.data, _("version %(number)d", number=new.number)
    departments = charter.department_names
    return render_template(
        "signing/diff.html",
        charter=charter,
        old=old,
        new=new,
        new_label=new_label,
        diff=diff_snapshots(old.data, new_data),
        departments=departments,
    )


# ---------------------------------------------------------------- audit

AUDIT_PER_PAGE = 100  # a charter's trail grows with every edit: years of it are thousands


@bp.route("/<int:charter_id>/audit")
def audit(charter_id: int):
    charter = get_charter(current_user, charter_id)
    page = paginated(
        select(AuditEvent)
        .where(AuditEvent.charter_id == charter.id)
        .options(joinedload(AuditEvent.actor))
        .order_by(AuditEvent.id.desc()),
        request.args.get("page", 1, type=int),
        AUDIT_PER_PAGE,
    )
    events = page.items
    return render_template(
        "signing/audit.html",
        charter=charter,
        page=page,
        events=events,
        details=describe_events(events),
        event_label=event_label,
    )


# ---------------------------------------------------------------- share links


@bp.route("/<int:charter_id>/share", methods=["GET", "POST"])
def share(charter_id: int):
    # The links, who made them and how often they were opened: for the heads (and admins) only.
    charter = get_charter(current_user, charter_id, write=True)
    form = ShareForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            with attempt(form) as outcome:
                _link, token = share_links.create_share_link(current_user, charter, form.days.data)
            status = outcome.status
            if outcome.ok:
                session["new_share_url"] = url_for("share.download", token=token, _external=True)
                flash(_("The share link is ready. Copy it now: it is shown only once."), "success")
                return redirect(url_for("signing.share", charter_id=charter_id))
        else:
            status = 422
    return render_template(
        "signing/share.html",
        charter=charter,
        form=form,
        links=share_links.share_links(charter),
        in_force=version_in_force(charter),
        new_url=session.pop("new_share_url", None) if request.method == "GET" else None,
        now=utcnow(),
    ), status


@bp.route("/<int:charter_id>/share/<int:link_id>/revoke", methods=["GET", "POST"])
def revoke_share(charter_id: int, link_id: int):
    charter = get_charter(current_user, charter_id, write=True)
    if request.method == "GET":
        # Revoking cannot be undone: a page says which link and asks to confirm.
        return render_template(
            "signing/revoke_share.html",
            charter=charter,
            link=share_links.get_share_link(charter, link_id),
            form=AmendForm(),
            now=utcnow(),
        )
    if not AmendForm().validate_on_submit():
        abort(400)
    with attempt(leave=(NotFound,)) as outcome:
        share_links.revoke_share_link(current_user, charter, link_id)
    if isinstance(outcome.error, NotFound):
        raise outcome.error
    if outcome.ok:
        flash(_("The link is revoked: it no longer opens the PDF."), "success")
    return redirect(url_for("signing.share", charter_id=charter_id))


@share_bp.route("/<token>")
def download(token: str):
    with attempt(leave=(share_links.ShareLinkGone,)) as outcome:
        version_id = share_links.open_share_link(token).id
    if isinstance(outcome.error, share_links.ShareLinkGone):
        return render_template("signing/link_gone.html", message=outcome.error.message), 410
    if outcome.error is not None:
        raise outcome.error
    data = pdf_store.signed_pdf(version_id)
    v = db.session.get(CharterVersion, version_id)
    charter = db.session.get(Charter, v.charter_id)
    response = pdf_response(data, pdf_store.pdf_filename(charter, v), inline=True)
    # The token is in the URL: never send it on to another site.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# ---------------------------------------------------------------- verification


@verify_bp.route("", methods=["GET", "POST"])
def verify_form():
    form = VerifyForm()
    result = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            if upload and getattr(upload, "filename", ""):
                result = verification.verify_pdf_file(upload.read())
            elif form.fingerprint.data and form.fingerprint.data.strip():
                result = verification.verify_fingerprint(form.fingerprint.data)
            else:
                form.fingerprint.errors = [
                    _("Enter a fingerprint or choose a PDF file."),
                ]
                status = 422
        except DomainError as error:
            show_error(form, error)
            status = error.status
    elif form.errors:
        status = 422
    return render_template("signing/verify.html", form=form, result=result), status


@verify_bp.route("/<fingerprint>")
@limiter.limit(_verify_limit)
def verify_result(fingerprint: str):
    if not current_user.is_authenticated:
        return _public_verify(fingerprint)
    form = VerifyForm()
    try:
        result = verification.verify_fingerprint(fingerprint)
    except DomainError as error:
        form.fingerprint.data = fingerprint[:200]
        show_error(form, error)
        return render_template("signing/verify.html", form=form, result=None), 422
    form.fingerprint.data = result.query
    return render_template("signing/verify.html", form=form, result=result)


def _public_verify(fingerprint: str):
    """What anyone holding a copy may learn: authentic or not, and the bare facts."""
    try:
        result = verification.verify_fingerprint(fingerprint)
    except DomainError:
        return render_template("signing/verify_public.html", result=None, malformed=True), 422
    if not result.authentic:
        # Unknown or unsigned: say no more than that (nothing about drafts leaks).
        return render_template("signing/verify_public.html", result=None, malformed=False)
    return render_template("signing/verify_public.html", result=result, malformed=False)
