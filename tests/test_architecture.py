"""The house rules a reader relies on: layered imports, and rooms small enough to read."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Demo data is a list of French sentences, not code to read; migrations are generated.
LONG_ON_PURPOSE = {"sla_contracts/demo/data.py"}
MAX_LINES = 600


def test_import_contracts_hold():
    """Layers, pure PDF renderer, models without forms: see [tool.importlinter] in pyproject."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_no_module_is_too_long_to_read():
    too_long = {}
    for path in sorted((ROOT / "sla_contracts").rglob("*.py")) + sorted(
        (ROOT / "scheduler").rglob("*.py")
    ):
        name = path.relative_to(ROOT).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and name not in LONG_ON_PURPOSE:
            too_long[name] = lines
    assert too_long == {}
