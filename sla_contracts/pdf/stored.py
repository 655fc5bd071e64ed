"""What every stored PDF shares: one render at a time per document, and the layout's key.

A stored PDF (a signed charter, a review's minutes, the monthly report) is rendered at most
once per process for the same document: :func:`render_lock` gives the threads of a process
one lock per key (a fingerprint, a review and language, a month and language), kept only while
someone holds it. :func:`layout_key` is what a PDF looks like apart from its values (the
``pdf/`` templates, the compiled catalogue of the language, the WeasyPrint version), part of
the content key of the copies stored per language.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections.abc import Callable, Hashable
from pathlib import Path

import weasyprint
from flask import current_app

from . import RENDER_SLOT

_LOCKS: weakref.WeakValueDictionary[Hashable, threading.Lock] = weakref.WeakValueDictionary()
_LOCKS_GUARD = threading.Lock()


def render_lock(key: Hashable) -> threading.Lock:
    """The process's lock for rendering the document named ``key`` (one per key)."""
    with _LOCKS_GUARD:
        lock = _LOCKS.get(key)
        if lock is None:
            lock = _LOCKS[key] = threading.Lock()
        return lock


def layout_key(language: str) -> str:
    """The SHA-256 of the PDF layout in ``language``: templates, translations, renderer.

    Computed once per process and language (a deployment restarts the processes).
    """
    app = current_app._get_current_object()
    cache = app.extensions.setdefault("pdf_layout_keys", {})
    key = cache.get(language)
    if key is None:
        env = app.jinja_env
        digest = hashlib.sha256(weasyprint.__version__.encode())
        for name in sorted(env.list_templates(filter_func=lambda n: n.startswith("pdf/"))):
            digest.update(name.encode() + b"\0" + env.loader.get_source(env, name)[0].encode())
        catalogue = Path(app.root_path) / "translations" / language / "LC_MESSAGES" / "messages.mo"
        if catalogue.exists():
            digest.update(catalogue.read_bytes())
        key = cache[language] = digest.hexdigest()
    return key


def stored_or_rendered(
    name: Hashable,
    key: str,
    *,
    read: Callable[[], tuple[str, bytes] | None],
    render: Callable[[], bytes],
    store: Callable[[bytes, str | None], None],
    end_transaction: Callable[[], None],
) -> bytes:
    """The stored copy of the document ``name`` while its content key is ``key``, else
    rendered once and stored.

    ``read`` gives the stored ``(content_key, pdf)`` or None; ``store(pdf, seen)`` writes the
    render in its own transaction unless another worker replaced the copy ``seen``;
    ``end_transaction`` ends the caller's transaction, so nothing is held while waiting for
    another thread's render or rendering (``RENDER_SLOT``: one PDF at a time per process).
    """
    row = read()
    if row is not None and row[0] == key:
        return row[1]
    end_transaction()
    with render_lock(name):
        row = read()
        if row is not None and row[0] == key:
            return row[1]  # another thread of this worker stored it meanwhile
        end_transaction()
        with RENDER_SLOT:
            rendered = render()
        store(rendered, row[0] if row is not None else None)
    return rendered
