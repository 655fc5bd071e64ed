"""Readings pages (issue 13, point 1): a charter's "enter this period's values" form, its CSV
upload (preview, then confirm), the history of every commitment, and the shared criterion's
company-wide values.

Every route checks who may see the charter (an outsider gets 404), every POST carries the CSRF
token, and every write goes through ``operations`` (the same checks as the API): a refused batch
writes nothing and the page shows what was typed with each reason beside its field or line.
"""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import merging, periods
from ..errors import CharterStateError, NotFound, ValidationError
from ..extensions import db
from ..formats import file_name
from ..formats import period as period_name
from ..models import Charter, CharterStatus, CustomerCriterion
from ..permissions import get_charter
from ..timeutil import utcnow
from ..transaction import attempt
from . import csv_file, pages
from . import operations as ops
from .forms import ConfirmForm, UploadForm

bp = Blueprint("readings", __name__)

FILE_MAX_BYTES = 2 * 1024 * 1024
PREVIEW_SHOWN = 200  # lines of a valid file listed before "and N more"
SALT = "readings-csv"

FIELD_WORDS = {
    "commitment_id": _l("Commitment"),
    "period": _l("Period"),
    "value": _l("Value"),
    "note": _l("Note"),
}


@bp.before_request
@login_required
def _login_first():
    return None


@bp.context_processor
def _helpers():
    return {"period_name": _period_name}


def _flash_written(written: ops.Written) -> None:
    message = _(
        "%(created)s created, %(updated)s updated.",
        created=written.created,
        updated=written.updated,
    )
    if written.unchanged:
        message += " " + ngettext("%(num)d unchanged.", "%(num)d unchanged.", written.unchanged)
    flash(message, "success")


# ---------------------------------------------------------------- the charter's form


def _render(charter: Charter, lines=None, upload: UploadForm | None = None, status: int = 200):
    if lines is None:
        shown = None if request.args.get("all") else pages.HISTORY_SHOWN
        lines = pages.charter_lines(charter, utcnow().date(), shown=shown)
    return render_template(
        "readings/charter.html",
        charter=charter,
        lines=lines,
        measured=[line for line in lines if line.measured],
        may_enter=ops.may_enter(current_user, charter),
        in_force=charter.status == CharterStatus.ACTIVE,
        upload=upload or UploadForm(),
    ), status


@bp.route("/charters/<int:charter_id>/readings", methods=["GET", "POST"])
def charter_readings(charter_id: int):
    charter = get_charter(current_user, charter_id)
    if request.method == "GET":
        return _render(charter)
    lines = pages.charter_lines(charter, utcnow().date())
    typed: dict[int, dict[str, str]] = {}
    rows, order = [], []
    for line in lines:
        if not line.measured:
            continue
        cid = line.commitment.id
        values = {
            name: request.form.get(f"{name}-{cid}", "").strip()
            for name in ("period", "value", "note")
        }
        typed[cid] = values
        if not values["value"] and not values["note"]:
            continue  # a blank line is left as it is
        rows.append({"commitment_id": cid, **values})
        order.append(cid)
    if not rows:
        flash(_("Nothing to save: fill in at least one value."), "info")
        pages.fill(lines, typed)
        return _render(charter, lines, status=422)
    with attempt() as outcome:
        written = ops.enter_readings(current_user, charter, rows, now=utcnow())
    if outcome.ok:
        _flash_written(written)
        return redirect(url_for("readings.charter_readings", charter_id=charter.id))
    pages.fill(lines, typed)
    if isinstance(outcome.error, ops.ReadingsRejected):
        pages.place_errors(lines, order, outcome.error.errors)
    return _render(charter, lines, status=outcome.status)


@bp.route("/charters/<int:charter_id>/readings/template.csv")
def csv_template(charter_id: int):
    charter = get_charter(current_user, charter_id)
    lines = pages.charter_lines(charter, utcnow().date())
    french = str(get_locale() or "fr").startswith("fr")
    body = csv_file.template([line.commitment for line in lines], utcnow().date(), semicolon=french)
    name = file_name(charter.title, _("readings"), extension="csv")
    return Response(
        body.encode("utf-8"),
        mimetype="text/csv",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"},
    )


# ---------------------------------------------------------------- CSV: preview, then confirm


def _preview(charter: Charter, text: str, status_ok: int = 200):
    """Read the file and check every line without writing: the preview page."""
    lines = csv_file.read(text)
    problems: list[tuple[int, str, str]] = []
    try:
        ops.check_readings(current_user, charter, [line.as_row() for line in lines], now=utcnow())
    except ops.ReadingsRejected as rejected:
        problems = [
            (lines[e.index].line, str(FIELD_WORDS.get(e.field, e.field)), e.message)
            for e in rejected.errors
        ]
    titles = {c.id: c.title for c in charter.commitments}
    shown = [
        (line, titles.get(line.as_row()["commitment_id"], ""), _period_name(line.period))
        for line in lines[:PREVIEW_SHOWN]
    ]
    token = (
        "" if problems else merging.sign(SALT, f"{charter.id}:{current_user.id}", {"text": text})
    )
    confirm = ConfirmForm(formdata=None, content=token)
    return render_template(
        "readings/preview.html",
        charter=charter,
        count=len(lines),
        shown=shown,
        more=max(0, len(lines) - PREVIEW_SHOWN),
        problems=problems,
        confirm=confirm,
    ), (422 if problems else status_ok)


def _period_name(key: str) -> str:
    try:
        return period_name(key)
    except periods.PeriodError:
        return key


@bp.route("/charters/<int:charter_id>/readings/upload", methods=["POST"])
def upload(charter_id: int):
    charter = get_charter(current_user, charter_id)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render(charter, upload=form, status=422)
    data = form.file.data.read(FILE_MAX_BYTES + 1)
    if len(data) > FILE_MAX_BYTES:
        form.file.errors = [_("The file is larger than 2 MB: split it in several files.")]
        return _render(charter, upload=form, status=422)
    try:
        return _preview(charter, csv_file.decode(data))
    except (ValidationError, CharterStateError) as error:  # the whole file; not in force
        form.file.errors = [error.message]
        return _render(charter, upload=form, status=error.status)


@bp.route("/charters/<int:charter_id>/readings/confirm", methods=["POST"])
def confirm(charter_id: int):
    charter = get_charter(current_user, charter_id)
    form = ConfirmForm()
    signed = merging.unsign(SALT, f"{charter.id}:{current_user.id}", form.content.data)
    if not form.validate_on_submit() or signed is None or not isinstance(signed.get("text"), str):
        flash(_("This file's preview has expired or was altered: upload the file again."), "error")
        return redirect(url_for("readings.charter_readings", charter_id=charter.id))
    text = signed["text"]
    lines = csv_file.read(text)
    with attempt() as outcome:
        written = ops.enter_readings(
            current_user, charter, [line.as_row() for line in lines], now=utcnow()
        )
    if outcome.ok:
        _flash_written(written)
        return redirect(url_for("readings.charter_readings", charter_id=charter.id))
    if isinstance(outcome.error, ops.ReadingsRejected):
        return _preview(charter, text)  # something changed since the preview: show it again
    return _render(charter, status=outcome.status)


# ---------------------------------------------------------------- the shared criterion


def _criterion(criterion_id: int) -> CustomerCriterion:
    criterion = db.session.get(CustomerCriterion, criterion_id)
    if criterion is None:
        raise NotFound(_("No such criterion."))
    return criterion


@bp.route("/criteria/<int:criterion_id>/readings", methods=["GET", "POST"])
def criterion_readings(criterion_id: int):
    criterion = _criterion(criterion_id)
    may_enter = ops.may_enter_criterion(current_user, criterion)
    typed = {"period": periods.of(periods.PeriodKind.MONTH, utcnow().date()).key}
    typed.update(value="", note="")
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        typed = {name: request.form.get(name, "").strip() for name in ("period", "value", "note")}
        with attempt() as outcome:
            written = ops.enter_criterion_readings(current_user, criterion, [typed], now=utcnow())
        if outcome.ok:
            _flash_written(written)
            return redirect(url_for("readings.criterion_readings", criterion_id=criterion.id))
        status = outcome.status
        if isinstance(outcome.error, ops.ReadingsRejected):
            for error in outcome.error.errors:
                name = error.field if error.field in typed else "value"
                errors.setdefault(name, []).append(error.message)
    return render_template(
        "readings/criterion.html",
        criterion=criterion,
        may_enter=may_enter,
        typed=typed,
        errors=errors,
        history=pages.entries(ops.criterion_readings_of(criterion)),
    ), status
