"""axe-core in the page under test: what automated accessibility checks find.

axe-core is npm's package at the version tests/e2e/node/package-lock.json pins, installed
by ``make test`` (``npm ci --prefix tests/e2e/node``); tests that need it are skipped with
``needs_axe`` when it is missing. Streamlit renders into the main document (no iframe), so
one injection sees the whole app::

    from axe import needs_axe, run_axe, serious_or_critical

    violations = run_axe(page)                      # waits for the app to be idle first
    assert serious_or_critical(violations, ignore=KNOWN) == []

``ignore`` takes rule ids (the whole rule) or :class:`Allowed` entries (one rule on the
elements whose CSS path matches a pattern), so that an allow-listed Streamlit widget does
not hide the same problem in the app's own markup.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from e2e_helpers import Page, wait_idle

NODE = Path(__file__).parent / "node"
AXE_JS = NODE / "node_modules" / "axe-core" / "axe.min.js"
IMPACTS = ("minor", "moderate", "serious", "critical")

needs_axe = pytest.mark.skipif(
    not AXE_JS.is_file(),
    reason="axe-core is not installed: run `npm ci --prefix tests/e2e/node` (make test does)")


@dataclass(frozen=True)
class Node:
    """One element a rule failed on."""

    target: str  # axe's CSS selector for the element
    html: str  # the element's opening markup, as axe quotes it
    summary: str  # axe's "Fix any of the following: ..."
    # The data-testid of the element and of its ancestors, outermost first, e.g.
    # "stApp > stSidebar > ... > stSidebarNavItems": stable where Streamlit's class names
    # (st-emotion-cache-…) change with every release.
    within: str = ""


@dataclass(frozen=True)
class Violation:
    """One axe rule that failed, on one or more elements."""

    id: str  # the rule, e.g. "color-contrast"
    impact: str  # minor | moderate | serious | critical
    help: str
    help_url: str
    tags: tuple[str, ...]
    nodes: tuple[Node, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        lines = [f"{self.id} [{self.impact}] {self.help} ({len(self.nodes)} elements)"]
        lines += [f"    {_short(n)}: {n.html[:160]}" for n in self.nodes[:5]]
        if len(self.nodes) > 5:
            lines.append(f"    ... and {len(self.nodes) - 5} more")
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _short(node: Node) -> str:
    """The last three data-testids of a node (where it is), else axe's selector."""
    if not node.within:
        return node.target
    parts = node.within.split(" > ")
    return ("… > " if len(parts) > 3 else "") + " > ".join(parts[-3:])


@dataclass(frozen=True)
class Allowed:
    """An allow-list entry: ``rule`` on the elements that ``where`` matches.

    ``where`` is a regular expression searched in the node's ``within`` (data-testid path),
    ``target`` and ``html``; ``reason`` says why it is allowed (see AXE_FINDINGS.md).
    """

    rule: str
    where: str
    reason: str = ""

    def covers(self, rule: str, node: Node) -> bool:
        return rule == self.rule and any(
            re.search(self.where, text) for text in (node.within, node.target, node.html))


def _target(raw: Any) -> str:
    """axe's target: a list of selectors (one per shadow root / frame), maybe nested."""
    if isinstance(raw, list):
        return " >> ".join(_target(part) for part in raw)
    return str(raw)


def _violation(raw: Mapping[str, Any]) -> Violation:
    return Violation(
        id=raw["id"], impact=raw.get("impact") or "minor", help=raw.get("help", ""),
        help_url=raw.get("helpUrl", ""), tags=tuple(raw.get("tags", ())),
        nodes=tuple(Node(target=_target(n.get("target")), html=n.get("html", ""),
                         summary=n.get("failureSummary", ""), within=n.get("within", ""))
                    for n in raw.get("nodes", ())))


_RUN = """async ([context, options]) => {
  const result = await window.axe.run(context ?? document, options);
  for (const violation of result.violations) {
    for (const node of violation.nodes) {
      const selector = node.target[0];
      let element = typeof selector === "string" ? document.querySelector(selector) : null;
      const ids = [];
      for (; element; element = element.parentElement) {
        const id = element.getAttribute("data-testid");
        if (id) ids.unshift(id);
      }
      node.within = ids.join(" > ");
    }
  }
  return result.violations;
}"""


def run_axe(page: Page, *, context: Any = None,
            options: Mapping[str, Any] | None = None) -> list[Violation]:
    """Inject axe (once per document), wait for the app to be idle, and run it.

    ``context`` is axe's: None (the whole document), a CSS selector, or
    ``{"include": [...], "exclude": [...]}``. ``options`` are axe.run's options; by default
    every rule axe enables by default (WCAG 2.0-2.2 A/AA and best practices) and only the
    violations are returned, sorted by rule id.
    """
    if not AXE_JS.is_file():
        pytest.skip(needs_axe.kwargs["reason"])
    wait_idle(page)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_JS.read_text(encoding="utf-8"))
    run_options = {"resultTypes": ["violations"], **(options or {})}
    raw = page.evaluate(_RUN, [context, run_options])
    return sorted((_violation(v) for v in raw), key=lambda v: v.id)


def serious_or_critical(violations: Iterable[Violation],
                        ignore: Iterable[str | Allowed] = ()) -> list[Violation]:
    """The serious and critical violations that no ``ignore`` entry covers.

    A rule id in ``ignore`` drops the whole rule; an :class:`Allowed` drops only the
    elements it matches (the violation stays if any other element fails the rule).
    """
    ignore = list(ignore)
    rules = {entry for entry in ignore if isinstance(entry, str)}
    allowed = [entry for entry in ignore if isinstance(entry, Allowed)]
    kept = []
    for violation in violations:
        if violation.impact not in ("serious", "critical") or violation.id in rules:
            continue
        nodes = tuple(n for n in violation.nodes
                      if not any(a.covers(violation.id, n) for a in allowed))
        if nodes:
            kept.append(replace(violation, nodes=nodes))
    return kept


def unused(entries: Iterable[Allowed], violations: Iterable[Violation]) -> list[Allowed]:
    """The allow-list entries that cover none of ``violations`` (stale: remove them)."""
    seen = [(v.id, n) for v in violations for n in v.nodes]
    return [a for a in entries if not any(a.covers(rule, node) for rule, node in seen)]


def write_report(path: Path, results: Mapping[str, list[Violation]]) -> Path:
    """Save ``{label: violations}`` as JSON (for people, and for diffing two runs)."""
    path.write_text(json.dumps({label: [v.to_json() for v in found]
                                for label, found in results.items()},
                               ensure_ascii=False, indent=1), encoding="utf-8")
    return path
