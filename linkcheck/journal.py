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
next to and independent of the history tables. The crawl's event loop only queues each
answer; a writer thread encodes and writes them in batches (one transaction each, as soon
as it is free), and `close()` waits for the rest: an interrupt loses nothing recorded.
A journal that cannot be opened or written is a warning, never a failed run
(`open_journal` returns None).
"""

from __future__ import annotations

import json
import queue
import sqlite3
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import Hop, Response
from .store import Closing, connect
from .store import stderr_warning as _warn

__all__ = ["DEFAULT_TTL", "Journal", "JournalError", "Validators", "open_journal"]

DEFAULT_TTL = 600.0
"""Seconds a cached 2xx answer is reused without asking the server again."""

COMMIT_EVERY = 500
BATCH_SECONDS = 0.05
"""How long a batch of answers may wait to be written (an interrupt still loses none)."""
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


_Item = tuple[str, float, Response] | threading.Event | None
"""What the writer thread receives: an answer to write, a flush barrier, or stop."""


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


def encode_response(response: Response) -> bytes:
    """A Response as one line of JSON (everything but the text), then the text as UTF-8.

    Not compressed: JSON-escaping and deflating every page on the writer thread took about
    a sixth of a loopback crawl's wall time (the thread holds the GIL while it encodes), and
    SQLite writes raw bytes with the GIL released. A page costs its own size on disk.
    """
    data: dict[str, Any] = {
        "url": response.url,
        "final_url": response.final_url,
        "status": response.status,
        "hops": [[h.url, h.status, h.location] for h in response.hops],
        "content_type": response.content_type,
        "has_text": response.text is not None,
        "error": response.error,
        "error_kind": response.error_kind,
        "elapsed": response.elapsed,
        "size": response.size,
        "charset": response.charset,
        "truncated": response.truncated,
        "headers": [list(pair) for pair in response.headers],
        "unusable": response.unusable,
    }
    head = json.dumps(data).encode("ascii")  # ASCII-escaped: holds no raw newline
    return head + b"\n" + (response.text or "").encode("utf-8", "surrogatepass")


def decode_response(blob: bytes) -> Response:
    """The Response `encode_response` wrote (or a journal's older zlib-compressed JSON)."""
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
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
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
        self.replayed += 1
        return decode_response(data)

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
        response = decode_response(data)
        if response.hops:
            return None
        return Validators(response, etag, modified)

    # ------------------------------------------------------------------ writing

    def record(
        self, url: str, response: Response, *, method: str, follow: bool, read_body: bool
    ) -> None:
        """Stream one answer into the journal.

        The event loop only queues it: encoding (JSON, zlib) and SQLite writes happen on the
        journal's writer thread, in batches of up to `COMMIT_EVERY`, each one transaction.
        """
        key = request_key(url, method=method, follow=follow, read_body=read_body)
        self._queue.put((key, self._clock(), response))
        self._known.add(key)
        self._unwritten.add(key)

    def commit(self) -> None:
        """Return once everything recorded so far is written (durable)."""
        if not self._writer.is_alive():
            return
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout=30)
        self._unwritten.clear()

    def _write_loop(self, db: sqlite3.Connection) -> None:
        """The writer thread: batches of rows, one transaction each, until the sentinel.

        A batch gathers for up to `BATCH_SECONDS` after its first answer (or `COMMIT_EVERY`
        answers): a transaction per handful of answers cost a fast crawl's fetch process
        about a tenth of its time. A flush barrier (`commit`) or the sentinel writes at once.
        """
        batch: list[tuple[Any, ...]] = []
        stop = False
        while not stop:
            item: _Item = self._queue.get()
            deadline = time.monotonic() + BATCH_SECONDS
            waiters: list[threading.Event] = []
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, threading.Event):
                    waiters.append(item)
                else:
                    try:
                        batch.append(self._row_of(*item))
                    except (ValueError, TypeError) as exc:  # never kill the writer
                        _warn(f"journal: cannot encode the answer for {item[0]}: {exc}")
                left = deadline - time.monotonic()
                if stop or waiters or len(batch) >= COMMIT_EVERY or left <= 0:
                    break
                try:
                    item = self._queue.get(timeout=left)
                except queue.Empty:
                    break
            self._write(db, batch)
            batch = []
            for waiter in waiters:
                waiter.set()
        db.close()

    def _row_of(self, key: str, fetched: float, response: Response) -> tuple[Any, ...]:
        return (
            self.config,
            key,
            self.run_id,
            fetched,
            int(response.ok and not response.truncated),
            response.header("ETag"),
            response.header("Last-Modified"),
            encode_response(response),
        )

    @staticmethod
    def _write(db: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
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
            self._queue.put(None)
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
