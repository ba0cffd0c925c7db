"""The crawler against a misbehaving server: every fault is a finding, the run goes on.

One crawl from the fault server's index meets every fault of `tests/support/faults.py`; each
must come out as exactly one finding of the right code on its URL, the well-behaved pages must
all be collected, and the crawl must finish. Timeouts are short (3 s; stalls last 8 s) so the
test stays fast yet holds on a loaded machine.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from linkcheck.checks import link_findings
from linkcheck.config import Config, load_config
from linkcheck.crawl import CrawlResult, crawl
from linkcheck.fetch import Fetcher
from linkcheck.findings import Finding
from tests.support.faults import FAULT_PATHS, FaultServer

EXPECTED: dict[str, set[str]] = {
    "/ok": set(),
    "/stall/headers": {"C101"},
    "/stall/body": {"C101"},
    "/stall/drip": {"C101"},
    "/reset": {"C101"},
    "/close": {"C101"},
    "/garbage/status": {"C101"},
    "/garbage/line": {"C101"},
    "/garbage/header": {"C101"},
    "/garbage/length": {"C101"},
    "/garbage/chunked": {"C101"},
    "/garbage/longheader": {"C101"},
    "/bomb/gzip": {"C108"},
    "/bomb/br": {"C108"},
    "/loop/a": {"C107"},
    "/redirect/0": {"C107"},
    "/nolocation": {"C101"},
    "/badlocation": {"C101"},
    "/cal/2026/11": set(),
    "/malformed": set(),
    "/deep": set(),
    "/huge": {"C108"},
    "/binary": {"C109"},
    "/badcharset": {"C109"},
    "/always503": {"C100"},
}
"""What each fault of the index must produce on its own URL."""


def write(tmp_path: Path, server: FaultServer, settings: str, site: str = "") -> Config:
    path = tmp_path / "redirects.yaml"
    path.write_text(
        "version: 1\n"
        f"settings: {{{settings}}}\n"
        "sites:\n"
        "  faults:\n"
        f"    new: {server.url('/')}\n"
        f"{site}",
        encoding="utf-8",
    )
    return load_config(path)


FAST = "retries: 0, rate: 1000, timeout: 3, max_bytes: 1048576, max_hops: 5, max_per_pattern: 6"


@pytest.fixture
async def faults() -> AsyncIterator[FaultServer]:
    async with FaultServer(
        stall=8.0, bomb_size=16 * 1024 * 1024, huge_size=4 * 1024 * 1024
    ) as server:
        yield server


async def crawl_faults(tmp_path: Path, server: FaultServer, settings: str = FAST) -> CrawlResult:
    config = write(tmp_path, server, settings)
    async with Fetcher(config.settings, robots=True) as fetcher:
        return await crawl(config, fetcher)


def by_url(findings: list[Finding]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for finding in findings:
        out[finding.url].append(finding.code)
    return out


class TestFaultCrawl:
    async def test_every_fault_is_one_finding_and_the_crawl_finishes(
        self, tmp_path: Path, faults: FaultServer
    ) -> None:
        result = await crawl_faults(tmp_path, faults)
        found = by_url(link_findings(result))
        assert set(EXPECTED) == set(FAULT_PATHS)
        for path, codes in EXPECTED.items():
            url = faults.url(path)
            assert url in result.responses, f"{path} was never checked"
            assert sorted(found.get(url, [])) == sorted(codes), f"{path}: {found.get(url)}"

    async def test_nothing_collected_is_lost(self, tmp_path: Path, faults: FaultServer) -> None:
        """The well-behaved pages, including those linked from malformed HTML, are all there."""
        result = await crawl_faults(tmp_path, faults)
        pages = {page.url for page in result.pages["faults"]}
        for path in ("/", "/ok", "/malformed", "/deep", "/page/1", "/page/2", "/page/5"):
            assert faults.url(path) in pages, path
        assert result.responses[faults.url("/page/1")].status == 200
        assert not result.partial

    async def test_calendar_trap_is_bounded_by_the_shape_budget(
        self, tmp_path: Path, faults: FaultServer
    ) -> None:
        """From /cal/2026/11 the calendar runs both ways (next and previous month): each
        direction gets max_per_pattern pages, then one C105 says where it stopped."""
        result = await crawl_faults(tmp_path, faults)
        calendar = [p for p in result.pages["faults"] if "/cal/" in p.url]
        assert len(calendar) == 1 + 2 * 6
        limits = [f for f in link_findings(result) if f.code == "C105"]
        assert [(f.details["limit"], f.details["value"]) for f in limits] == [
            ("max_per_pattern", 6)
        ]
        assert sum(1 for path in faults.hits if path.startswith("/cal/")) <= 1 + 2 * 7

    async def test_bombs_are_cut_at_the_decoded_cap(
        self, tmp_path: Path, faults: FaultServer
    ) -> None:
        result = await crawl_faults(tmp_path, faults)
        for path in ("/bomb/gzip", "/bomb/br", "/huge"):
            response = result.responses[faults.url(path)]
            assert response.error_kind == "too_large" and response.text is None
            assert response.size <= 1048576 + 256 * 1024  # one chunk past the cap at most

    async def test_binary_as_html_is_not_parsed(self, tmp_path: Path, faults: FaultServer) -> None:
        result = await crawl_faults(tmp_path, faults)
        assert faults.url("/binary") not in {p.url for p in result.pages["faults"]}
        badcharset = result.responses[faults.url("/badcharset")]
        assert badcharset.unusable is not None and "utf-8" in badcharset.unusable
        # Declared UTF-8 but windows-1251: still read (as detected) and parsed.
        assert faults.url("/badcharset") in {p.url for p in result.pages["faults"]}


class TestRobots:
    async def test_disallowed_urls_are_c106_and_never_requested(self, tmp_path: Path) -> None:
        async with FaultServer(robots="User-agent: *\nDisallow: /page/\n") as server:
            config = write(tmp_path, server, "retries: 0, rate: 1000, timeout: 2")
            async with Fetcher(config.settings, robots=True) as fetcher:
                result = await crawl(config, fetcher, sites=None)
            # Only the index and /malformed are needed: /malformed links /page/1..5.
        findings = by_url(link_findings(result))
        assert findings[server.url("/page/1")] == ["C106"]
        assert not any(path.startswith("/page/") for path in server.hits)
        assert server.hits["/robots.txt"] == 1

    async def test_robots_txt_answering_503_holds_the_host_back(self, tmp_path: Path) -> None:
        """RFC 9309: a 5xx robots.txt means "disallow all" for now; pages are C106 with the
        reason, not requested, not reported broken."""
        async with FaultServer(robots="", robots_status=503) as server:
            config = write(tmp_path, server, "retries: 0, rate: 1000, timeout: 2")
            async with Fetcher(config.settings, robots=True) as fetcher:
                result = await crawl(config, fetcher)
        findings = link_findings(result)
        assert [(f.code, f.url) for f in findings] == [("C106", server.url("/"))]
        assert "robots.txt answered 503" in findings[0].message
        assert set(server.hits) == {"/robots.txt"}

    async def test_robots_false_on_the_site_checks_everything(self, tmp_path: Path) -> None:
        async with FaultServer(robots="User-agent: *\nDisallow: /\n") as server:
            config = write(
                tmp_path, server, "retries: 0, rate: 1000, timeout: 2", "    robots: false\n"
            )
            async with Fetcher(
                config.settings, robots=True, robots_exempt={server.url("/").rstrip("/")}
            ) as f:
                await f.fetch(server.url("/page/1"))
        assert server.hits["/page/1"] == 1 and server.hits["/robots.txt"] == 0


async def test_the_whole_check_reports_each_fault_once(tmp_path: Path) -> None:
    """`linkcheck check` against the fault server: it finishes (exit 1, not a traceback),
    report.json lists each fault once with its code, and robots.txt skips are C106."""
    import json

    from linkcheck.run import RunOptions, run_check

    robots = "User-agent: *\nDisallow: /page/1\n"
    async with FaultServer(stall=8.0, robots=robots, bomb_size=16 * 1024 * 1024) as server:
        config = write(tmp_path, server, FAST)
        out = tmp_path / "out"
        outcome = await run_check(RunOptions(config=config.path, output=out, formats=("json",)))
    assert outcome.exit_code == 1 and outcome.interrupted is None
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["partial"] is False
    pairs = [(f["code"], f["url"]) for f in report["findings"]]
    assert len(pairs) == len(set(pairs))
    codes: dict[str, set[str]] = defaultdict(set)
    for code, url in pairs:
        codes[url].add(code)
    for path, expected in EXPECTED.items():
        assert codes.get(server.url(path), set()) == expected, path
    assert codes[server.url("/page/1")] == {"C106"}


async def test_robots_txt_redirecting_within_its_host_does_not_deadlock(tmp_path: Path) -> None:
    """/robots.txt → /robots-live (same origin): followed without asking robots.txt again."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/robots.txt":
            raise web.HTTPFound("/robots-live")
        if request.path == "/robots-live":
            return web.Response(text="User-agent: *\nDisallow: /private/\n")
        return web.Response(text="<p>ok</p>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with Fetcher(load_config_text(tmp_path).settings, robots=True) as fetcher:
            ok = await fetcher.fetch(str(server.make_url("/public")))
            refused = await fetcher.fetch(str(server.make_url("/private/x")))
    finally:
        await server.close()
    assert ok.status == 200
    assert refused.error_kind == "robots"


def load_config_text(tmp_path: Path) -> Config:
    path = tmp_path / "plain.yaml"
    path.write_text("version: 1\nsettings: {retries: 0, timeout: 5}\nsites: {}\n", encoding="utf-8")
    return load_config(path)
