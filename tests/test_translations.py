"""Every interface string exists in French and English, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

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
}


def _source_msgids() -> set:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS
    ):
        found.add(message if isinstance(message, str) else tuple(message))
    return found


def _catalog(lang: str):
    with (ROOT / "sla_contracts/translations" / lang / "LC_MESSAGES/messages.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f, locale=lang) if m.id}


def test_every_source_string_has_a_french_translation_with_same_placeholders():
    french = _catalog("fr")
    missing, broken = [], []
    for msgid in _source_msgids():
        string = french.get(msgid)
        ids = msgid if isinstance(msgid, tuple) else (msgid,)
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
