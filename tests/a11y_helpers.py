"""Accessibility checks shared by the browser tests: axe-core, WCAG contrast ratios, and what
a page at phone width leaves outside the screen."""

from __future__ import annotations

import re
from pathlib import Path

AXE_SCRIPT = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
SEVERE = ("serious", "critical")


def run_axe(
    page,
    impacts: tuple[str, ...] = SEVERE,
    rules: list[str] | None = None,
    within: str | None = None,
) -> list[dict]:
    """Run axe-core (all its rules, or only ``rules``) on the page (or only on the elements
    matching the CSS selector ``within``) and return its violations of the given impacts.

    The script goes in through ``page.evaluate`` (the DevTools protocol), not a <script>
    element: the app's Content-Security-Policy, which refuses inline scripts, stays in force
    for the page and is not bypassed.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT.read_text(encoding="utf-8"))
    options: dict = {"resultTypes": ["violations"]}
    if rules:
        options["runOnly"] = {"type": "rule", "values": rules}
    results = page.evaluate(
        "([within, options]) => axe.run(within ? {include: [within]} : document, options)",
        [within, options],
    )
    return [v for v in results["violations"] if v["impact"] in impacts]


def describe_violations(violations: list[dict]) -> str:
    """One line per violation and node: rule, impact, where, what to fix."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"{v['id']} ({v['impact']}) {node['target']}: {summary}")
    return "\n".join(lines)


# --- colours ---------------------------------------------------------------------------------

_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\b")
_RGB = re.compile(r"rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)")


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """``#1a2b3c``, ``#abc``, ``rgb(…)`` or ``rgba(…)`` as (r, g, b, alpha), 0–255 and 0–1."""
    text = text.strip()
    if match := _HEX.fullmatch(text):
        digits = match.group(1)
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        r, g, b = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
        return float(r), float(g), float(b), 1.0
    if match := _RGB.fullmatch(text):
        r, g, b = (float(match.group(i)) for i in (1, 2, 3))
        alpha = match.group(4)
        if alpha is None:
            a = 1.0
        elif alpha.endswith("%"):
            a = float(alpha[:-1]) / 100
        else:
            a = float(alpha)
        return r, g, b, a
    raise ValueError(f"not a colour: {text!r}")


def over(colour: tuple[float, ...], background: tuple[float, ...]) -> tuple[float, ...]:
    """``colour`` painted over an opaque ``background`` (alpha compositing)."""
    a = colour[3] if len(colour) > 3 else 1.0
    return tuple(a * c + (1 - a) * b for c, b in zip(colour[:3], background[:3], strict=True))


def _luminance(rgb: tuple[float, ...]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: str | tuple, background: str | tuple) -> float:
    """WCAG 2 contrast ratio, from 1 to 21; a translucent foreground is composited first."""
    bg = parse_colour(background) if isinstance(background, str) else background
    fg = parse_colour(foreground) if isinstance(foreground, str) else foreground
    fg = over(fg, over(bg, (255, 255, 255)))
    lighter, darker = sorted((_luminance(fg), _luminance(over(bg, (255, 255, 255)))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


# --- phone width -----------------------------------------------------------------------------

# Everything in the header and main that a person would see, that sticks out of the screen
# sideways. A scroll container is allowed to hold wider content only if it keeps the first
# cell of each row in view (position: sticky); its own box must fit.
OFF_SCREEN = """
() => {
  const width = document.documentElement.clientWidth;
  const hidden = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (s.display === "none" || s.visibility === "hidden") return true;
      if (s.clip && s.clip !== "auto") return true;  // .visually-hidden and friends
      if (e.classList.contains("skip-link")) return true;
    }
    // The content of a closed <details> is not shown (its summary is).
    const closed = el.closest("details:not([open])");
    return Boolean(closed && !el.closest("summary"));
  };
  const name = (el) => {
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "").trim();
    const cls = el.getAttribute("class") || "";  // SVG elements too (no string className)
    const classes = cls ? "." + cls.trim().replace(/ +/g, ".") : "";
    return `${el.tagName.toLowerCase()}${classes} "${text.slice(0, 40)}"`;
  };
  const scroller = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      const o = getComputedStyle(e).overflowX;
      if ((o === "auto" || o === "scroll") && e.scrollWidth > e.clientWidth) return e;
    }
    return null;
  };
  const problems = [];
  const scrollers = new Set();
  for (const el of document.querySelectorAll("header *, main *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || hidden(el)) continue;
    if (r.left >= -0.5 && r.right <= width + 0.5) continue;
    const box = scroller(el);
    if (box) { scrollers.add(box); continue; }
    problems.push(`${name(el)} spans ${Math.round(r.left)}–${Math.round(r.right)} px`);
  }
  for (const box of scrollers) {
    const r = box.getBoundingClientRect();
    if (r.left < -0.5 || r.right > width + 0.5) {
      problems.push(`${name(box)} is wider than the screen`);
    }
    for (const row of box.querySelectorAll("tr")) {
      const first = row.firstElementChild;
      if (first && getComputedStyle(first).position !== "sticky") {
        const what = `its first column does not stay in view (${name(first)})`;
        problems.push(`${name(box)} scrolls sideways but ${what}`);
        break;
      }
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, problems};
}
"""


def off_screen(page) -> dict:
    """``{"scrollWidth": …, "problems": [...]}`` for the page as it is laid out now."""
    return page.evaluate(OFF_SCREEN)
