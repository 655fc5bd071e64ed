"""PDF rendering: plain values in, bytes out, through a fetcher that only serves static files.

User text reaches the PDF escaped by Jinja. Every resource WeasyPrint would load (images,
``<link>`` stylesheets and attachments, CSS ``@import`` and ``url()``) goes through
:class:`StaticOnlyURLFetcher`, which never opens a socket and never reads a file outside the
app's ``static/`` folder.
"""

from __future__ import annotations

import gc
import logging
import mimetypes
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup

# WeasyPrint logs every layout step at INFO, which the app's INFO logging would print.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

log = logging.getLogger(__name__)

# Renders are CPU-bound Python: more than one at a time in a process only shares the
# interpreter between them (and slows every other request of the process, including the
# ones holding a write transaction). Callers that render on a request path (signed charters,
# review minutes) take this slot, so a process renders one PDF at a time.
RENDER_SLOT = threading.BoundedSemaphore(1)


class FetchRefused(ValueError):
    """A resource outside the app's static files was asked for (WeasyPrint logs and skips it)."""


class StaticOnlyURLFetcher(URLFetcher):
    """Serve ``file://`` URLs under one folder and refuse everything else.

    Refused: http(s), ftp, data and any other scheme; ``file://`` paths whose real path (after
    resolving ``..`` and symbolic links) is outside the folder; hosts in file URLs. Nothing is
    delegated to urllib, so there are no redirects to follow and no network handler to reach.
    """

    def __init__(self, root: str | os.PathLike[str], **kwargs: Any) -> None:
        super().__init__(allowed_protocols=("file",), allow_redirects=False, **kwargs)
        self.root = Path(root).resolve()
        self.refused: list[str] = []

    def _refuse(self, url: str, why: str) -> FetchRefused:
        self.refused.append(url)
        log.warning("PDF renderer refused %s (%s)", url[:200], why)
        return FetchRefused(f"refused ({why})")

    def resolve(self, url: str) -> Path:
        """Return the real path of a static file named by ``url``, or raise FetchRefused."""
        parts = urlsplit(url)
        if parts.scheme.lower() != "file":
            raise self._refuse(url, "not a static file")
        if parts.netloc not in ("", "localhost"):
            raise self._refuse(url, "file URL with a host")
        raw = unquote(parts.path)
        if "\x00" in raw or any(segment == ".." for segment in raw.split("/")):
            raise self._refuse(url, "parent directory in path")
        path = Path(raw).resolve()
        if not path.is_relative_to(self.root) or not path.is_file():
            raise self._refuse(url, "outside the static folder")
        return path

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        path = self.resolve(url)
        mime, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            path.as_uri(),
            path.read_bytes(),
            {"Content-Type": mime or "application/octet-stream"},
        )

    # urllib's entry point: never let the parent class open anything.
    def open(self, url, data=None, timeout=None):  # noqa: ARG002
        target = url.full_url if hasattr(url, "full_url") else url
        return self.fetch(target)


def static_root() -> Path:
    return Path(current_app.static_folder or "static").resolve()


def css_text(text: str) -> Markup:
    """Escape ``text`` for a double-quoted CSS string (only our own labels go there)."""
    out = []
    for char in str(text):
        if char in '\\"<>' or ord(char) < 0x20:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return Markup("".join(out))  # noqa: S704 - every special character is CSS-escaped


def page_counter(text: str) -> Markup:
    """Turn a label with \\x01 (page) and \\x02 (pages) markers into a CSS ``content`` value."""
    parts: list[str] = []
    for index, chunk in enumerate(str(text).split("\x01")):
        if index:
            parts.append("counter(page)")
        for sub_index, piece in enumerate(chunk.split("\x02")):
            if sub_index:
                parts.append("counter(pages)")
            if piece:
                parts.append(f'"{css_text(piece)}"')
    return Markup(" ".join(parts))  # noqa: S704 - built from escaped pieces


def page_x_of_y() -> Markup:
    """The translated "page X of Y" as a CSS ``content`` value."""
    return page_counter(_("Page %(page)s of %(pages)s", page="\x01", pages="\x02"))


def render_html(template: str, *, locale: str = "fr", **values: Any) -> str:
    """Render a template under ``templates/pdf/`` to HTML, in ``locale``."""
    with force_locale(locale):
        return current_app.jinja_env.get_template(template).render(
            lang=locale, css_text=css_text, page_x_of_y=page_x_of_y, **values
        )


def html_to_pdf(html: str) -> bytes:
    """Lay out ``html`` with WeasyPrint through the static-only fetcher."""
    root = static_root()
    # Layout allocates millions of objects, so the cyclic GC runs many full collections;
    # each would walk the whole app heap (ORM, templates, catalogues). Freezing what exists
    # now keeps those out of the walk during the render (about 15 % of its time, measured
    # by benchmarks/bench_pdf.py); unfreeze hands them back to the collector afterwards.
    gc.freeze()
    try:
        return HTML(
            string=html, base_url=root.as_uri() + "/", url_fetcher=StaticOnlyURLFetcher(root)
        ).write_pdf()
    finally:
        gc.unfreeze()


def render_pdf(template: str, *, locale: str = "fr", **values: Any) -> bytes:
    """Render ``template`` with plain ``values`` to PDF bytes (A4, in ``locale``)."""
    return html_to_pdf(render_html(template, locale=locale, **values))
