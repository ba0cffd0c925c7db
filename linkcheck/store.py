"""The history of runs in SQLite: what was new and what got fixed since the previous run.

Every run of `linkcheck check` records its summary and its findings, keyed by `finding_key`
(a digest of what identifies the problem, stable across runs: the code, the URL and where it
comes from, without line numbers that move when the map is edited). The next run of the same
config (and the same `--site` selection) compares its findings with the last complete run:
findings not seen then are *new*, findings seen then and gone now are *fixed*. A partial
(interrupted) run is recorded but is never the baseline, and reports no *fixed* (it did not
look everywhere).

The schema is versioned with `PRAGMA user_version`. History is a convenience, never a reason to
lose a report: a corrupt file is moved aside and started afresh, a locked or newer-schema file
is left alone; both give a warning and a run without history (`with_history`).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from types import TracebackType
from typing import Self

from linkcheck.findings import Finding, Severity
from linkcheck.report import Report, RunSummary

__all__ = [
    "DEFAULT_STATE_NAME",
    "SCHEMA_VERSION",
    "HistoryStore",
    "StoreError",
    "finding_key",
    "run_scope",
    "state_path",
    "with_history",
]

SCHEMA_VERSION = 1
DEFAULT_STATE_NAME = "linkcheck.sqlite"
KEEP_FINDINGS_RUNS = 30
"""Runs per config whose findings are kept; older runs keep only their summary."""
HISTORY_LENGTH = 60
"""Runs shown in the trend chart."""
LOCK_TIMEOUT = 2.0

_LINE_SUFFIX = re.compile(r":\d+(?::\d+)?$")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    scope TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    partial INTEGER NOT NULL,
    pages INTEGER NOT NULL,
    links INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    infos INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    failed INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_config ON runs (config, id);
CREATE TABLE IF NOT EXISTS findings (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    url TEXT NOT NULL,
    message TEXT NOT NULL,
    source TEXT,
    PRIMARY KEY (run_id, key)
) WITHOUT ROWID;
"""


class StoreError(Exception):
    """The state file cannot be used for history (corrupt, locked, newer schema)."""


def finding_key(finding: Finding) -> str:
    """A digest naming the same problem in two runs.

    Link findings (C) are one per target URL: their referring page varies with crawl order
    and is left out. Map findings keep their file but not the line, which moves as the map is
    edited. Alternates (H) and counterparts (L) keep the other URL they are about.
    """
    anchor = "" if finding.code.startswith("C") else _LINE_SUFFIX.sub("", finding.source or "")
    other = finding.details.get("alternate") or finding.details.get("legacy") or ""
    text = "\0".join((finding.code, finding.url, anchor, str(other)))
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def run_scope(report: Report) -> str:
    """The sites a run covered: a `--site en` run is compared only with `--site en` runs,
    so the sites it skipped do not show up as fixed."""
    return ",".join(sorted(site.name for site in report.sites))


def _keyed(findings: Iterable[Finding]) -> dict[str, Finding]:
    """Findings by key; repeats of one key (two R301 of one source) get a counter suffix."""
    keyed: dict[str, Finding] = {}
    for finding in findings:
        key = base = finding_key(finding)
        n = 1
        while key in keyed:
            n += 1
            key = f"{base}#{n}"
        keyed[key] = finding
    return keyed


@dataclass(frozen=True, slots=True)
class Comparison:
    """This run against the baseline: new and fixed findings, and the trend."""

    new: tuple[Finding, ...]
    fixed: tuple[Finding, ...]
    history: tuple[RunSummary, ...]
    previous: str | None


class Closing:
    """`with` support for the owners of a database connection: leaving the block closes."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError


class HistoryStore(Closing):
    """One SQLite file of run history; use as a context manager.

    Raises `StoreError` when the file is unusable; `with_history` turns that into a warning.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._db = connect(path)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open {path}: {exc}") from exc
        try:
            self._prepare()
        except sqlite3.Error as exc:
            self._db.close()
            raise StoreError(f"{path}: {exc}") from exc

    def _prepare(self) -> None:
        self._db.execute("PRAGMA foreign_keys = ON")
        version = self._db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} was written by a newer linkcheck (schema {version}, "
                f"this one knows {SCHEMA_VERSION})"
            )
        if version < SCHEMA_VERSION:
            self._db.executescript(
                f"BEGIN IMMEDIATE;{_SCHEMA}PRAGMA user_version = {SCHEMA_VERSION};COMMIT;"
            )

    def close(self) -> None:
        self._db.close()

    # ------------------------------------------------------------------ reading

    def _baseline(self, config: str, scope: str) -> tuple[int, str] | None:
        row = self._db.execute(
            "SELECT id, started FROM runs WHERE config = ? AND scope = ? AND partial = 0 "
            "ORDER BY id DESC LIMIT 1",
            (config, scope),
        ).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def _findings(self, run_id: int) -> dict[str, Finding]:
        rows = self._db.execute(
            "SELECT key, code, severity, url, message, source FROM findings WHERE run_id = ?",
            (run_id,),
        )
        return {
            key: Finding(code, _severity(severity), url, message, source)
            for key, code, severity, url, message, source in rows
        }

    def history(self, config: str, limit: int = HISTORY_LENGTH) -> tuple[RunSummary, ...]:
        """The last `limit` runs of `config`, oldest first."""
        rows = self._db.execute(
            "SELECT started, errors, warnings, infos, accepted, failed, partial FROM runs "
            "WHERE config = ? ORDER BY id DESC LIMIT ?",
            (config, limit),
        ).fetchall()
        return tuple(
            RunSummary(str(s), int(e), int(w), int(i), int(a), bool(f), bool(p))
            for s, e, w, i, a, f, p in reversed(rows)
        )

    def compare(self, report: Report) -> Comparison:
        """New and fixed findings of `report` against the last complete run of its config."""
        current = _keyed(report.findings)
        baseline = self._baseline(report.config, run_scope(report))
        if baseline is None:
            return Comparison((), (), self.history(report.config), None)
        run_id, started = baseline
        before = self._findings(run_id)
        new = tuple(f for k, f in current.items() if k not in before)
        fixed = () if report.partial else tuple(f for k, f in before.items() if k not in current)
        return Comparison(new, fixed, self.history(report.config), started)

    # ------------------------------------------------------------------ writing

    def record(self, report: Report) -> int:
        """Store this run's summary and findings; prune old runs' findings. Returns the id."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            cursor = db.execute(
                "INSERT INTO runs (config, scope, started, finished, partial, pages, links, "
                "errors, warnings, infos, accepted, failed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    report.config,
                    run_scope(report),
                    report.started,
                    report.finished,
                    int(report.partial),
                    report.pages,
                    report.links,
                    report.count(Severity.ERROR),
                    report.count(Severity.WARNING),
                    report.count(Severity.INFO),
                    report.accepted,
                    int(report.failed()),
                ),
            )
            run_id = int(cursor.lastrowid or 0)
            db.executemany(
                "INSERT INTO findings (run_id, key, code, severity, url, message, source) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    (run_id, key, f.code, f.severity.value, f.url, f.message, f.source)
                    for key, f in _keyed(report.findings).items()
                ),
            )
            db.execute(
                "DELETE FROM findings WHERE run_id IN (SELECT id FROM runs WHERE config = ? "
                "ORDER BY id DESC LIMIT -1 OFFSET ?)",
                (report.config, KEEP_FINDINGS_RUNS),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return run_id


def _severity(value: str) -> Severity:
    try:
        return Severity(value)
    except ValueError:
        return Severity.ERROR


def state_path(output: Path, state: str | Path | None = None) -> Path:
    """`--state FILE`, or `linkcheck.sqlite` in the output folder."""
    return Path(state) if state else output / DEFAULT_STATE_NAME


def stderr_warning(message: str) -> None:
    """The one way the state file's users (history, journal) warn: the run goes on."""
    print(f"linkcheck: warning: {message}", file=sys.stderr)


def connect(path: Path, **options: bool) -> sqlite3.Connection:
    """The state file opened as history and journal both need it (autocommit, lock wait)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, timeout=LOCK_TIMEOUT, isolation_level=None, **options)


def _move_aside(path: Path) -> Path | None:
    aside = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%d%H%M%S')}")
    try:
        path.replace(aside)
    except OSError:
        return None
    for suffix in ("-journal", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return aside


def _looks_like_sqlite(path: Path) -> bool:
    """Whether `path` starts as every SQLite file does (a damaged one included)."""
    try:
        with path.open("rb") as fh:
            return fh.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _is_corrupt(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    )


def _compare_and_record(path: Path, report: Report) -> Report:
    with HistoryStore(path) as store:
        comparison = store.compare(report)
        store.record(report)
        history = store.history(report.config)
    return replace(
        report,
        new=comparison.new,
        fixed=comparison.fixed,
        history=history,
        previous=comparison.previous,
    )


def with_history(
    report: Report,
    path: Path,
    *,
    warn: Callable[[str], None] | None = None,
) -> Report:
    """Compare `report` with the previous run in `path`, record it, and return it with
    `new`, `fixed`, `history` and `previous` filled in.

    Never raises for a bad state file: it warns (through `warn`, default stderr) and returns
    `report` unchanged, so the reports are still written. A corrupt file is moved aside
    (`*.corrupt-TIMESTAMP`) and a fresh history is started.
    """
    say = warn or stderr_warning
    try:
        return _compare_and_record(path, report)
    except (StoreError, sqlite3.Error) as exc:
        cause = exc.__cause__ or exc
        if not _is_corrupt(cause):
            say(f"history unavailable ({exc}); this run is not compared with the previous one")
            return report
        if not _looks_like_sqlite(path):
            # `--state redirects.yaml` is a slip of the hand: never move the user's file away.
            say(f"{path} is not a linkcheck state file (not SQLite); left untouched, no history")
            return report
        aside = _move_aside(path)
        if aside is None:
            say(f"history file {path} is corrupt and cannot be moved aside; no history this run")
            return report
        say(f"history file {path} was corrupt; moved to {aside.name}, starting a new history")
    try:
        return _compare_and_record(path, report)
    except (StoreError, sqlite3.Error) as exc:
        say(f"history unavailable ({exc}); this run is not compared with the previous one")
        return report
