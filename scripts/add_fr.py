"""Append French translations to translations/parts/<part>.po: add_fr.py PART < json_dict."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

PARTS = Path(__file__).resolve().parent.parent / "sla_contracts" / "translations" / "parts"


def main() -> None:
    path = PARTS / f"{sys.argv[1]}.po"
    catalog = Catalog(locale="fr")
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale="fr")
    for key, value in json.load(sys.stdin).items():
        if "\u0000" in key:  # plural: "singular\0plural" -> ["fr sing", "fr plural"]
            catalog.add(tuple(key.split("\u0000")), string=tuple(value))
        else:
            catalog.add(key, string=value)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=True)


if __name__ == "__main__":
    main()
