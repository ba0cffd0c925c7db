"""The run journal: every response streamed into SQLite as it arrives.

Two uses of one table:

- **Resume.** A run that is interrupted (Ctrl-C, SIGTERM, a crash) leaves its run row
  unfinished. `linkcheck check --resume` reopens that run and the Fetcher answers every
  request the journal already holds from it, without the network, so the crawl replays to
  where it stopped and goes on from there: the resumed report is the report an
  uninterrupted run would have written.
- **Cache between runs.** A later run reuses a successful (2xx) answer younger than the TTL
  as is; an older one that carried an `ETag` or `Last-Modified` is revalidated with a
  conditional request, and a `304 Not Modified` costs no body. Failures are never reused
  across runs: a host that was down yesterday is asked again. `--no-cache` turns reuse off
  (the journal is still written, so the run can be resumed).

The tables live in the history file of `store.py` (`linkcheck.sqlite`), prefixed `journal_`,
next to and independent of the history tables. The crawl's event loop packs each answer
(`model.pack_response`, the same bytes the fetch process sends to the parent) into a ready
row; a writer thread writes the rows in batches (one transaction each), and `close()` waits
for the rest: an interrupt loses nothing recorded.
A journal that cannot be opened or written is a warning, never a failed run
(`open_journal` returns None).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import PACKED_TAG, Hop, Response, pack_response, unpack_response
from .store import Closing, connect
from .store import stderr_warning as _warn

__all__ = ["DEFAULT_TTL", "Journal", "JournalError", "Validators", "open_journal"]

DEFAULT_TTL = 600.0
"""Seconds a cached 2xx answer is reused without asking the server again."""

COMMIT_EVERY = 500
"""Rows that make the writer write at once, without waiting out `BATCH_SECONDS`."""
BATCH_SECONDS = 0.05
"""How long a batch of answers may wait to be written (an interrupt still loses none)."""
PAGE_SIZE = 32768
"""SQLite page size of a state file the journal creates (history tables share it)."""
KEEP_SECONDS = 7 * 24 * 3600.0
"""Answers not refreshed for this long are dropped when a run finishes."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_runs (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    started REAL NOT NULL,
    finished REAL
);
CREATE INDEX IF NOT EXISTS journal_runs_config ON journal_runs (config, id);
CREATE TABLE IF NOT EXISTS journal_entries (
    id INTEGER PRIMARY KEY,
    config TEXT NOT NULL,
    key TEXT NOT NULL,
    run_id INTEGER NOT NULL,
    fetched REAL NOT NULL,
    ok INTEGER NOT NULL,
    etag TEXT,
    last_modified TEXT,
    data BLOB NOT NULL,
    UNIQUE (config, key)
);
"""


_Row = tuple[str, str, int, float, int, str | None, str | None, bytes]
"""config, key, run_id, fetched, ok, etag, last_modified, data: one journal_entries row."""


class JournalError(Exception):
    """The journal file cannot be used (corrupt, locked, unwritable)."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional request needs: the stored answer and its validators."""

    response: Response
    etag: str | None
    last_modified: str | None

    def headers(self) -> dict[str, str]:
        """`If-None-Match` / `If-Modified-Since` for the revalidation request."""
        out: dict[str, str] = {}
        if self.etag:
            out["If-None-Match"] = self.etag
        if self.last_modified:
            out["If-Modified-Since"] = self.last_modified
        return out


def request_key(url: str, *, method: str, follow: bool, read_body: bool) -> str:
    """One journal entry per distinct request (a HEAD is not a GET, follow=False is not True)."""
    return f"{method} {int(follow)}{int(read_body)} {url}"


def decode_response(blob: bytes) -> Response:
    """The Response of a journal row: `model.pack_response`'s (rows are stored uncompressed:
    SQLite writes raw bytes with the GIL released), or an older journal's JSON (raw or zlib).

    Raises ValueError (or another error of the format's decoder) for a row it cannot read.
    """
    if blob[:1] == PACKED_TAG:
        return unpack_response(blob)
    if blob[:1] != b"{":
        data = json.loads(zlib.decompress(blob).decode("utf-8", "surrogatepass"))
    else:
        head, _, text = blob.partition(b"\n")
        data = json.loads(head)
        if data.pop("has_text", False):
            data["text"] = text.decode("utf-8", "surrogatepass")
    fields = {name: data[name] for name in Response.__dataclass_fields__ if name in data}
    fields["hops"] = tuple(Hop(u, int(s), loc) for u, s, loc in data.get("hops", ()))
    fields["headers"] = tuple((k, v) for k, v in data.get("headers", ()))
    return Response(**fields)


_UNREADABLE = (ValueError, TypeError, KeyError, EOFError, zlib.error)
"""What decoding a damaged (or foreign) row may raise: that row is a cache miss."""


class Journal(Closing):
    """The journal of one run of one config; see the module docstring.

    `resume`: reopen the last unfinished run of `config` (a new run if there is none);
    `ttl`: seconds a 2xx answer of an earlier run is reused (None or 0: no reuse).
    """

    def __init__(
        self,
        path: Path,
        config: str,
        *,
        resume: bool = False,
        ttl: float | None = DEFAULT_TTL,
        clock: Any = time.time,
    ) -> None:
        self.path = path
        self.config = config
        self.ttl = ttl or 0.0
        self._clock = clock
        self.resumed = False
        self.replayed = 0
        """Requests answered from the journal in this run (resume or cache)."""
        try:
            self._db = connect(path)
            # A new file only (an existing one keeps its pages): SQLite writes a page-sized
            # WAL frame, checksummed, per page touched, and a page holds about one 4 KiB row
            # at the default size. 32 KiB pages cut the writer's CPU by about half.
            self._db.execute(f"PRAGMA page_size = {PAGE_SIZE}")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.executescript(f"BEGIN IMMEDIATE;{_SCHEMA}COMMIT;")
            self.run_id = self._start(resume)
            # The keys on file, in memory: most lookups of a run are misses, answered here.
            self._known = {
                row[0]
                for row in self._db.execute(
                    "SELECT key FROM journal_entries WHERE config = ?", (config,)
                )
            }
            writer = connect(path, check_same_thread=False)
            writer.execute("PRAGMA synchronous = NORMAL")
        except (OSError, sqlite3.Error) as exc:
            raise JournalError(f"cannot use {path} as journal: {exc}") from exc
        self._unwritten: set[str] = set()
        self._packed: tuple[Response, bytes] | None = None
        """The last answer recorded or replayed, packed (see `packed`)."""
        # Shared with the writer thread, under `_lock`: rows to write, flush barriers, stop.
        self._lock = threading.Lock()
        self._rows: list[_Row] = []
        self._waiters: list[threading.Event] = []
        self._stopping = False
        self._pending = threading.Event()
        """Set when there is something to write (the batch then gathers `BATCH_SECONDS`)."""
        self._urgent = threading.Event()
        """Set when the batch must be written at once (full, a flush barrier, stop)."""
        self._writer = threading.Thread(
            target=self._write_loop, args=(writer,), name="linkcheck-journal", daemon=True
        )
        self._writer.start()

    def _start(self, resume: bool) -> int:
        if resume:
            row = self._db.execute(
                "SELECT id FROM journal_runs WHERE config = ? AND finished IS NULL "
                "ORDER BY id DESC LIMIT 1",
                (self.config,),
            ).fetchone()
            if row is not None:
                self.resumed = True
                return int(row[0])
        cursor = self._db.execute(
            "INSERT INTO journal_runs (config, started) VALUES (?, ?)",
            (self.config, self._clock()),
        )
        return int(cursor.lastrowid or 0)

    # ------------------------------------------------------------------ reading

    def _stored(
        self, url: str, *, method: str, follow: bool, read_body: bool
    ) -> tuple[int, float, int, str | None, str | None, bytes] | None:
        """The stored row of this request; None when there is none or the file fails."""
        key = request_key(url, method=method, follow=follow, read_body=read_body)
        if key not in self._known:
            return None
        try:
            if key in self._unwritten:
                self.commit()  # recorded in this run, maybe not written yet
            row = self._db.execute(
                "SELECT run_id, fetched, ok, etag, last_modified, data FROM journal_entries "
                "WHERE config = ? AND key = ?",
                (self.config, key),
            ).fetchone()
        except sqlite3.Error:
            return None
        return None if row is None else (int(row[0]), row[1], int(row[2]), row[3], row[4], row[5])

    def lookup(self, url: str, *, method: str, follow: bool, read_body: bool) -> Response | None:
        """The stored answer to this request if it may be reused as is, else None."""
        row = self._stored(url, method=method, follow=follow, read_body=read_body)
        if row is None:
            return None
        run_id, fetched, ok, _etag, _modified, data = row
        fresh = ok and self.ttl > 0 and self._clock() - fetched < self.ttl
        if run_id != self.run_id and not fresh:
            return None
        response = self._decoded(data)
        if response is None:
            return None
        self.replayed += 1
        if data[:1] == PACKED_TAG:
            self._packed = (response, data)
        return response

    @staticmethod
    def _decoded(data: bytes) -> Response | None:
        """The stored answer; None (a miss, to be fetched again) for a row it cannot read."""
        try:
            return decode_response(data)
        except _UNREADABLE:
            return None

    def packed(self, response: Response) -> bytes:
        """`pack_response(response)`, without packing again the answer just recorded or
        replayed (the fetch process sends the parent the bytes it journals)."""
        last = self._packed
        if last is not None and last[0] is response:
            return last[1]
        return pack_response(response)

    def validators(
        self, url: str, *, method: str, follow: bool, read_body: bool
    ) -> Validators | None:
        """A stale 2xx answer without redirects that can be revalidated (ETag/Last-Modified)."""
        if self.ttl <= 0:
            return None
        row = self._stored(url, method=method, follow=follow, read_body=read_body)
        if row is None:
            return None
        _run, _fetched, ok, etag, modified, data = row
        if not ok or not (etag or modified):
            return None
        response = self._decoded(data)
        if response is None or response.hops:
            return None
        return Validators(response, etag, modified)

    # ------------------------------------------------------------------ writing

    def record(
        self, url: str, response: Response, *, method: str, follow: bool, read_body: bool
    ) -> None:
        """Stream one answer into the journal.

        The caller packs it into a ready row (`packed` hands the bytes on); the writer thread
        only runs SQLite, in batches, one transaction each (see `_write_loop`).
        """
        key = request_key(url, method=method, follow=follow, read_body=read_body)
        try:
            data = pack_response(response)
        except (ValueError, TypeError) as exc:  # a field marshal refuses: no row, go on
            _warn(f"journal: cannot encode the answer for {key}: {exc}")
            return
        self._packed = (response, data)
        etag, modified = response.header("ETag"), response.header("Last-Modified")
        ok = int(response.ok and not response.truncated)
        row = (self.config, key, self.run_id, self._clock(), ok, etag, modified, data)
        with self._lock:
            rows = self._rows
            rows.append(row)
            if len(rows) == 1:
                self._pending.set()
            elif len(rows) >= COMMIT_EVERY:
                self._urgent.set()
        self._known.add(key)
        self._unwritten.add(key)

    def commit(self) -> None:
        """Return once everything recorded so far is written (durable)."""
        if not self._writer.is_alive():
            return
        done = threading.Event()
        with self._lock:
            self._waiters.append(done)
            self._pending.set()
            self._urgent.set()
        done.wait(timeout=30)
        self._unwritten.clear()

    def _write_loop(self, db: sqlite3.Connection) -> None:
        """The writer thread: batches of ready rows, one transaction each, until stopped.

        A batch gathers for up to `BATCH_SECONDS` after its first row (or until
        `COMMIT_EVERY` rows): a transaction per handful of answers cost a fast crawl's fetch
        process about a tenth of its time, and waking this thread per answer costs the event
        loop a GIL handoff each. A flush barrier (`commit`) or the stop writes at once.
        """
        while True:
            self._pending.wait()
            self._urgent.wait(BATCH_SECONDS)
            with self._lock:
                self._pending.clear()
                self._urgent.clear()
                rows, self._rows = self._rows, []
                waiters, self._waiters = self._waiters, []
                stop = self._stopping
            self._write(db, rows)
            for waiter in waiters:
                waiter.set()
            if stop:
                break
        db.close()

    @staticmethod
    def _write(db: sqlite3.Connection, rows: list[_Row]) -> None:
        if not rows:
            return
        try:
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO journal_entries "
                "(config, key, run_id, fetched, ok, etag, last_modified, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            db.execute("COMMIT")
        except sqlite3.Error as exc:
            _warn(f"journal: cannot record {len(rows)} answers: {exc}")
            if db.in_transaction:
                db.execute("ROLLBACK")

    def finish(self) -> None:
        """Mark the run complete: it will not be resumed (its answers stay as cache).

        Answers older than `KEEP_SECONDS` that this run did not refresh are dropped, so the
        file holds about one run's worth per config, not every URL ever seen.
        """
        self.commit()
        now = self._clock()
        try:
            self._db.execute(
                "UPDATE journal_runs SET finished = ? WHERE id = ?", (now, self.run_id)
            )
            self._db.execute(
                "DELETE FROM journal_entries WHERE config = ? AND fetched < ? AND run_id != ?",
                (self.config, now - KEEP_SECONDS, self.run_id),
            )
            self._db.execute(
                "DELETE FROM journal_runs WHERE config = ? AND id < ? AND started < ?",
                (self.config, self.run_id, now - KEEP_SECONDS),
            )
        except sqlite3.Error as exc:
            _warn(f"journal: cannot mark the run finished: {exc}")

    def end(self, completed: bool) -> None:
        """Close at the end of a run: finished if it `completed`, else left resumable."""
        if completed:
            self.finish()
        self.close()

    def close(self) -> None:
        """Write what is pending and close (an unfinished run stays resumable)."""
        if self._writer.is_alive():
            with self._lock:
                self._stopping = True
                self._pending.set()
                self._urgent.set()
            self._writer.join(timeout=30)
        self._db.close()


def open_journal(
    path: Path, config: str, *, resume: bool = False, ttl: float | None = DEFAULT_TTL
) -> Journal | None:
    """A Journal, or None with a warning when the file cannot be used (the run goes on)."""
    try:
        journal = Journal(path, config, resume=resume, ttl=ttl)
    except JournalError as exc:
        _warn(f"{exc}; running without journal (no resume, no cache)")
        return None
    if resume and not journal.resumed:
        _warn(f"no interrupted run of {config} to resume: starting afresh")
    return journal
