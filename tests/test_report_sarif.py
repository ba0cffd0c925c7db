"""report.sarif: SARIF 2.1.0 results for findings on a line of the config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.reports import sample_report

from linkcheck.findings import CATALOGUE, make_finding
from linkcheck.report.sarif import file_position, sarif_document, write_sarif


def test_only_findings_with_a_file_line_become_results() -> None:
    document = sarif_document(sample_report())
    assert document["version"] == "2.1.0"
    [run] = document["runs"]
    assert sorted(r["ruleId"] for r in run["results"]) == ["R302", "R303", "V402"]


def test_results_point_at_line_and_column() -> None:
    [run] = sarif_document(sample_report())["runs"]
    by_rule = {r["ruleId"]: r for r in run["results"]}
    location = by_rule["R302"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "maps/en.yaml"
    assert location["region"] == {"startLine": 7, "startColumn": 5}
    region = by_rule["R303"]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 14}
    assert by_rule["R303"]["level"] == "warning" and by_rule["R302"]["level"] == "error"


def test_rules_come_from_the_catalogue_and_indexes_match() -> None:
    [run] = sarif_document(sample_report())["runs"]
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        assert rule["fullDescription"]["text"] == CATALOGUE[rule["id"]].help


def test_uri_is_relative_to_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "site" / "maps").mkdir(parents=True)
    config = tmp_path / "site" / "redirects.yaml"
    config.write_text("version: 1\n")
    monkeypatch.chdir(tmp_path / "site")
    finding = make_finding("R305", "https://x.org/a", "self", source="maps/ünï code.yaml:3")
    report = sample_report(findings=(finding,), config=str(config))
    [run] = sarif_document(report)["runs"]
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "site/maps/%C3%BCn%C3%AF%20code.yaml"


def test_accepted_findings_are_suppressed_with_the_reason() -> None:
    finding = make_finding(
        "R301", "https://x.org/a", "dup", source="redirects.yaml:9", accepted={"why": "later"}
    )
    [run] = sarif_document(sample_report(findings=(finding,)))["runs"]
    assert run["results"][0]["suppressions"] == [{"kind": "external", "justification": "later"}]


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("redirects.yaml:12", ("redirects.yaml", 12, None)),
        ("a/b.yaml:3:7", ("a/b.yaml", 3, 7)),
        ("https://x.org:8080", None),
        ("https://x.org/page", None),
        (None, None),
        ("redirects.yaml", None),
    ],
)
def test_file_position_reads_only_file_line_sources(
    source: str | None, expected: tuple[str, int, int | None] | None
) -> None:
    assert file_position(source) == expected


def test_the_file_is_json(tmp_path: Path) -> None:
    path = tmp_path / "report.sarif"
    write_sarif(sample_report(), path)
    assert json.loads(path.read_text(encoding="utf-8"))["$schema"].endswith("sarif-2.1.0.json")
