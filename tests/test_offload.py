"""The run's Fetcher in a second process: the same answers as in this one, nothing lost when
the child cannot start or dies, its warnings shown, and no child left behind."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck import offload
from linkcheck.config import Settings
from linkcheck.fetch import Fetcher
from linkcheck.model import Response
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


async def serve(site: Site) -> TestServer:
    app = web.Application()
    app.router.add_get("/{tail:.*}", site.handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server


def without_timing(response: Response) -> Response:
    return replace(response, elapsed=0.0)


async def test_the_child_answers_exactly_what_a_fetcher_here_answers() -> None:
    site = Site()
    server = await serve(site)
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


async def test_a_child_that_dies_midway_loses_no_request(
    capsys: pytest.CaptureFixture[str],
) -> None:
    site = Site()
    server = await serve(site)
    try:
        async with FetchService(FetchSpec(SETTINGS)) as service:
            first = await service.fetch(str(server.make_url("/en/p0")))
            child = service._remote
            assert child is not None
            os.kill(child.process.pid, signal.SIGKILL)
            await asyncio.to_thread(child.process.wait)
            later = await asyncio.gather(
                *(service.fetch(str(server.make_url(f"/en/p{i}"))) for i in range(1, 6))
            )
    finally:
        await server.close()
    assert first.status == 200
    assert [r.status for r in later] == [200] * 5
    assert all(site.hits[f"/en/p{i}"] == 1 for i in range(6))
    assert "the fetch process stopped unexpectedly" in capsys.readouterr().err


async def test_a_child_that_cannot_start_leaves_the_fetching_here(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(offload.sys, "executable", "/nonexistent/python")
    site = Site()
    server = await serve(site)
    try:
        async with FetchService(FetchSpec(SETTINGS)) as service:
            answer = await service.fetch(str(server.make_url("/en/")))
    finally:
        await server.close()
    assert answer.status == 200
    assert service.requests == 1
    assert "cannot start the fetch process" in capsys.readouterr().err


async def test_the_childs_warnings_reach_this_process_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The journal lives in the child; a state file it cannot use is still reported here."""
    unusable = tmp_path / "state.sqlite"
    unusable.mkdir()
    spec = FetchSpec(SETTINGS, journal=JournalSpec(unusable, "cfg"))
    site = Site()
    server = await serve(site)
    try:
        async with FetchService(spec) as service:
            answer = await service.fetch(str(server.make_url("/en/")))
    finally:
        await server.close()
    assert answer.status == 200
    assert "running without journal" in capsys.readouterr().err


def essence(out: Path) -> tuple[Any, ...]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    findings = sorted(
        (f["code"], f["url"], tuple(f["details"].get("sources", []))) for f in report["findings"]
    )
    summary = {k: report["summary"][k] for k in ("pages", "links", "errors", "warnings")}
    return tuple(findings), tuple(sorted(summary.items()))


async def test_a_run_reports_the_same_with_and_without_the_child(tmp_path: Path) -> None:
    site = Site()
    server = await serve(site)
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
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Whatever breaks the connection (here: the spec cannot be sent), the requests are made
    here and the child is ended at once, not after the close timeout."""

    def unsendable(_spec: FetchSpec) -> bytes:
        raise RuntimeError("no spec today")

    monkeypatch.setattr(offload, "_spec_frame", unsendable)
    monkeypatch.setattr(offload, "CLOSE_TIMEOUT", 5.0)
    site = Site()
    server = await serve(site)
    try:
        async with FetchService(FetchSpec(SETTINGS)) as service:
            answers = await asyncio.gather(
                *(service.fetch(str(server.make_url(f"/en/p{i}"))) for i in range(3))
            )
            child = service._remote
    finally:
        await server.close()
    assert [a.status for a in answers] == [200] * 3
    err = capsys.readouterr().err
    assert "cannot talk to the fetch process (no spec today)" in err
    assert "did not close in time" not in err
    assert child is not None and child.process.poll() is not None
