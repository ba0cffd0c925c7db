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

Frames both ways are a 4-byte big-endian length, then a tag byte saying what follows (both
ends are this package, run by the same interpreter). Parent → child: `("spec", FetchSpec)`
once (a pickle: its tag is pickle's own first byte), then marshalled tuples
`("fetch", id, url, follow, method, read_body, raw)` and `("close", completed, relay)`. Child →
parent: answers (tag `A`, the call's id, the Response as `model.pack_response` packed it: the
bytes its journal row holds), marshalled `("warn", line)` (its stderr, so warnings reach the
parent's) and `("stats", requests, replayed)`. Marshal, not pickle, for everything after the
spec: faster both ways, and what the child sends cannot run code in the parent.

At the end the child sends its counts first and then finishes its journal: when the caller
started the child (`start_child`, as `linkcheck check` does), the service returns with the
counts and the caller writes its report meanwhile, then waits for the child's exit
(`Child.abandon`); the child's stderr then goes straight to the inherited one (`relay`
False). A service that started its own child waits for its exit before it returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import copyreg
import gc
import io
import itertools
import marshal
import os
import pickle
import signal
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

from linkcheck.model import Response, pack_response, unpack_response
from linkcheck.urls import HostScope, unmap_url

if TYPE_CHECKING:  # imported where used: `start_child` runs before the heavy imports
    from linkcheck.config import Settings
    from linkcheck.fetch import Fetcher
    from linkcheck.journal import Journal

__all__ = ["Child", "FetchService", "FetchSpec", "JournalSpec", "start_child"]

DEFAULT_TTL = 600.0
"""journal.DEFAULT_TTL (not imported: this module loads before the heavy ones)."""

_HEADER = struct.Struct(">I")
_ANSWER_HEAD = struct.Struct(">IcQ")
"""An answer frame's start: length, `_ANSWER`, the call's id; the packed Response follows."""
_ANSWER = b"A"
_ID = struct.Struct(">Q")
_MARSHAL = b"M"
_PICKLE = 0x80  # pickle's PROTO opcode: the first byte of every pickle of protocol 2+
_MARSHAL_VERSION = 4
CLOSE_TIMEOUT = 60.0
"""Seconds the child may take to close (its journal waits up to 30 s for pending writes)."""
WATCHDOG_SLACK = 60.0
"""Seconds added to the longest a fetch may take before a silent child is given up on."""


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
        remote = self._remote
        try:
            if remote is not None:
                # A child the caller started is waited for by the caller (`Child.abandon`).
                linger = self.child is not None
                requests, replayed = await remote.close(self.completed, linger=linger)
                self.requests += requests
                self.replayed += replayed
        finally:  # also when a second interrupt cuts the child's close short
            await self._close_local()

    async def _close_local(self) -> None:
        local = self._local
        if local is not None:
            await local.fetcher.close()
            self.requests += local.fetcher.requests
            if local.journal is not None:
                self.replayed += local.journal.replayed
                local.journal.end(self.completed)

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


class _Channel(asyncio.Protocol):
    """Frames over the socket pair, both ways.

    Incoming frames are decoded as they complete (answers to `("answer", id, Response)`)
    and handed to `on_message`, the end of the connection (or an unreadable frame) to
    `on_end`. Outgoing messages are queued during one turn of the event loop and sent
    together: one system call for the tens of requests (or answers) a turn produces.
    `pickles`: accept pickled frames (the spec); only the child does, the parent never
    unpickles what the child sends.
    """

    def __init__(
        self,
        on_message: Callable[[tuple[Any, ...]], None],
        on_end: Callable[[BaseException | None], None],
        *,
        pickles: bool = False,
    ) -> None:
        self._on_message = on_message
        self._on_end = on_end
        self._pickles = pickles
        self._incoming = bytearray()
        self._outgoing: list[bytes] = []
        self.transport: asyncio.Transport | None = None
        self.lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # a socket's: it can write

    def data_received(self, data: bytes) -> None:
        buffer = self._incoming
        buffer += data
        start, end = 0, len(buffer)
        messages = []
        with memoryview(buffer) as view:
            while end - start >= _HEADER.size:
                size = _HEADER.unpack_from(view, start)[0]
                if end - start - _HEADER.size < size:
                    break
                first = start + _HEADER.size
                try:
                    messages.append(_message(view[first : first + size], self._pickles))
                except Exception as exc:  # not a frame of ours: the channel is unusable
                    self._fail(exc)
                    return
                start = first + size
        del buffer[:start]
        try:
            for message in messages:
                self._on_message(message)
        except Exception as exc:  # a frame of ours that makes no sense: as unreadable
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        if self.transport is not None:
            self.transport.abort()  # connection_lost follows, with on_end
        self._on_end(exc)

    def connection_lost(self, exc: BaseException | None) -> None:
        if not self.lost.done():
            self.lost.set_result(None)
        self._on_end(exc)

    def put(self, message: tuple[Any, ...]) -> None:
        self._queue(_frame(message))

    def put_answer(self, number: int, packed: bytes) -> None:
        """An answer: the id of the call and the packed Response (`pack_response`)."""
        self._queue(_ANSWER_HEAD.pack(1 + _ID.size + len(packed), _ANSWER, number), packed)

    def _queue(self, *chunks: bytes) -> None:
        """Send `chunks` with the rest of this turn's frames (the first one schedules it)."""
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self.flush)
        self._outgoing.extend(chunks)

    def flush(self) -> None:
        if self._outgoing and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(self._outgoing))
        self._outgoing.clear()


def _frame(message: tuple[Any, ...]) -> bytes:
    data = marshal.dumps(message, _MARSHAL_VERSION)
    return _HEADER.pack(1 + len(data)) + _MARSHAL + data


def _message(frame: memoryview, pickles: bool) -> tuple[Any, ...]:
    """The message one frame holds (see the module docstring); raises if it is none."""
    tag = frame[0]
    if tag == _ANSWER[0]:
        number = _ID.unpack_from(frame, 1)[0]
        return ("answer", number, unpack_response(frame[1 + _ID.size :]))
    if tag == _MARSHAL[0]:
        message = marshal.loads(frame[1:])
    elif tag == _PICKLE and pickles:
        message = pickle.loads(frame)
    else:
        raise ValueError(f"a frame of unknown kind {tag}")
    if type(message) is not tuple or not message:
        raise ValueError("a frame that holds no message")
    return message


def _spec_frame(spec: FetchSpec) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # Settings keep their mappings read-only (MappingProxyType), which pickle refuses.
    pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}
    pickler.dump(("spec", spec))
    data = buffer.getvalue()
    return _HEADER.pack(len(data)) + data


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Any, ...]:
    return _read_only, (dict(proxy),)


def _read_only(mapping: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(mapping)


# ---------------------------------------------------------------------- the parent's side


@dataclass(slots=True)
class _Remote:
    """The parent's end of the child: pending calls by id, answered as frames arrive."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    spec: FetchSpec
    pending: dict[int, asyncio.Future[Response | None]] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=itertools.count)
    channel: _Channel | None = None
    connecting: asyncio.Task[None] | None = None
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    counted: asyncio.Event = field(default_factory=asyncio.Event)
    """Set when the child's counts came (or it is gone: no counts will come)."""
    stats: tuple[int, int] = (0, 0)
    alive: bool = True
    closing: bool = False
    heard: float = 0.0
    """When the child last sent a frame (or the first of the pending calls was sent)."""
    watchdog: asyncio.TimerHandle | None = None

    @classmethod
    def connect(cls, child: Child, spec: FetchSpec) -> _Remote:
        """Hand `spec` to a started child; its answers are read as they come."""
        remote = cls(child.process, child.sock, spec)
        loop = asyncio.get_running_loop()
        remote.connecting = loop.create_task(remote._connect())
        remote.watchdog = loop.call_later(remote._check_every(), remote._watch)
        return remote

    def _check_every(self) -> float:
        return min(silence_limit(self.spec.settings) / 4, 30.0)

    def _watch(self) -> None:
        """Give up on a child that stays alive but answers nothing for longer than any
        fetch can take (a stopped or deadlocked process): its calls are made here."""
        if not self.alive or self.closing:
            return
        loop = asyncio.get_running_loop()
        limit = silence_limit(self.spec.settings)
        if self.pending and loop.time() - self.heard > limit:
            _warn(
                f"the fetch process answered nothing for {limit:g} s; stopped, "
                "fetching in this process from now on"
            )
            with contextlib.suppress(OSError):
                self.process.kill()
            self._give_up()
            return
        self.watchdog = loop.call_later(self._check_every(), self._watch)

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        spec = _spec_frame(self.spec)
        _, channel = await loop.create_connection(
            lambda: _Channel(self._on_message, self._on_end), sock=self.sock
        )
        if channel.transport is None:
            raise OSError("the socket to the fetch process has no transport")
        channel.transport.write(spec)
        self.channel = channel

    async def fetch(self, call: tuple[str, bool, str, bool, bool]) -> Response | None:
        """The child's answer, or None when it is gone (the caller fetches it itself)."""
        if self.connecting is not None:
            try:
                await asyncio.shield(self.connecting)
            except Exception as exc:  # whatever broke, this process fetches on its own
                if self.alive:
                    self.alive = False
                    self.ended.set()
                    _warn(f"cannot talk to the fetch process ({exc}); fetching in this process")
                return None
        if not self.alive or self.channel is None:
            return None
        number = next(self.ids)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Response | None] = loop.create_future()
        if not self.pending:
            self.heard = loop.time()  # the silence that counts starts with a call
        self.pending[number] = future
        try:
            self.channel.put(("fetch", number, *call))
            return await future
        finally:
            self.pending.pop(number, None)

    def _on_message(self, message: tuple[Any, ...]) -> None:
        self.heard = asyncio.get_running_loop().time()
        kind = message[0]
        if kind == "answer":
            future = self.pending.get(message[1])
            if future is not None and not future.done():
                future.set_result(message[2])
        elif kind == "warn":
            print(message[1], file=sys.stderr, end="")
        elif kind == "stats":
            self.stats = (int(message[1]), int(message[2]))
            self.counted.set()

    def _on_end(self, exc: BaseException | None) -> None:
        if not self.alive:
            return
        if not self.closing:
            code = self.process.poll()
            why = f"exit status {code}" if code is not None else str(exc or "end of file")
            _warn(
                f"the fetch process stopped unexpectedly ({why}); "
                "fetching in this process from now on"
            )
        self._give_up()

    def _give_up(self) -> None:
        self.alive = False
        self.ended.set()
        self.counted.set()
        if self.watchdog is not None:
            self.watchdog.cancel()
        for future in self.pending.values():
            if not future.done():
                future.set_result(None)  # its caller fetches it in this process

    async def close(self, completed: bool, *, linger: bool = False) -> tuple[int, int]:
        """Ask the child to close (finishing the journal's run if `completed`), wait for its
        counts and its exit; a child that does not exit in time is killed.

        `linger`: return with the counts, leaving the child to finish its journal while the
        caller goes on; the caller then waits for its exit (`Child.abandon`).
        """
        self.closing = True
        if self.watchdog is not None:
            self.watchdog.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            if self.connecting is not None:
                await asyncio.shield(self.connecting)
        left = False
        try:
            if self.alive and self.channel is not None:
                self.channel.put(("close", completed, not linger))
                done = self.counted if linger else self.ended
                await asyncio.wait_for(done.wait(), CLOSE_TIMEOUT)
            else:  # it never got its spec, or it is gone: end of file ends it
                self._hang_up()
            if linger:
                left = True
            else:
                await asyncio.wait_for(asyncio.to_thread(self.process.wait), CLOSE_TIMEOUT)
        except (TimeoutError, OSError):
            _warn("the fetch process did not close in time; stopped")
        finally:
            if not left and self.process.poll() is None:
                self.process.kill()
                await asyncio.to_thread(self.process.wait)
            self._hang_up()
        return self.stats

    def _hang_up(self) -> None:
        if self.channel is not None and self.channel.transport is not None:
            self.channel.transport.close()
        else:
            self.sock.close()


def silence_limit(settings: Settings) -> float:
    """Seconds a child with calls pending may send nothing before it is given up on.

    Generous on purpose: the longest one fetch may take (every hop retried to the end, each
    attempt waiting its turn at the slowest rate a host may impose, then its whole `timeout`,
    and the longest wait between retries; twice over for the robots.txt of each host on the
    way), plus `WATCHDOG_SLACK`. Requests waiting for a free slot do not count: while any is
    pending, some other one is answered within that time.
    """
    from linkcheck.robots import MAX_CRAWL_DELAY

    turn = max(1.0 / settings.rate if settings.rate > 0 else 0.0, MAX_CRAWL_DELAY)
    attempts = settings.retries + 1
    one = attempts * (turn + settings.timeout) + settings.retries * settings.max_retry_wait
    return WATCHDOG_SLACK + 2 * (settings.max_hops + 1) * one


@dataclass(slots=True)
class Child:
    """A started fetch process, waiting for its `FetchSpec` on `sock`."""

    process: subprocess.Popen[bytes]
    sock: socket.socket
    claimed: bool = False
    """A FetchService took it over (and asked it to close when it was done)."""

    def abandon(self) -> None:
        """End the child, once the run is over: one no FetchService took over (the run
        stopped before fetching) is told to end; one that was is waited for (it may still
        be finishing its journal, which is complete once this returns)."""
        if not self.claimed:
            self.claimed = True
            self.sock.close()  # end of file: it ends
            timeout = 5.0
        else:
            timeout = CLOSE_TIMEOUT
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            _warn("the fetch process did not close in time; stopped")
            self.process.kill()
            self.process.wait()


@contextlib.contextmanager
def fewer_gc_passes() -> Iterator[None]:
    """Rarer cyclic garbage collection while a check runs (both processes).

    A crawl keeps most of what it makes (the link index, the responses) and makes few
    cycles, so the collector's passes over the growing heap are wasted work: about 5% of
    a fast crawl. What exists before the run (modules, config) is frozen out of them.
    """
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt() parameters
HEAP_KEPT = 128 * 1024 * 1024
"""Free memory glibc keeps at the top of the heap instead of handing it back (bytes)."""
HEAP_MMAP = 32 * 1024 * 1024
"""Blocks at least this big are mapped apart from the heap (glibc's default: 128 KiB)."""


def roomier_heap() -> bool:
    """Let glibc keep the memory a check frees, for the next page to reuse.

    Each page parsed allocates and frees the parser's arenas (hundreds of KiB): with glibc's
    defaults they are mapped and unmapped, or the heap trimmed and grown again, each time,
    and the kernel zero-fills every page again: ~20,000 page faults (~0.1 s of system time
    in the crawl's process) at 10,000 pages. Peak memory is unchanged: what is kept is what
    the next page allocates anyway. Nothing happens off glibc (musl, macOS): False."""
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ImportError, OSError, AttributeError):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, HEAP_KEPT) and mallopt(_M_MMAP_THRESHOLD, HEAP_MMAP))


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

    def __init__(self, loop: asyncio.AbstractEventLoop, channel: _Channel) -> None:
        self._loop = loop
        self._channel = channel
        self._line = ""

    def write(self, text: str) -> int:
        self._line += text
        if "\n" in self._line:
            lines, _, self._line = self._line.rpartition("\n")
            transport = self._channel.transport
            try:
                if transport is None or transport.is_closing():
                    raise RuntimeError("the parent no longer listens")
                # The journal's writer thread warns too: hand the line to the event loop.
                self._loop.call_soon_threadsafe(self._channel.put, ("warn", lines + "\n"))
            except RuntimeError:  # the loop is closed or the channel gone: say it here
                if sys.__stderr__ is not None:
                    print(lines, file=sys.__stderr__)
        return len(text)

    def flush(self) -> None:
        pass


class _Server:
    """The child's side: one task per `fetch` frame, over the run's one Fetcher."""

    def __init__(self) -> None:
        loop = asyncio.get_running_loop()
        self.spec: asyncio.Future[FetchSpec] = loop.create_future()
        self.closed: asyncio.Future[bool] = loop.create_future()
        """Set by the parent's `close` (True: the run completed) or its going away."""
        self.fetcher: Fetcher | None = None
        self.backlog: list[tuple[Any, ...]] = []
        self.tasks: set[asyncio.Task[None]] = set()
        self.channel: _Channel | None = None
        self.relay = True
        """Whether the parent still reads this process's stderr once it is closing."""

    def on_message(self, message: tuple[Any, ...]) -> None:
        kind = message[0]
        if kind == "fetch":
            if self.fetcher is None:
                self.backlog.append(message)  # arrived with the spec, before the Fetcher
            else:
                self._start(message)
        elif kind == "spec" and not self.spec.done():
            self.spec.set_result(message[1])
        elif kind == "close" and not self.closed.done():
            self.relay = bool(message[2])
            self.closed.set_result(bool(message[1]))

    def on_end(self, _exc: BaseException | None) -> None:
        if not self.closed.done():
            self.closed.set_result(False)  # the parent is gone
        if not self.spec.done():
            self.spec.cancel()

    def serve(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher
        for message in self.backlog:
            self._start(message)
        self.backlog.clear()

    def _start(self, message: tuple[Any, ...]) -> None:
        task = asyncio.get_running_loop().create_task(self._answer(message[1], message[2:]))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, number: int, call: tuple[str, bool, str, bool, bool]) -> None:
        url, follow, method, read_body, raw = call
        fetcher = self.fetcher
        assert fetcher is not None and self.channel is not None
        try:
            response = await fetcher.fetch(
                url, follow=follow, method=method, read_body=read_body, raw=raw
            )
        except Exception as exc:  # a bug on one URL must not end the child
            error = f"internal error while fetching it ({type(exc).__name__}: {exc})"
            response = Response(url, url, None, error=error, error_kind="internal")
        journal = fetcher.journal
        try:  # the bytes the journal just recorded (or replayed), when it did
            packed = journal.packed(response) if journal is not None else pack_response(response)
        except Exception as exc:  # an answer that cannot be packed: say so, never hang
            error = f"internal error: its answer cannot be passed on ({type(exc).__name__}: {exc})"
            packed = pack_response(Response(url, url, None, error=error, error_kind="internal"))
        self.channel.put_answer(number, packed)

    async def stop(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


def _report_loop_error(_loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """What asyncio would print as a traceback ("Exception in callback ..."), in one line."""
    exc = context.get("exception")
    what = f"{type(exc).__name__}: {exc}" if exc is not None else context.get("message", "")
    print(f"linkcheck: fetch process: internal error ({what}); please report it", file=sys.stderr)


async def _serve(fd: int) -> None:
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(_report_loop_error)
    server = _Server()
    _, channel = await loop.create_connection(
        lambda: _Channel(server.on_message, server.on_end, pickles=True),
        sock=socket.socket(fileno=fd),
    )
    server.channel = channel
    try:
        spec = await server.spec
    except asyncio.CancelledError:
        return  # the parent hung up before it said what to do
    sys.stderr = _Relay(loop, channel)
    journal = spec.open_journal()
    fetcher = spec.fetcher(journal)
    completed = False
    try:
        async with fetcher:
            server.serve(fetcher)
            completed = await server.closed
            await server.stop()
    finally:
        # The counts first: the parent may write its report while the journal is finished.
        channel.put(("stats", fetcher.requests, journal.replayed if journal else 0))
        channel.flush()
        if not server.relay:  # the parent no longer listens: warn on the inherited stderr
            sys.stderr = sys.__stderr__
        if journal is not None:
            journal.end(completed)
        if channel.transport is not None:
            channel.transport.close()  # after what is buffered is sent
        await channel.lost


def main(argv: list[str]) -> int:
    """The child: serve the parent on the socket whose descriptor is `argv[0]`."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    try:
        roomier_heap()
        _preload()
        with fewer_gc_passes():
            asyncio.run(_serve(int(argv[0])))
    except Exception as exc:  # the parent warns and fetches on its own; one line here
        print(f"linkcheck: fetch process: {type(exc).__name__}: {exc}", file=sys.__stderr__)
        return 1
    return 0


def _preload() -> None:
    """Import what the Fetcher and its journal need (aiohttp and its TLS contexts, SQLite,
    the config records) before the spec is read: the parent is still loading its own
    modules and the config, and the child was only ready ~0.15 s after the parent's first
    request when it imported them on the spec's arrival."""
    import linkcheck.fetch
    import linkcheck.journal  # noqa: F401


def _exit(code: int) -> None:
    """End the child without the interpreter's teardown when nothing is left to do.

    Freeing every object at exit costs tens of milliseconds of CPU for nothing. Safe once
    `main` returned and no other thread runs: the journal is closed (its writer thread
    joined, its connections closed), the answers and counts are sent (the socket's close
    waited for them) and nothing else of this process buffers output but stdio, flushed
    here. With another thread alive (a journal writer that did not finish in time), the
    ordinary exit.
    """
    for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.flush()
    if threading.active_count() == 1:
        os._exit(code)
    raise SystemExit(code)


if __name__ == "__main__":
    _exit(main(sys.argv[1:]))
