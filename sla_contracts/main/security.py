"""Security headers on every response (pages, API, PDFs, static files, errors), in one place.

One ``after_request`` hook rather than flask-talisman: the app needs only fixed headers, and
Talisman would also redirect to HTTPS and rewrite cookie settings that ``config.py`` already
owns (``SESSION_COOKIE_SECURE``); a dozen lines here are easier to read than its options.

The policy allows only the app's own files: no inline ``<script>``, no ``on…=`` handlers, no
``style=`` attributes or ``<style>`` elements (the review chart colours its SVG with
presentation attributes; confirmations and focus behaviour live in ``static/js/app.js``).
A view may set a stricter value of its own (the share link's ``no-referrer``): the hook only
fills in what is missing.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",  # Pico's form icons are data: SVGs inside its stylesheet
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
# A signed charter is personal to its departments: no shared cache keeps a copy.
PDF_HEADERS = {"Cache-Control": "private, no-store"}
HSTS = "max-age=31536000; includeSubDomains"


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> Response:
    """A PDF download (the hook adds ``PDF_HEADERS``); ``inline`` opens it in the browser."""
    disposition = "inline" if inline else "attachment"
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    return response


def _form_action_to_provider(policy: str) -> str:
    """Forms may lead to the identity provider (the sign page's re-authentication, logout).

    Chromium applies ``form-action`` to the redirects after a form's POST too.
    """
    issuer = urlsplit(current_app.config.get("OIDC_ISSUER") or "")
    if not (issuer.scheme and issuer.netloc):
        return policy
    origin = f"{issuer.scheme}://{issuer.netloc}"
    return policy.replace("form-action 'self'", f"form-action 'self' {origin}")


def set_security_headers(response: Response) -> Response:
    """Fill in the security headers this response does not set itself."""
    headers = dict(HEADERS)
    headers["Content-Security-Policy"] = _form_action_to_provider(CONTENT_SECURITY_POLICY)
    if response.mimetype == "application/pdf":
        headers.update(PDF_HEADERS)
    if current_app.config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS only
        headers["Strict-Transport-Security"] = HSTS
    for name, value in headers.items():
        response.headers.setdefault(name, value)
    return response


def init_app(app: Flask) -> None:
    app.after_request(set_security_headers)
