"""Send the monthly report: on the first working day of a month, last month's report goes to
the administrators and the leadership people, each in their own language.

``send_monthly_report(now)`` is the scheduler's job (``jobs.JOBS``). It sends from the first
working day (Monday to Friday; a month beginning on a Saturday sends on the Monday) to the end
of the month's first week, so a scheduler that was down that day still sends. The message's
key ``report:<yyyy-mm>`` makes it once per person whatever the number of runs or schedulers.
Each e-mail carries the report's stored PDF in the reader's language.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select

from .. import notifications
from ..extensions import db
from ..models import Notification, User
from ..timeutil import add_months
from .report import month_key, report_values
from .report_store import pdf_filename, report_language, stored_report_pdf

SEND_UNTIL_DAY = 7  # the last day of the month a missed first working day is caught up


def first_working_day(first: date) -> date:
    """The month's first day from Monday to Friday."""
    day = first
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def month_to_send(today: date) -> date | None:
    """The month whose report is due on ``today`` (the previous one), or None."""
    first = today.replace(day=1)
    if first_working_day(first) <= today and today.day <= SEND_UNTIL_DAY:
        return add_months(first, -1)
    return None


def readers() -> list[User]:
    """The active administrators and leadership people, by id."""
    return list(
        db.session.scalars(
            select(User)
            .where(User.archived_at.is_(None), or_(User.is_admin, User.is_leadership))
            .order_by(User.id)
        )
    )


def send_monthly_report(now: datetime) -> int:
    """Tell the report's readers that last month's report is ready; return how many were told
    (0 outside the sending days, or when everyone was told already)."""
    month = month_to_send(now.date())
    if month is None:
        return 0
    key = f"report:{month_key(month)}"
    recipients = readers()
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.idempotency_key == key))
    )
    recipients = [u for u in recipients if u.id not in told]
    if not recipients:
        return 0
    values = report_values(month)
    params = {
        "month": month_key(month),
        "in_force": values["charters"]["in_force"],
        "signed": values["charters"]["signed"],
        "held": values["reviews"]["held"],
        "late": values["reviews"]["late"],
    }
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in recipients:
        by_language[report_language(notifications.locale_of(user))].append(user)
    for language, readers_of in sorted(by_language.items()):
        # The stored PDF in the readers' language, rendered outside any transaction.
        pdf = stored_report_pdf(month, language)
        notifications.notify(
            "monthly_report",
            recipients=readers_of,
            key=key,
            link=f"/company/reports/{month_key(month)}",
            params=params,
            now=now,
            attachment_name=pdf_filename(month, language),
            attachment=pdf,
        )
        db.session.commit()
    return len(recipients)
