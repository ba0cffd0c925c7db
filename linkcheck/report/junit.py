"""`junit.xml` for CI test views (GitHub Actions, GitLab, Jenkins).

One `<testsuite>` per check family (links, counterparts, map, live redirects, alternates) and
site; one `<testcase>` per finding. A finding that fails the run (at or above `--fail-on`, not
accepted) is a `<failure>`; an accepted finding is `<skipped>` with the reason; the rest pass
with their message in `<system-out>`, so CI shows them without turning red. A family without
findings gets one passing case, so a clean run is never an empty test report (some CI systems
fail the job on "no tests found"). The shape follows the junit-10.xsd that Jenkins and GitLab
read; characters XML 1.0 forbids (they come from the web) are replaced.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path

from linkcheck.findings import CATALOGUE, Finding, fails
from linkcheck.report import Report
from linkcheck.report.sites import SiteIndex

__all__ = ["FAMILIES", "junit_tree", "write_junit"]

FAMILIES = {
    "C": "links",
    "L": "legacy counterparts",
    "R": "redirect map",
    "V": "live redirects",
    "H": "language alternates",
}

_INVALID_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_TEXT = 4000


def clean(text: object, limit: int = MAX_TEXT) -> str:
    """Text XML 1.0 can carry: forbidden characters (and lone surrogates) become U+FFFD."""
    value = _INVALID_XML.sub("\ufffd", str(text))
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _timestamp(text: str) -> str:
    """`YYYY-MM-DDTHH:MM:SS` (local to the run, no zone), the form Jenkins parses."""
    try:
        return dt.datetime.fromisoformat(text).strftime("%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError):
        return ""


def _seconds(report: Report) -> str:
    try:
        start = dt.datetime.fromisoformat(report.started)
        end = dt.datetime.fromisoformat(report.finished)
        return f"{max(0.0, (end - start).total_seconds()):.3f}"
    except (TypeError, ValueError):
        return "0"


def _body(finding: Finding) -> str:
    lines = [f"{finding.code} {finding.severity.value}: {finding.message}", f"URL: {finding.url}"]
    if finding.source:
        lines.append(f"found at: {finding.source}")
    sources = finding.details.get("sources")
    if isinstance(sources, list | tuple):
        shown = [str(s) for s in sources[:20]]
        lines.append("referring pages: " + ", ".join(shown))
        if len(sources) > 20:
            lines.append(f"... and {len(sources) - 20} more")
    for key, value in finding.details.items():
        if key not in ("sources", "accepted", "site"):
            lines.append(f"{key}: {value}")
    entry = CATALOGUE.get(finding.code)
    if entry:
        lines.append("")
        lines.append(f"{entry.title}: {entry.help}")
    return "\n".join(lines)


def _case(report: Report, suite: ET.Element, finding: Finding, classname: str) -> str:
    """Add one testcase; returns its outcome: failure, skipped or passed."""
    case = ET.SubElement(
        suite,
        "testcase",
        name=clean(f"{finding.code} {finding.url}", 500),
        classname=classname,
        time="0",
    )
    if report.is_accepted(finding):
        accepted = finding.details.get("accepted") or {}
        until = accepted.get("until") if isinstance(accepted, dict) else None
        why = accepted.get("why") if isinstance(accepted, dict) else ""
        message = f"accepted{' until ' + str(until) if until else ''}: {why or ''}"
        skipped = ET.SubElement(case, "skipped", message=clean(message, 500))
        skipped.text = clean(_body(finding))
        return "skipped"
    if fails((finding,), report.fail_on):
        failure = ET.SubElement(
            case, "failure", message=clean(finding.message, 500), type=finding.code
        )
        failure.text = clean(_body(finding))
        return "failure"
    out = ET.SubElement(case, "system-out")
    out.text = clean(_body(finding))
    return "passed"


def _suite(parent: ET.Element, name: str, timestamp: str) -> ET.Element:
    attrs = {"name": name, "tests": "0", "failures": "0", "errors": "0", "skipped": "0"}
    attrs["time"] = "0"
    if timestamp:
        attrs["timestamp"] = timestamp
    return ET.SubElement(parent, "testsuite", attrs)


def _groups(report: Report) -> dict[tuple[str, str], list[Finding]]:
    index = SiteIndex.of(report.sites)
    groups: dict[tuple[str, str], list[Finding]] = {}
    for finding in report.findings:
        family = finding.code[:1] if finding.code[:1] in FAMILIES else "?"
        groups.setdefault((family, index.site_of(finding)), []).append(finding)
    return groups


def junit_tree(report: Report) -> ET.ElementTree[ET.Element]:
    """The JUnit document as an ElementTree."""
    root = ET.Element("testsuites", name="linkcheck")
    timestamp = _timestamp(report.started)
    totals = {"tests": 0, "failures": 0}
    groups = _groups(report)
    for family, label in [*FAMILIES.items(), ("?", "other")]:
        keys = sorted(k for k in groups if k[0] == family)
        if not keys and family != "?":
            suite = _suite(root, f"{label}", timestamp)
            ET.SubElement(
                suite, "testcase", name=f"no {label} findings", classname=f"linkcheck.{family}"
            )
            suite.set("tests", "1")
            totals["tests"] += 1
            continue
        for key in keys:
            site = key[1] or "other"
            suite = _suite(root, f"{label} ({site})", timestamp)
            outcomes = _outcomes(report, suite, groups[key], f"linkcheck.{family}.{site}")
            suite.set("tests", str(len(groups[key])))
            suite.set("failures", str(outcomes.count("failure")))
            suite.set("skipped", str(outcomes.count("skipped")))
            totals["tests"] += len(groups[key])
            totals["failures"] += outcomes.count("failure")
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("time", _seconds(report))
    ET.indent(root, space=" ")
    return ET.ElementTree(root)


def _outcomes(
    report: Report, suite: ET.Element, findings: Iterable[Finding], classname: str
) -> list[str]:
    return [_case(report, suite, f, clean(classname, 200)) for f in findings]


def write_junit(report: Report, path: Path) -> None:
    """Write `junit.xml` atomically."""
    tmp = path.with_suffix(".xml.tmp")
    junit_tree(report).write(tmp, encoding="utf-8", xml_declaration=True)
    tmp.replace(path)
