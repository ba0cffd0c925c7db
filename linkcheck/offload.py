"""The run's Fetcher in a second process, so that parsing and fetching use two cores.

A crawl of a fast server is CPU-bound, and one Python process runs everything on one core:
parsing pages and deciding what to follow (crawl.py) costs about as much as making the HTTP
requests and journaling the answers (fetch.py, journal.py). `FetchService` starts a child
process (`python -m linkcheck.offload`) that owns the run's one `Fetcher` and its journal,
and hands the stages a stand-in with the same `fetch` that forwards each call over a socket
pair. There is still exactly one Fetcher, so everything it guarantees (concurrency and
per-host caps, the rate window, Retry-After, robots.txt, retries, the journal, the scope of
redirects) holds as before; the child does no network I/O of its own, only `Fetcher`'s.

Nothing is lost when the child fails: if it cannot start or stops, the requests it had not
answered, and every later one, are made by a `Fetcher` in this process (without journal),
with a warning. The child ignores SIGINT/SIGTERM (the parent turns them into a partial
report and then closes it) and ends on its own when the parent goes away (end of file).

Frames both ways are a 4-byte big-endian length and a pickle (both ends are this package).
Parent → child: `("spec", FetchSpec)` once, `("fetch", id, url, follow, method, read_body,
raw)`, `("close", completed)`. Child → parent: `("answer", id, Response)`, `("warn", line)`
(its stderr, so warnings reach the parent's), `("stats", requests, replayed)` last.
"""

from __future__ import annotations

import asyncio
import contextlib
import copyreg
import io
import itertools
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from linkcheck.model import Response
from linkcheck.urls import unmap_url

if TYPE_CHECKING:  # imported where used: `start_child` runs before the heavy imports
    from linkcheck.config import Settings
    from linkcheck.fetch import Fetcher, HostScope
    from linkcheck.journal import Journal

__all__ = ["Child", "FetchService", "FetchSpec", "JournalSpec", "start_child"]

DEFAULT_TTL = 600.0
"""journal.DEFAULT_TTL (not imported: this module loads before the heavy ones)."""

_HEADER = struct.Struct(">I")
CLOSE_TIMEOUT = 60.0
"""Seconds the child may take to close (its journal waits up to 30 s for pending writes)."""


@dataclass(frozen=True, slots=True)
class JournalSpec:
    """Which journal the Fetcher answers from and records into (see journal.py)."""

    path: Path
    config: str
    resume: bool = False
    ttl: float | None = DEFAULT_TTL


@dataclass(frozen=True, slots=True)
class FetchSpec:
    """Everything needed to build the run's Fetcher, in this process or in the child."""

    settings: Settings
    remap: tuple[tuple[str, str], ...] = ()
    robots: bool = False
    robots_exempt: frozenset[str] = frozenset()
    allowed: HostScope | None = None
    journal: JournalSpec | None = None

    def open_journal(self) -> Journal | None:
        from linkcheck.journal import open_journal

        spec = self.journal
        if spec is None:
            return None
        return open_journal(spec.path, spec.config, resume=spec.resume, ttl=spec.ttl)

    def fetcher(self, journal: Journal | None) -> Fetcher:
        from linkcheck.fetch import Fetcher

        return Fetcher(
            self.settings,
            remap=self.remap,
            robots=self.robots,
            robots_exempt=self.robots_exempt,
            journal=journal,
            allowed=self.allowed,
        )


class FetchService:
    """What the stages fetch through (a `FetchClient`), and the run's request counts.

    `async with FetchService(spec) as fetcher:` starts the child process (when `separate`
    and one can be started) and closes everything on exit, however the run ends. Call
    `complete()` once the run has gone to its end: the journal's run is then marked
    finished on close (an interrupted run stays resumable).
    """

    def __init__(
        self, spec: FetchSpec, *, separate: bool = True, child: Child | None = None
    ) -> None:
        """`child`: one `start_child` started earlier (used when `separate`, else ended)."""
        self.spec = spec
        self.separate = separate
        self.child = child
        self.requests = 0
        """HTTP exchanges made (each hop and each retry counts)."""
        self.replayed = 0
        """Requests answered from the journal (resume or cache)."""
        self.completed = False
        self._local: _Local | None = None
        self._remote: _Remote | None = None

    async def __aenter__(self) -> FetchService:
        if not self.separate:
            if self.child is not None:
                self.child.abandon()
            return self
        child = self.child or start_child()
        if child is not None:
            child.claimed = True
            self._remote = _Remote.connect(child, self.spec)
        return self

    async def __aexit__(self, *_exc: object) -> None:
        remote, local = self._remote, self._local
        if remote is not None:
            requests, replayed = await remote.close(self.completed)
            self.requests += requests
            self.replayed += replayed
        if local is not None:
            await local.fetcher.close()
            self.requests += local.fetcher.requests
            if local.journal is not None:
                self.replayed += local.journal.replayed
                if self.completed:
                    local.journal.finish()
                local.journal.close()

    @property
    def settings(self) -> Settings:
        return self.spec.settings

    @property
    def remapped(self) -> bool:
        return bool(self.spec.remap)

    def unmap(self, url: str) -> str:
        return unmap_url(url, self.spec.remap)

    def complete(self) -> None:
        self.completed = True

    async def fetch(
        self,
        url: str,
        *,
        follow: bool = True,
        method: str = "GET",
        read_body: bool = True,
        raw: bool = False,
    ) -> Response:
        call = (url, follow, method, read_body, raw)
        if self._remote is not None and self._remote.alive:
            answer = await self._remote.fetch(call)
            if answer is not None:
                return answer
        fetcher = await self._in_process()
        return await fetcher.fetch(url, follow=follow, method=method, read_body=read_body, raw=raw)

    async def _in_process(self) -> Fetcher:
        """The Fetcher of this process: the only one, or the child's stand-in once it is
        gone (then without journal: the child's may still be closing)."""
        if self._local is None:
            journal = self.spec.open_journal() if self._remote is None else None
            self._local = _Local(journal, self.spec.fetcher(journal))
            await self._local.fetcher.__aenter__()  # no suspension inside: done at once
        return self._local.fetcher


@dataclass(slots=True)
class _Local:
    journal: Journal | None
    fetcher: Fetcher


class _Outbox:
    """Frames queued during one turn of the event loop, sent together: one system call
    for the tens of requests (or answers) a turn produces, not one each."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self._frames: list[bytes] = []

    def put(self, message: tuple[Any, ...]) -> None:
        if not self._frames:
            asyncio.get_running_loop().call_soon(self.flush)
        self._frames.append(_frame(message))

    def flush(self) -> None:
        if self._frames and not self.writer.is_closing():
            self.writer.write(b"".join(self._frames))
        self._frames.clear()


def _frame(message: tuple[Any, ...]) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # Settings keep their mappings read-only (MappingProxyType), which pickle refuses.
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.dump(message)
    data = buffer.getvalue()
    return _HEADER.pack(len(data)) + data


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _read_only, (dict(proxy),)


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


async def _read_frame(reader: asyncio.StreamReader) -> tuple[Any, ...]:
    size = _HEADER.unpack(await reader.readexactly(_HEADER.size))[0]
    message = pickle.loads(await reader.readexactly(size))
    assert isinstance(message, tuple)
    return message


# ---------------------------------------------------------------------- the parent's side


@dataclass(slots=True)
class _Remote:
    """The parent's end of the child: pending calls by id, answered by the reader task."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    spec: FetchSpec
    pending: dict[int, asyncio.Future[Response | None]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=itertools.count)
    writer: asyncio.StreamWriter | None = None
    outbox: _Outbox | None = None
    reader_task: asyncio.Task[None] | None = None
    connecting: asyncio.Task[None] | None = None
    stats: tuple[int, int] = (0, 0)
    alive: bool = True
    closing: bool = False

    @classmethod
    def connect(cls, child: Child, spec: FetchSpec) -> _Remote:
        """Hand `spec` to a started child; its answers are read as they come."""
        remote = cls(child.process, child.sock, spec)
        remote.connecting = asyncio.get_running_loop().create_task(remote._connect())
        return remote

    async def _connect(self) -> None:
        reader, self.writer = await asyncio.open_connection(sock=self.sock)
        self.writer.write(_frame(("spec", self.spec)))
        self.outbox = _Outbox(self.writer)
        self.reader_task = asyncio.get_running_loop().create_task(self._read(reader))

    async def fetch(self, call: tuple[str, bool, str, bool, bool]) -> Response | None:
        """The child's answer, or None when it is gone (the caller fetches it itself)."""
        if self.connecting is not None:
            try:
                await asyncio.shield(self.connecting)
            except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
                if self.alive:
                    self.alive = False
                    _warn(f"cannot talk to the fetch process ({exc}); fetching in this process")
                return None
        if not self.alive or self.outbox is None:
            return None
        number = next(self.ids)
        future: asyncio.Future[Response | None] = asyncio.get_running_loop().create_future()
        self.pending[number] = future
        try:
            self.outbox.put(("fetch", number, *call))
            return await future
        finally:
            self.pending.pop(number, None)

    async def _read(self, reader: asyncio.StreamReader) -> None:
        try:
            while True:
                message = await _read_frame(reader)
                kind = message[0]
                if kind == "answer":
                    future = self.pending.get(message[1])
                    if future is not None and not future.done():
                        future.set_result(message[2])
                elif kind == "warn":
                    print(message[1], file=sys.stderr, end="")
                elif kind == "stats":
                    self.stats = (int(message[1]), int(message[2]))
                    return
        except (asyncio.IncompleteReadError, OSError, pickle.UnpicklingError, EOFError) as exc:
            if not self.closing:
                code = self.process.poll()
                why = f"exit status {code}" if code is not None else type(exc).__name__
                _warn(
                    f"the fetch process stopped unexpectedly ({why}); "
                    "fetching in this process from now on"
                )
        finally:
            self.alive = False
            for future in self.pending.values():
                if not future.done():
                    future.set_result(None)  # its caller fetches it in this process

    async def close(self, completed: bool) -> tuple[int, int]:
        """Ask the child to close (finishing the journal's run if `completed`), wait for its
        counts and its exit; a child that does not exit in time is killed."""
        self.closing = True
        with contextlib.suppress(asyncio.CancelledError, Exception):
            if self.connecting is not None:
                await asyncio.shield(self.connecting)
        try:
            if self.alive and self.writer is not None and self.outbox is not None:
                self.outbox.flush()
                self.writer.write(_frame(("close", completed)))
                await self.writer.drain()
            else:  # it never got its spec, or it is gone: end of file ends it
                self._hang_up()
            if self.reader_task is not None:
                await asyncio.wait_for(asyncio.shield(self.reader_task), CLOSE_TIMEOUT)
            await asyncio.wait_for(asyncio.to_thread(self.process.wait), CLOSE_TIMEOUT)
        except (TimeoutError, OSError):
            _warn("the fetch process did not close in time; stopped")
        finally:
            if self.process.poll() is None:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
            self._hang_up()
            if self.reader_task is not None:
                self.reader_task.cancel()
        return self.stats

    def _hang_up(self) -> None:
        if self.writer is not None:
            self.writer.close()
        else:
            self.sock.close()


@dataclass(slots=True)
class Child:
    """A started fetch process, waiting for its `FetchSpec` on `sock`."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    claimed: bool = False
    """A FetchService took it over (and will close it)."""

    def abandon(self) -> None:
        """End a child no FetchService took over (the run stopped before fetching)."""
        if self.claimed:
            return
        self.claimed = True
        self.sock.close()  # end of file: it ends
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_child() -> Child | None:
    """Start the fetch process (None, with a warning, if it cannot be).

    Call it as early as possible: the child's start-up (about 0.2 s of imports) then
    overlaps the parent's own imports and configuration loading.
    """
    parent, child = socket.socketpair()
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "linkcheck.offload", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            env=env,
            start_new_session=True,  # Ctrl-C reaches the parent only; it closes the child
        )
    except OSError as exc:
        _warn(f"cannot start the fetch process ({exc}); fetching in this process")
        parent.close()
        return None
    finally:
        child.close()
    return Child(process, parent)


def _warn(message: str) -> None:
    print(f"linkcheck: warning: {message}", file=sys.stderr)


# ---------------------------------------------------------------------- the child's side


class _Relay:
    """The child's stderr: each line goes to the parent, which prints it on its own."""

    def __init__(self, loop: asyncio.AbstractEventLoop, outbox: _Outbox) -> None:
        self._loop = loop
        self._outbox = outbox
        self._line = ""

    def write(self, text: str) -> int:
        self._line += text
        if "\n" in self._line:
            lines, _, self._line = self._line.rpartition("\n")
            # The journal's writer thread warns too: hand the line to the event loop.
            self._loop.call_soon_threadsafe(self._outbox.put, ("warn", lines + "\n"))
        return len(text)

    def flush(self) -> None:
        pass


async def _serve(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    reader, writer = await asyncio.open_connection(sock=sock)
    try:
        first = await _read_frame(reader)
    except (asyncio.IncompleteReadError, OSError):
        return  # the parent hung up before it said what to do
    spec: FetchSpec = first[1]
    loop = asyncio.get_running_loop()
    outbox = _Outbox(writer)
    sys.stderr = _Relay(loop, outbox)
    journal = spec.open_journal()
    fetcher = spec.fetcher(journal)
    tasks: set[asyncio.Task[None]] = set()
    completed = False

    async def answer(number: int, call: tuple[str, bool, str, bool, bool]) -> None:
        url, follow, method, read_body, raw = call
        try:
            response = await fetcher.fetch(
                url, follow=follow, method=method, read_body=read_body, raw=raw
            )
        except Exception as exc:  # a bug on one URL must not end the child
            error = f"internal error while fetching it ({type(exc).__name__}: {exc})"
            response = Response(url, url, None, error=error, error_kind="internal")
        outbox.put(("answer", number, response))

    try:
        async with fetcher:
            while True:
                try:
                    message = await _read_frame(reader)
                except (asyncio.IncompleteReadError, OSError):
                    break  # the parent is gone
                if message[0] == "fetch":
                    task = loop.create_task(answer(message[1], message[2:]))
                    tasks.add(task)
                    task.add_done_callback(tasks.discard)
                elif message[0] == "close":
                    completed = bool(message[1])
                    break
            for task in list(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    finally:
        replayed = 0
        if journal is not None:
            replayed = journal.replayed
            if completed:
                journal.finish()
            journal.close()
        with contextlib.suppress(OSError, ConnectionError):
            outbox.flush()
            writer.write(_frame(("stats", fetcher.requests, replayed)))
            await writer.drain()
            writer.close()


def main(argv: list[str]) -> int:
    """The child: serve the parent on the socket whose descriptor is `argv[0]`."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    try:
        asyncio.run(_serve(int(argv[0])))
    except Exception as exc:  # the parent warns and fetches on its own; one line here
        print(f"linkcheck: fetch process: {type(exc).__name__}: {exc}", file=sys.__stderr__)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
