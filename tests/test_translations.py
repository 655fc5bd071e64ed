"""Every interface string exists in French and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
METHOD_MAP = [
    ("sla_contracts/**.py", "python"),
    ("scheduler/**.py", "python"),
    ("templates/**.html", "jinja2"),
]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "pgettext": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


class Ctx(NamedTuple):
    """A message with a context (pgettext): the same id may read differently elsewhere."""

    context: str
    id: str


def _source_msgids() -> set:
    """Every message of the sources: its id, or (context, id) when it has a context."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS
    ):
        msgid = message if isinstance(message, str) else tuple(message)
        found.add(msgid if context is None else Ctx(context, msgid))
    return found


def _catalog(lang: str):
    with (ROOT / "sla_contracts/translations" / lang / "LC_MESSAGES/messages.po").open("rb") as f:
        return {
            (m.id if m.context is None else Ctx(m.context, m.id)): m.string
            for m in read_po(f, locale=lang)
            if m.id
        }


def test_every_source_string_has_a_french_translation_with_same_placeholders():
    french = _catalog("fr")
    missing, broken = [], []
    for msgid in _source_msgids():
        string = french.get(msgid)
        text = msgid.id if isinstance(msgid, Ctx) else msgid
        ids = text if isinstance(text, tuple) else (text,)
        strings = string if isinstance(string, tuple) else (string,)
        if not string or not all(strings):
            missing.append(msgid)
            continue
        for source, target in zip(ids, strings, strict=False):
            if set(PLACEHOLDER.findall(source)) - set(PLACEHOLDER.findall(target)) - {"num"}:
                broken.append((source, target))
    assert not missing, f"{len(missing)} strings without French: {missing[:20]}"
    assert not broken, broken


def test_english_catalogue_lists_every_string():
    english = _catalog("en")
    assert _source_msgids() <= set(english)
