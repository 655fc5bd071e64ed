"""Build the French catalogue: extract every msgid, fill it from translations/parts/*.po.

Usage: python scripts/i18n.py   (then `make translations` compiles it)
Exits non-zero and lists the msgids that have no French translation.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "sla_contracts" / "translations"
CATALOGUE_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def known_french() -> dict:
    french: dict = {}
    existing = TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po"
    sources = [existing] if existing.exists() else []
    sources += sorted((TRANSLATIONS / "parts").glob("*.po"))
    for path in sources:
        with path.open("rb") as fh:
            for message in read_po(fh, locale="fr"):
                if (
                    message.id
                    and message.string
                    and any(
                        message.string if isinstance(message.string, tuple) else [message.string]
                    )
                ):
                    # A message with a context (pgettext) is its own entry.
                    french[(message.context, message.id)] = message.string
    return french


def main() -> int:
    pot = ROOT / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-k",
            "lazy_pgettext:1c,2",
            "-o",
            str(pot),
            ".",  # relative, so references in the catalogue do not name this machine's paths
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as fh:
        template = read_po(fh)
    pot.unlink()
    french = known_french()
    missing = []
    for lang in ("fr", "en"):
        # A fixed date and no line numbers: the catalogue changes only when a message does, so
        # two branches that each add a message do not conflict on every line that moved.
        catalog = Catalog(
            locale=lang, project="Réciproque", fuzzy=False, creation_date=CATALOGUE_DATE
        )
        for message in template:
            if not message.id:
                continue
            key = (message.context, message.id)
            string = french.get(key) if lang == "fr" else None
            if lang == "fr" and string is None:
                missing.append(message.id if message.context is None else key)
            catalog.add(
                message.id,
                string=string,
                context=message.context,
                locations=message.locations,
                flags=message.flags,
                auto_comments=message.auto_comments,
            )
        out = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("wb") as fh:
            write_po(fh, catalog, width=100, omit_header=False, include_lineno=False)
    for msgid in missing:
        print(f"missing French: {msgid!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
