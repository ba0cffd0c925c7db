"""Nothing lost: an interrupted run resumed gives the report of an uninterrupted run,
without fetching again what the first run already had; and the cache between runs."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer
from support.websites import serve_handler

PAGES = 12
SLOW = "/en/p7"


class Site:
    """/en/ links p0..p11; each page links a missing page; p7 stalls while `stall` is set."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.stall = asyncio.Event()

    async def handler(self, request: web.Request) -> web.Response:
        path = request.path
        self.hits[path] += 1
        if path == "/robots.txt":
            raise web.HTTPNotFound()
        if path == SLOW and self.stall.is_set():
            await asyncio.sleep(60)
        if path == "/en/":
            links = "".join(f'<a href="/en/p{i}">p{i}</a>' for i in range(PAGES))
        elif path.startswith("/en/p"):
            links = f'<a href="/en/missing-{path[5:]}">gone</a><a href="/en/">home</a>'
        else:
            raise web.HTTPNotFound()
        return web.Response(
            text=f"<html><head><title>{path}</title></head><body>{links}</body></html>",
            content_type="text/html",
            headers={"ETag": f'"{path}"'},
        )


def write_cfg(tmp_path: Path, server: TestServer) -> Path:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {timeout: 90, retries: 0, rate: 1000, concurrency: 4}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n",
        encoding="utf-8",
    )
    return cfg


def report_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


def essence(report: dict[str, Any]) -> tuple[Any, ...]:
    """What must not differ between a resumed and an uninterrupted run."""
    findings = sorted(
        (f["code"], f["url"], tuple(f["details"].get("sources", []))) for f in report["findings"]
    )
    summary = {k: report["summary"][k] for k in ("pages", "links", "errors", "warnings")}
    return tuple(findings), tuple(sorted(summary.items()))


async def cli_run(*argv: str) -> int:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "linkcheck", *argv)
    return await asyncio.wait_for(process.wait(), 60)


async def test_interrupted_run_resumed_gives_the_same_report_without_refetching(
    tmp_path: Path,
) -> None:
    site = Site()
    server = await serve_handler(site.handler)
    try:
        cfg = write_cfg(tmp_path, server)
        out, state = tmp_path / "out", tmp_path / "state.sqlite"
        site.stall.set()
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "linkcheck", "check", str(cfg), "-o", str(out),
            "--state", str(state), "-q",
        )  # fmt: skip
        for _ in range(600):
            done = sum(1 for i in range(PAGES) if site.hits[f"/en/missing-{i}"])
            if site.hits[SLOW] and done >= PAGES - 1:
                break
            await asyncio.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 143
        assert report_of(out)["run"]["partial"] is True
        first = Counter(site.hits)

        site.stall.clear()
        code = await cli_run(
            "check", str(cfg), "-o", str(out), "--state", str(state), "--resume", "-q"
        )
        resumed = report_of(out)
        assert code == 1 and resumed["run"]["partial"] is False
        # What the first run had was not asked again; only the stalled page was.
        for path, count in first.items():
            if path not in (SLOW, "/robots.txt"):
                assert site.hits[path] == count == 1, path
        assert site.hits[SLOW] == 2

        fresh = tmp_path / "fresh"
        assert await cli_run("check", str(cfg), "-o", str(fresh), "-q") == 1
        assert essence(resumed) == essence(report_of(fresh))
        assert resumed["summary"]["pages"] == PAGES + 1
    finally:
        await server.close()


async def test_second_run_reuses_fresh_answers_and_no_cache_refetches(tmp_path: Path) -> None:
    site = Site()
    server = await serve_handler(site.handler)
    try:
        cfg = write_cfg(tmp_path, server)
        out = tmp_path / "out"
        assert await cli_run("check", str(cfg), "-o", str(out), "-q") == 1
        assert site.hits["/en/p3"] == 1
        assert await cli_run("check", str(cfg), "-o", str(out), "-q") == 1
        assert site.hits["/en/p3"] == 1  # answered from the cache
        assert site.hits["/en/missing-3"] == 2  # failures are never reused
        assert report_of(out)["summary"]["pages"] == PAGES + 1
        assert await cli_run("check", str(cfg), "-o", str(out), "-q", "--no-cache") == 1
        assert site.hits["/en/p3"] == 2
    finally:
        await server.close()


async def test_stale_answer_is_revalidated_with_a_conditional_request(tmp_path: Path) -> None:
    """Past the TTL, the stored ETag is sent; a 304 answers with the stored page."""
    from linkcheck.config import Settings
    from linkcheck.fetch import Fetcher
    from linkcheck.journal import Journal

    seen: list[str | None] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(text="<p>v1</p>", content_type="text/html", headers={"ETag": '"v1"'})

    server = await serve_handler(handler, "/page")
    url = str(server.make_url("/page"))
    clock = [1000.0]
    settings = Settings(retries=0, rate=1000)
    try:
        for _ in range(2):
            with Journal(tmp_path / "j.sqlite", "cfg", ttl=60, clock=lambda: clock[0]) as journal:
                async with Fetcher(settings, robots=False, journal=journal) as fetcher:
                    response = await fetcher.fetch(url)
                journal.finish()
            assert response.status == 200 and response.text == "<p>v1</p>"
            clock[0] += 3600
    finally:
        await server.close()
    assert seen == [None, '"v1"']
