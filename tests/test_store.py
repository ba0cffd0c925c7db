"""The run history: new and fixed findings between runs, and a bad state file never loses a run."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from support.reports import sample_report

from linkcheck.findings import make_finding
from linkcheck.report import Report
from linkcheck.store import (
    SCHEMA_VERSION,
    HistoryStore,
    finding_key,
    state_path,
    with_history,
)

BROKEN = make_finding("C100", "https://inter.example.org/en/gone/", "broken link: 404")


def _run(report: Report, path: Path, started: str, warnings: list[str] | None = None) -> Report:
    sink = warnings if warnings is not None else []
    return with_history(replace(report, started=started), path, warn=sink.append)


class TestFindingKey:
    def test_line_moves_keep_the_key_of_a_map_finding(self) -> None:
        a = make_finding("R303", "https://x.org/a", "chain", source="redirects.yaml:14")
        b = make_finding("R303", "https://x.org/a", "chain (reworded)", source="redirects.yaml:40")
        assert finding_key(a) == finding_key(b)

    def test_referring_page_does_not_change_a_link_finding(self) -> None:
        a = make_finding("C100", "https://x.org/a", "m", source="https://x.org/p1")
        b = make_finding("C100", "https://x.org/a", "m", source="https://x.org/p2")
        assert finding_key(a) == finding_key(b)

    @pytest.mark.parametrize(
        ("other", "why"),
        [
            (make_finding("C101", "https://x.org/a", "m"), "another code"),
            (make_finding("C100", "https://x.org/b", "m"), "another URL"),
        ],
    )
    def test_a_different_problem_has_a_different_key(self, other: object, why: str) -> None:
        base = make_finding("C100", "https://x.org/a", "m")
        assert finding_key(base) != finding_key(other), why  # type: ignore[arg-type]


class TestTwoRuns:
    def test_a_finding_is_new_then_fixed(self, tmp_path: Path) -> None:
        path = state_path(tmp_path)
        base = sample_report()
        first = _run(base, path, "2026-11-25T22:00:00+00:00")
        assert first.previous is None and first.new == () and first.fixed == ()

        second = _run(
            replace(base, findings=(*base.findings, BROKEN)), path, "2026-11-26T22:00:00+00:00"
        )
        assert second.new == (BROKEN,)
        assert second.fixed == ()
        assert second.previous == "2026-11-25T22:00:00+00:00"

        third = _run(base, path, "2026-11-27T22:00:00+00:00")
        assert third.new == ()
        assert [(f.code, f.url, f.message) for f in third.fixed] == [
            ("C100", BROKEN.url, BROKEN.message)
        ]
        assert [h.started[:10] for h in third.history] == ["2026-11-25", "2026-11-26", "2026-11-27"]
        assert third.history[-1].errors == base.count(BROKEN.severity)

    def test_a_partial_run_is_never_the_baseline_and_reports_no_fixed(self, tmp_path: Path) -> None:
        path = tmp_path / "state.sqlite"
        base = replace(sample_report(), findings=(BROKEN,))
        _run(base, path, "2026-11-25T00:00:00")
        partial = _run(replace(base, findings=(), partial=True), path, "2026-11-26T00:00:00")
        assert partial.fixed == ()
        after = _run(base, path, "2026-11-27T00:00:00")
        assert after.new == () and after.previous == "2026-11-25T00:00:00"

    def test_runs_of_another_config_are_not_compared(self, tmp_path: Path) -> None:
        path = tmp_path / "state.sqlite"
        _run(replace(sample_report(), config="a.yaml"), path, "2026-11-25T00:00:00")
        other = _run(replace(sample_report(), config="b.yaml"), path, "2026-11-26T00:00:00")
        assert other.previous is None and len(other.history) == 1


class TestBadStateFile:
    def test_a_corrupt_file_is_moved_aside_with_a_warning(self, tmp_path: Path) -> None:
        path = tmp_path / "linkcheck.sqlite"
        path.write_bytes(b"SQLite format 3\x00" + b"this is no sqlite page at all" * 100)
        warnings: list[str] = []
        report = _run(sample_report(), path, "2026-11-25T00:00:00", warnings)
        assert report.findings == sample_report().findings
        assert len(report.history) == 1
        assert warnings and "corrupt" in warnings[0]
        assert list(tmp_path.glob("linkcheck.sqlite.corrupt-*"))

    def test_a_file_that_is_no_sqlite_at_all_is_left_untouched(self, tmp_path: Path) -> None:
        """`--state redirects.yaml` used to move the user's config aside and write a
        database in its place."""
        path = tmp_path / "redirects.yaml"
        text = "version: 1\nredirects: []\n" * 50
        path.write_text(text, encoding="utf-8")
        warnings: list[str] = []
        report = _run(sample_report(), path, "2026-11-25T00:00:00", warnings)
        assert report.findings == sample_report().findings and report.history == ()
        assert path.read_text(encoding="utf-8") == text
        assert [p.name for p in tmp_path.iterdir()] == ["redirects.yaml"]
        assert warnings and "left untouched" in warnings[0]

    def test_a_locked_file_gives_a_warning_and_a_run_without_history(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "linkcheck.sqlite"
        _run(sample_report(), path, "2026-11-25T00:00:00")
        monkeypatch.setattr("linkcheck.store.LOCK_TIMEOUT", 0.05)
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        try:
            warnings: list[str] = []
            report = _run(sample_report(), path, "2026-11-26T00:00:00", warnings)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert report.history == () and report.previous is None
        assert warnings and "history unavailable" in warnings[0]

    def test_a_newer_schema_is_left_alone(self, tmp_path: Path) -> None:
        path = tmp_path / "linkcheck.sqlite"
        with sqlite3.connect(path) as db:
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        warnings: list[str] = []
        report = _run(sample_report(), path, "2026-11-25T00:00:00", warnings)
        assert report.history == ()
        assert "newer linkcheck" in warnings[0]
        with sqlite3.connect(path) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1

    def test_an_unwritable_folder_gives_a_warning(self, tmp_path: Path) -> None:
        blocker = tmp_path / "file"
        blocker.write_text("x")
        warnings: list[str] = []
        report = _run(sample_report(), blocker / "sub" / "s.sqlite", "2026-11-25", warnings)
        assert report.history == () and warnings


def test_schema_version_is_recorded(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite"
    with HistoryStore(path):
        pass
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_default_state_file_is_in_the_output_folder(tmp_path: Path) -> None:
    assert state_path(tmp_path) == tmp_path / "linkcheck.sqlite"
    assert state_path(tmp_path, "x/y.db") == Path("x/y.db")


def test_a_run_of_fewer_sites_is_compared_only_with_runs_of_the_same_sites(tmp_path: Path) -> None:
    path = tmp_path / "state.sqlite"
    full = sample_report()
    _run(full, path, "2026-11-25T00:00:00")
    only_en = replace(full, sites=full.sites[:1], findings=full.findings[:1])
    partial_scope = _run(only_en, path, "2026-11-26T00:00:00")
    assert partial_scope.previous is None and partial_scope.fixed == ()
    again = _run(full, path, "2026-11-27T00:00:00")
    assert again.previous == "2026-11-25T00:00:00" and again.fixed == ()
