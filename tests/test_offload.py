"""The run's Fetcher in a second process: the same answers as in this one, nothing lost when
the child cannot start or dies, its warnings shown, and no child left behind."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import signal
import socket
import sqlite3
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from multidict import istr
from support.websites import serve_handler

from linkcheck import offload
from linkcheck.config import Settings
from linkcheck.fetch import Fetcher
from linkcheck.model import Hop, Response, pack_response
from linkcheck.offload import FetchService, FetchSpec, JournalSpec
from linkcheck.run import RunOptions, run_check

SETTINGS = Settings(retries=0, timeout=10.0, rate=1000.0)
GREEK = "/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1"


class Site:
    """A few pages (one Greek, one redirect, one missing) and a count of requests."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()

    async def handler(self, request: web.Request) -> web.StreamResponse:
        path = request.raw_path
        self.hits[path] += 1
        if path == "/old":
            raise web.HTTPMovedPermanently("/en/")
        if path == "/en/":
            links = "".join(f'<a href="/en/p{i}">p{i}</a>' for i in range(6))
            body = f"<title>home</title>{links}<a href='{GREEK}'>el</a><a href='/gone'>x</a>"
        elif path.startswith("/en/p") or path == GREEK:
            body = "<title>Άρθρα</title><p>Ωμέγα</p><a href='/en/'>home</a>"
        else:
            raise web.HTTPNotFound()
        return web.Response(text=body, content_type="text/html", headers={"ETag": '"e"'})


@pytest.fixture
async def served() -> AsyncIterator[tuple[Site, TestServer]]:
    """The Site, served on 127.0.0.1 for the test (closed after it)."""
    site = Site()
    server = await serve_handler(site.handler)
    yield site, server
    await server.close()


def without_timing(response: Response) -> Response:
    return replace(response, elapsed=0.0)


async def test_the_child_answers_exactly_what_a_fetcher_here_answers() -> None:
    site = Site()
    server = await serve_handler(site.handler)
    urls = [str(server.make_url(p)) for p in ("/en/", "/old", "/gone", GREEK)]
    try:
        async with Fetcher(SETTINGS) as here:
            expected = [without_timing(await here.fetch(url)) for url in urls]
        async with FetchService(FetchSpec(SETTINGS)) as service:
            answers = [without_timing(await service.fetch(url)) for url in urls]
            child = service._remote
            assert child is not None and child.alive  # answered by the child, not here
    finally:
        await server.close()
    assert answers == expected
    assert service.requests == 5  # the child's count: /old is two exchanges
    assert child.process.poll() is not None  # no child outlives the service


async def test_a_child_the_caller_started_finishes_its_journal_before_abandon_returns(
    served: tuple[Site, TestServer], tmp_path: Path
) -> None:
    """`linkcheck check` starts the child itself: the service returns with the counts and
    the child finishes its journal while the report is written; `abandon` waits for it."""
    _, server = served
    state = tmp_path / "state.sqlite"
    spec = FetchSpec(SETTINGS, journal=JournalSpec(state, "cfg"))
    child = offload.start_child()
    assert child is not None
    async with FetchService(spec, child=child) as service:
        answers = await asyncio.gather(
            *(service.fetch(str(server.make_url(f"/en/p{i}"))) for i in range(6))
        )
        service.complete()
    assert [a.status for a in answers] == [200] * 6
    assert service.requests == 6
    child.abandon()
    assert child.process.returncode == 0
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT COUNT(*) FROM journal_entries").fetchone() == (6,)
        assert db.execute("SELECT finished IS NOT NULL FROM journal_runs").fetchall() == [(1,)]


async def test_a_child_that_dies_midway_loses_no_request(
    served: tuple[Site, TestServer],
    capsys: pytest.CaptureFixture[str],
) -> None:
    site, server = served
    async with FetchService(FetchSpec(SETTINGS)) as service:
        first = await service.fetch(str(server.make_url("/en/p0")))
        child = service._remote
        assert child is not None
        os.kill(child.process.pid, signal.SIGKILL)
        await asyncio.to_thread(child.process.wait)
        later = await asyncio.gather(
            *(service.fetch(str(server.make_url(f"/en/p{i}"))) for i in range(1, 6))
        )
    assert first.status == 200
    assert [r.status for r in later] == [200] * 5
    assert all(site.hits[f"/en/p{i}"] == 1 for i in range(6))
    assert "the fetch process stopped unexpectedly" in capsys.readouterr().err


async def test_a_child_that_cannot_start_leaves_the_fetching_here(
    served: tuple[Site, TestServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(offload.sys, "executable", "/nonexistent/python")
    _, server = served
    async with FetchService(FetchSpec(SETTINGS)) as service:
        answer = await service.fetch(str(server.make_url("/en/")))
    assert answer.status == 200
    assert service.requests == 1
    assert "cannot start the fetch process" in capsys.readouterr().err


async def test_the_childs_warnings_reach_this_process_stderr(
    served: tuple[Site, TestServer], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The journal lives in the child; a state file it cannot use is still reported here."""
    unusable = tmp_path / "state.sqlite"
    unusable.mkdir()
    spec = FetchSpec(SETTINGS, journal=JournalSpec(unusable, "cfg"))
    _, server = served
    async with FetchService(spec) as service:
        answer = await service.fetch(str(server.make_url("/en/")))
    assert answer.status == 200
    assert "running without journal" in capsys.readouterr().err


def essence(out: Path) -> tuple[Any, ...]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    findings = sorted(
        (f["code"], f["url"], tuple(f["details"].get("sources", []))) for f in report["findings"]
    )
    summary = {k: report["summary"][k] for k in ("pages", "links", "errors", "warnings")}
    return tuple(findings), tuple(sorted(summary.items()))


async def test_a_run_reports_the_same_with_and_without_the_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[offload.Child | None] = []

    def recorded() -> offload.Child | None:
        started.append(start_child())
        return started[-1]

    start_child = offload.start_child
    monkeypatch.setattr(offload, "start_child", recorded)
    site = Site()
    server = await serve_handler(site.handler)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {retries: 0, rate: 1000}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n",
        encoding="utf-8",
    )
    try:
        for separate in (True, False):
            out = tmp_path / f"out-{separate}"
            options = RunOptions(str(cfg), output=out, fetch_process=separate, history=False)
            await run_check(options)
    finally:
        await server.close()
    # One child, started for the separate run, answered everything (no fallback warning).
    assert len(started) == 1 and started[0] is not None and started[0].claimed
    assert "fetch process" not in capsys.readouterr().err
    findings, summary = essence(tmp_path / "out-True")
    assert (findings, summary) == essence(tmp_path / "out-False")
    assert dict(summary)["pages"] == 7  # /en/ and p0-p5 (the Greek page is checked, not crawled)
    assert [code for code, *_ in findings] == ["C100"]  # /gone


def fetch_processes() -> list[int]:
    """This process's children that are fetch processes (running or not yet reaped)."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        for pid in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            if b"linkcheck.offload" in cmdline:
                found.append(int(pid))
    return found


@pytest.mark.parametrize(
    ("config", "more"),
    [
        ("version: 1\nsites: [unclosed\n", []),  # YAML syntax error
        ("version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/'}\n", ["--site", "fr"]),
    ],
    ids=["syntax-error", "unknown-site"],
)
def test_a_check_that_stops_before_fetching_leaves_no_fetch_process(
    tmp_path: Path, config: str, more: list[str]
) -> None:
    """`linkcheck check` starts the fetch process first; a run refused must still end it."""
    from linkcheck.cli import main

    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(config, encoding="utf-8")
    assert main(["check", str(cfg), "-o", str(tmp_path / "out"), "-q", *more]) == 2
    assert fetch_processes() == []


async def test_a_child_that_cannot_be_talked_to_leaves_the_fetching_here(
    served: tuple[Site, TestServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Whatever breaks the connection (here: the spec cannot be sent), the requests are made
    here and the child is ended at once, not after the close timeout."""

    def unsendable(_spec: FetchSpec) -> bytes:
        raise RuntimeError("no spec today")

    monkeypatch.setattr(offload, "_spec_frame", unsendable)
    monkeypatch.setattr(offload, "CLOSE_TIMEOUT", 5.0)
    _, server = served
    async with FetchService(FetchSpec(SETTINGS)) as service:
        answers = await asyncio.gather(
            *(service.fetch(str(server.make_url(f"/en/p{i}"))) for i in range(3))
        )
        child = service._remote
    assert [a.status for a in answers] == [200] * 3
    err = capsys.readouterr().err
    assert "cannot talk to the fetch process (no spec today)" in err
    assert "did not close in time" not in err
    assert child is not None and child.process.poll() is not None


# ------------------------------------------------------------- faults inside the child
#
# The child is another interpreter: a fault is planted in it through a `sitecustomize`
# module on its PYTHONPATH (start_child passes the environment on), which wraps
# `Fetcher.fetch` there before the child serves anything.

PLANTED = """
import asyncio, dataclasses
import linkcheck.fetch

_fetch = linkcheck.fetch.Fetcher.fetch

async def fetch(self, url, **kw):
    response = await _fetch(self, url, **kw)
    if "/unpicklable" in url:  # a record that pickle refuses
        response = dataclasses.replace(response, headers=(("X-Bad", lambda: None),))
    if "/callback-error" in url:  # what asyncio prints as "Exception in callback"
        asyncio.get_running_loop().call_soon(lambda: 1 / 0)
    return response

linkcheck.fetch.Fetcher.fetch = fetch
"""


@pytest.fixture
def planted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "planted"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(PLANTED, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(folder))


@pytest.mark.usefixtures("planted")
async def test_an_answer_that_cannot_be_pickled_is_an_error_not_a_hang(
    served: tuple[Site, TestServer],
    capfd: pytest.CaptureFixture[str],
) -> None:
    _, server = served
    async with FetchService(FetchSpec(SETTINGS)) as service:
        answer = await asyncio.wait_for(service.fetch(str(server.make_url("/unpicklable"))), 30)
        after = await asyncio.wait_for(service.fetch(str(server.make_url("/en/"))), 30)
        child = service._remote
        assert child is not None and child.alive  # the child goes on serving
    assert answer.status is None and answer.error_kind == "internal"
    assert "cannot be passed on" in (answer.error or "")
    assert after.status == 200
    assert "Traceback" not in capfd.readouterr().err


@pytest.mark.usefixtures("planted")
async def test_an_error_in_a_child_callback_is_one_line_not_a_traceback(
    served: tuple[Site, TestServer],
    capfd: pytest.CaptureFixture[str],
) -> None:
    _, server = served
    async with FetchService(FetchSpec(SETTINGS)) as service:
        answer = await service.fetch(str(server.make_url("/callback-error")))
        await service.fetch(str(server.make_url("/en/")))  # the error's line is out by now
    assert answer.status == 404
    err = capfd.readouterr().err
    assert "fetch process: internal error (ZeroDivisionError: division by zero)" in err
    assert "Traceback" not in err


def test_the_childs_stderr_after_its_loop_closed_goes_to_the_real_stderr(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The journal's writer thread may warn after the child's event loop has ended."""

    async def relay() -> offload._Relay:
        channel = offload._Channel(lambda _m: None, lambda _e: None)
        return offload._Relay(asyncio.get_running_loop(), channel)

    late = asyncio.run(relay())
    late.write("linkcheck: warning: journal: a late word\n")
    assert "a late word" in capfd.readouterr().err


async def test_a_frame_this_side_cannot_use_ends_the_channel_without_a_traceback() -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    ended: asyncio.Future[BaseException | None] = loop.create_future()

    def unusable(message: tuple[Any, ...]) -> None:
        raise IndexError(f"no use for {message!r}")

    here, there = socket.socketpair()
    with there:
        await loop.create_connection(
            lambda: offload._Channel(unusable, lambda e: ended.done() or ended.set_result(e)),
            sock=here,
        )
        there.sendall(offload._frame(("answer",)))
        why = await asyncio.wait_for(ended, 10)
    assert isinstance(why, IndexError)
    assert errors == []  # asyncio printed no "Fatal error: protocol.data_received()"


def framed(payload: bytes) -> bytes:
    return len(payload).to_bytes(4, "big") + payload


UNREADABLE_FRAMES = {
    "unknown-kind": framed(b"Z whatever"),
    "damaged-answer": framed(b"A" + (7).to_bytes(8, "big") + b"\x01\xffgarbage"),
    "answer-of-no-response": framed(b"A" + (7).to_bytes(8, "big") + b"{}"),
    "damaged-marshal": framed(b"M\xff\x00"),
    "no-message": framed(b"M" + b"N"),  # marshal's None
    "a-pickle": framed(pickle.dumps(("warn", "the child never sends pickles\n"))),
}


@pytest.mark.parametrize("frame", UNREADABLE_FRAMES.values(), ids=UNREADABLE_FRAMES.keys())
async def test_a_frame_that_cannot_be_decoded_ends_the_channel_without_a_traceback(
    frame: bytes,
) -> None:
    loop = asyncio.get_running_loop()
    errors: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    ended: asyncio.Future[BaseException | None] = loop.create_future()
    received: list[tuple[Any, ...]] = []
    here, there = socket.socketpair()
    with there:
        await loop.create_connection(
            lambda: offload._Channel(
                received.append, lambda e: ended.done() or ended.set_result(e)
            ),
            sock=here,
        )
        there.sendall(frame)
        why = await asyncio.wait_for(ended, 10)
    assert isinstance(why, Exception)
    assert received == []
    assert errors == []


async def test_answers_and_messages_cross_the_channel_as_they_were_sent() -> None:
    """Several frames in one read and one frame over several reads both decode."""
    loop = asyncio.get_running_loop()
    received: list[tuple[Any, ...]] = []
    response = Response(
        "http://a/",
        "http://b/",
        200,
        hops=(Hop("http://a/", 301, "http://b/"),),
        text="Ωμέγα",
        headers=((istr("ETag"), '"e"'),),
        body=b"\x00raw",
    )
    sender = offload._Channel(lambda _m: None, lambda _e: None)
    sender.put_answer(5, pack_response(response))
    sender.put(("warn", "a line\n"))
    sender.put(("stats", 3, 1))
    stream = b"".join(sender._outgoing)
    here, there = socket.socketpair()
    with there:
        await loop.create_connection(
            lambda: offload._Channel(received.append, lambda _e: None), sock=here
        )
        there.sendall(stream[:7])
        await asyncio.sleep(0.05)
        there.sendall(stream[7:])
        for _ in range(100):
            if len(received) == 3:
                break
            await asyncio.sleep(0.01)
    assert received == [("answer", 5, response), ("warn", "a line\n"), ("stats", 3, 1)]
    assert received[0][2].hops == (Hop("http://a/", 301, "http://b/"),)


async def test_a_child_that_stops_answering_is_given_up_on_after_a_bound_from_settings(
    served: tuple[Site, TestServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A stopped (or deadlocked) child would hold every call forever. The bound allows for
    the slowest legitimate fetch the settings permit; here 2 × (0.6 s + 0) + 0.5 s."""
    monkeypatch.setattr(offload, "WATCHDOG_SLACK", 0.5)
    monkeypatch.setattr("linkcheck.robots.MAX_CRAWL_DELAY", 0.0)
    settings = Settings(retries=0, timeout=0.6, max_hops=0, rate=1000.0)
    assert offload.silence_limit(settings) == pytest.approx(0.5 + 2 * (0.001 + 0.6))
    _, server = served
    async with FetchService(FetchSpec(settings)) as service:
        first = await service.fetch(str(server.make_url("/en/p0")))
        child = service._remote
        assert child is not None and child.alive
        os.kill(child.process.pid, signal.SIGSTOP)
        later = await asyncio.wait_for(service.fetch(str(server.make_url("/en/p1"))), 30)
        assert not child.alive
    assert (first.status, later.status) == (200, 200)
    assert child.process.poll() is not None  # killed, not left stopped
    err = capsys.readouterr().err
    assert "the fetch process answered nothing for" in err
    assert "did not close in time" not in err


async def test_a_second_interrupt_while_closing_still_closes_the_fetcher_here(
    served: tuple[Site, TestServer],
) -> None:
    """After a fallback, a cancel during the child's close must not leak this side's session."""
    _, server = served
    service = FetchService(FetchSpec(SETTINGS))
    await service.__aenter__()
    await service.fetch(str(server.make_url("/en/p0")))
    child = service._remote
    assert child is not None
    os.kill(child.process.pid, signal.SIGKILL)
    await asyncio.to_thread(child.process.wait)
    await service.fetch(str(server.make_url("/en/p1")))  # made here
    local = service._local
    assert local is not None
    closing = asyncio.create_task(service.__aexit__(None, None, None))
    await asyncio.sleep(0)
    closing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await closing
    assert local.fetcher._session is None or local.fetcher._session.closed


def children_of(pid: int) -> list[int]:
    found = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def running(pid: int) -> bool:
    """Not ended (a zombie no one reaps counts as ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.mark.parametrize(
    ("signum", "code"),
    [(signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)],
    ids=["SIGINT", "SIGTERM", "SIGKILL"],
)
async def test_an_interrupted_check_leaves_no_fetch_process_and_stays_resumable(
    tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    """The journal lives in the child: however the parent ends (even SIGKILL, when nothing
    closes the child), the child ends on its own and `--resume` replays what it recorded."""
    site = Site()
    stall = asyncio.Event()
    stall.set()

    async def stalling(request: web.Request) -> web.StreamResponse:
        if request.raw_path == "/en/p5" and stall.is_set():
            site.hits["/en/p5"] += 1
            await asyncio.sleep(60)
        return await site.handler(request)

    server = await serve_handler(stalling)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {retries: 0, rate: 1000, timeout: 90}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}', robots: false}}\n",
        encoding="utf-8",
    )
    argv = ["-m", "linkcheck", "check", str(cfg), "-o", str(tmp_path / "out"), "-q"]
    argv += ["--state", str(tmp_path / "state.sqlite")]
    try:
        process = await asyncio.create_subprocess_exec(sys.executable, *argv)
        for _ in range(600):
            if site.hits["/en/p5"] and all(site.hits[f"/en/p{i}"] for i in (0, 1, 2, 3, 4)):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # the journal's batch may wait 50 ms: SIGKILL loses it
        children = children_of(process.pid)
        assert len(children) == 1
        process.send_signal(signum)
        assert await asyncio.wait_for(process.wait(), 60) == code
        for _ in range(200):
            if not running(children[0]):
                break
            await asyncio.sleep(0.05)
        assert not running(children[0])  # no orphan fetch process

        stall.clear()
        before = Counter(site.hits)
        resumed = await asyncio.create_subprocess_exec(sys.executable, *argv, "--resume")
        assert await asyncio.wait_for(resumed.wait(), 60) == 1  # /gone
    finally:
        await server.close()
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["partial"] is False
    asked_again = {path for path, n in site.hits.items() if n > before[path]}
    assert asked_again <= {"/en/p5", "/gone", GREEK}


_REUSE = """
import resource, sys
from linkcheck.offload import roomier_heap
if sys.argv[1] == "tuned":
    assert roomier_heap()
blocks = [bytes(2048) for _ in range(20000)]  # 40 MB from glibc's heap, then freed
del blocks
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
blocks = [bytes(2048) for _ in range(20000)]
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def test_memory_a_check_frees_is_reused_without_faulting_it_in_again() -> None:
    """With glibc's defaults the freed top of the heap goes back to the kernel and every
    page of the next allocation is faulted in again; tuned, it is kept for reuse."""
    import platform
    import subprocess

    if platform.libc_ver()[0] != "glibc":
        pytest.skip("glibc's mallopt is what is tuned")

    def page_faults(mode: str) -> int:
        done = subprocess.run(
            [sys.executable, "-c", _REUSE, mode], capture_output=True, text=True, check=True
        )
        return int(done.stdout)

    assert page_faults("default") > 5000  # ~10,000: the 40 MB faulted in again
    assert page_faults("tuned") < 500


def test_the_heap_is_left_alone_without_a_c_library_to_ask(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ctypes

    def no_libc(_name: object) -> None:
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert offload.roomier_heap() is False
