"""Template filters and globals: dates in the reader's language and time zone, the menu."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter

from flask import Flask, current_app
from flask_babel import get_locale
from flask_login import current_user

from .. import formats, labels
from ..models import standing, version_sides
from ..timeutil import utcnow


@dataclass
class NavLink:
    label: str
    url: str
    badge: int = 0


NavProvider = Callable[[], list[NavLink]]


def add_nav(app: Flask, provider: NavProvider) -> None:
    """Let a feature add links to the menu (called for the current person at render time)."""
    app.extensions.setdefault("nav_providers", []).append(provider)


def register(app: Flask) -> None:
    """Install filters and globals."""

    @app.template_filter("dt")
    def dt(value: datetime | None, fmt: str = "medium") -> str:
        """A date and local time: "1 Mar 2027, 09:30" (see ``formats``)."""
        return formats.moment(value, fmt)

    @app.template_filter("d")
    def d(value: date | None, fmt: str = "medium") -> str:
        """A day: "1 Mar 2027", with ``'long'`` "1 March 2027" (see ``formats``)."""
        return formats.day(value, fmt)

    @app.template_filter("when")
    def when(value: datetime | None, fmt: str = "full") -> str:
        """A moment with its zone: "1 mars 2027, 10:24 (heure de Paris)" (see ``formats``)."""
        return formats.when(value, fmt)

    # The one sentence about the next review (charter and review pages, issue 13 point 9).
    app.add_template_global(formats.next_review, "next_review")

    @app.template_filter("ago")
    def ago(value: datetime | None) -> str:
        """How long ago, in words: "10 minutes ago" / "il y a 10 minutes" (see ``formats``)."""
        return formats.ago(value, utcnow()) if value is not None else ""

    # Numbers through Babel in the reader's language (see ``formats``): ``x|number``,
    # ``share|percent``, ``value|measure(unit)`` for measured values, targets and thresholds.
    app.add_template_filter(formats.number, "number")
    app.add_template_filter(formats.percent, "percent")
    app.add_template_filter(formats.measure, "measure")
    # A reading's period as people say it: "février 2027", "T1 2027" (``formats.period``).
    app.add_template_filter(formats.period, "period")

    @app.template_filter("collate")
    def collate(items, attribute: str | None = None) -> list:
        """Sort by the reader's collation (``people|collate('name')``), not Jinja's code points."""
        return formats.collate(items, key=attrgetter(attribute) if attribute else str)

    def nav_links() -> list[NavLink]:
        if not current_user.is_authenticated:
            return []
        links: list[NavLink] = []
        for provider in current_app.extensions.get("nav_providers", []):
            links.extend(provider())
        return links

    @app.context_processor
    def inject():
        return {
            "current_locale": str(get_locale() or "fr"),
            "nav_links": nav_links,
            "status_label": labels.status_label,
            "expectation_status_label": labels.expectation_status_label,
            "charter_standing": standing,
            "standing_label": labels.standing_label,
            "share_link_status_label": labels.share_link_status_label,
            "role_label": labels.role_label,
            "direction_label": labels.direction_label,
            "measure_status_label": labels.measure_status_label,
            "target_label": labels.target_label,
            "cadence_label": labels.cadence_label,
            "field_label": labels.field_label,
            "field_value": labels.field_value,
            "field_labels": labels.field_labels,
            "revision_action_label": labels.revision_action_label,
            "signature_method_label": labels.signature_method_label,
            "version_sides": version_sides,
        }
