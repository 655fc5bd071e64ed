"""French that reads right with any name: no "Ce que E-commerce…", "de Hélène…" or "le Achats…".

Labels that put a department's or a person's name after a word French elides ("que", "de",
"le"…) are worded so the name comes after a word that never elides ("par", "pour", "envers",
"à", a colon). The catalogue test fills every name placeholder with a name starting with a vowel
and fails on any eliding word left in front of it.
"""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from sla_contracts.extensions import db
from sla_contracts.signing import pdf_store

from .plugins.reviews import plain
from .signing_helpers import pdf_text, submit

CATALOGUE = Path(__file__).resolve().parent.parent / "sla_contracts/translations/fr/LC_MESSAGES"
# Placeholders that hold dates, times, numbers or addresses, never a name (the display zone's
# city is the configured one, "heure de Paris", not a department or a person).
NOT_NAMES = {
    "date", "day", "when", "time", "number", "num", "n", "max", "min", "page", "pages", "gap",
    "wait", "seen", "current", "pending", "failed", "sent", "prev", "id", "ip", "url", "link",
    "q", "city", "zone",
}  # fmt: skip
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# A word that French elides before a vowel, as a word of its own (not "relisez-le avant").
ELIDING = re.compile(
    r"(?i)(?<![\w'’-])(que|de|le|la|je|me|te|se|ne|jusque|lorsque|puisque|presque)\s+"
    r"(?=[aeiouyàâäéèêëîïôöûüù])"
)
VOWEL_NAME = "E-commerce"


def _non_elided(text: str) -> list[str]:
    filled = PLACEHOLDER.sub(
        lambda m: m.group(0) if m.group(1) in NOT_NAMES else VOWEL_NAME, text or ""
    )
    return [filled[max(0, m.start() - 25) : m.end() + 12] for m in ELIDING.finditer(filled)]


def test_the_check_catches_the_known_mistakes():
    assert _non_elided("Ce que %(provider)s s'engage à fournir à %(beneficiary)s")
    assert _non_elided("Satisfaction de %(dept)s (1 à 5)")
    assert _non_elided("Le rôle de %(name)s est enregistré.")
    assert not _non_elided("Ce à quoi %(provider)s s’engage envers %(beneficiary)s")
    assert not _non_elided("La revue de « %(title)s » est prévue le %(date)s.")
    assert not _non_elided("Relisez-la avant de signer.")


def test_no_french_label_puts_a_name_after_an_eliding_word():
    with (CATALOGUE / "messages.po").open("rb") as fh:
        catalogue = read_po(fh, locale="fr")
    wrong = {}
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in strings:
            if hits := _non_elided(text):
                wrong[message.id if isinstance(message.id, str) else message.id[0]] = hits
    assert not wrong, wrong


def test_pages_and_the_pdf_read_right_with_a_department_starting_with_a_vowel(
    org, make_department, make_charter, login_as
):
    shop = make_department("E-commerce", "ECOM")
    org.head_a.locale = "fr"
    db.session.commit()
    charter = make_charter(
        "Logistique ⇄ E-commerce", department_a=org.logistics, department_b=shop, commitments=(1, 1)
    )
    page = plain(login_as(org.head_a).get(f"/charters/{charter.id}").get_data(as_text=True))
    assert "Ce à quoi Logistique s'engage envers E-commerce" in page
    assert "Ce à quoi E-commerce s'engage envers Logistique" in page
    assert not re.search(r"\b(que|de) E-commerce", page)
    version = submit(org, charter)
    text = re.sub(r"\s+", " ", plain(pdf_text(pdf_store.version_pdf(version))))
    assert "Ce à quoi E-commerce s'engage envers Logistique" in text
    assert not re.search(r"\b(que|de) E-commerce", text)
