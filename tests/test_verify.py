"""redirects/verify.py: each V code against a real aiohttp.web server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from support.nginx import free_port

from linkcheck.config import Config, load_config
from linkcheck.fetch import Fetcher
from linkcheck.model import Response
from linkcheck.redirects.verify import (
    expected_target,
    plan_checks,
    redirect_records,
    verify_redirects,
)

# path → (status, Location or None)
ROUTES: dict[str, tuple[int, str | None]] = {
    "/ok": (200, None),
    "/ok/el/νέα": (200, None),
    "/good": (301, "/ok"),
    "/content": (200, None),
    "/status": (302, "/ok"),
    "/wrong": (301, "/other"),
    "/other": (200, None),
    "/broken": (301, "/missing"),
    "/server-error": (301, "/fails"),
    "/fails": (503, None),
    "/chain": (301, "/step"),
    "/step": (308, "/ok"),
    "/loop": (301, "/loop2"),
    "/loop2": (301, "/loop"),
    "/self": (301, "/self"),
    "/gone": (200, None),
    "/gone-redirects": (301, "/ok"),
    "/gone-ok": (410, None),
    "/not-found": (404, None),
    "/re/a": (301, "/ok?x=a"),
    "/re/b": (301, "/ok?x=wrong"),
    "/abs": (301, "http://{host}/ok"),
}


async def _handler(request: web.Request) -> web.StreamResponse:
    path = request.path
    if path.startswith("/long/"):
        n = int(path.rsplit("/", 1)[1])
        return web.Response(status=301, headers={"Location": f"/long/{n + 1}"})
    status, location = ROUTES.get(path, (404, None))
    headers = {}
    if location:
        headers["Location"] = location.replace("{host}", request.host)
    if 300 <= status < 400:
        return web.Response(status=status, headers=headers)
    return web.Response(
        status=status, text="<html><body>page</body></html>", content_type="text/html"
    )


ServerFactory = Callable[..., Awaitable[TestServer]]


@pytest.fixture
async def origin(aiohttp_server: ServerFactory) -> str:
    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", _handler)
    server = await aiohttp_server(app, host="127.0.0.1")
    return f"http://127.0.0.1:{server.port}"


def _config(tmp_path: Path, origin: str, entries: str) -> Config:
    path = tmp_path / "redirects.yaml"
    path.write_text(
        f"version: 1\ndefaults: {{origin: '{origin}'}}\n"
        "settings: {max_hops: 5, rate: 1000, retries: 0, timeout: 5}\n"
        f"redirects:\n{entries}",
        encoding="utf-8",
    )
    config = load_config(path)
    assert not config.problems, config.problems
    return config


async def _verify(config: Config, seen: list[str] = []) -> list[str]:  # noqa: B006
    async with Fetcher(config.settings) as fetcher:
        _, findings = await verify_redirects(config, fetcher, seen)
    return sorted(f.code for f in findings)


@pytest.mark.parametrize(
    ("entry", "codes"),
    [
        ("{from: /good, to: /ok}", []),
        ("{from: /content, to: /ok}", ["V400"]),
        ("{from: /status, to: /ok}", ["V401"]),
        ("{from: /status, to: /ok, status: 302}", []),
        ("{from: /wrong, to: /ok}", ["V402"]),
        ("{from: /broken, to: /missing}", ["V403"]),
        ("{from: /server-error, to: /fails}", ["V403"]),
        ("{from: /not-found, to: /ok}", ["V403"]),
        ("{from: /chain, to: /ok}", ["V404"]),
        ("{from: /chain, to: /step}", ["V402"]),  # the declared target redirects on
        ("{from: /loop, to: /loop2}", ["V405"]),
        ("{from: /self, to: /ok}", ["V405"]),
        ("{from: /long/0, to: /long/1}", ["V405"]),
        ("{from: /gone, status: 410}", ["V406"]),
        ("{from: /gone-redirects, status: 410}", ["V406"]),
        ("{from: /gone-ok, status: 410}", []),
        ("{from: /abs, to: /ok}", []),
    ],
)
async def test_each_live_answer_gives_exactly_its_code(
    tmp_path: Path, origin: str, entry: str, codes: list[str]
) -> None:
    config = _config(tmp_path, origin, f"  - {entry}\n")
    assert await _verify(config) == codes


async def test_unreachable_source_is_v403(tmp_path: Path) -> None:
    config = _config(tmp_path, f"http://127.0.0.1:{free_port()}", "  - {from: /a, to: /b}\n")
    assert await _verify(config) == ["V403"]


async def test_regex_rule_is_checked_on_examples_and_crawled_urls(
    tmp_path: Path, origin: str
) -> None:
    config = _config(
        tmp_path,
        origin,
        "  - {from: '^/re/(.+)$', to: '/ok?x=$1', regex: true,\n"
        "     examples: [{from: /re/a, to: '/ok?x=a'}]}\n",
    )
    assert await _verify(config) == []
    assert await _verify(config, [origin + "/re/b", origin + "/unrelated"]) == ["V402"]


async def test_crawled_url_is_blamed_on_the_rule_nginx_applies(tmp_path: Path, origin: str) -> None:
    config = _config(
        tmp_path,
        origin,
        "  - {from: /re/b, to: '/ok?x=wrong'}\n"
        "  - {from: '^/re/(.+)$', to: '/ok?x=$1', regex: true}\n",
    )
    checks = plan_checks(config, [origin + "/re/b", origin + "/re/a"])
    assert [(c.rule.index, c.url) for c in checks] == [(0, origin + "/re/b"), (1, origin + "/re/a")]
    assert await _verify(config, [origin + "/re/b", origin + "/re/a"]) == []


async def test_records_cover_every_entry_with_hops(tmp_path: Path, origin: str) -> None:
    path = tmp_path / "redirects.yaml"
    path.write_text(
        f"version: 1\ndefaults: {{origin: '{origin}'}}\nredirects:\n"
        "  - {from: /chain, to: /ok}\n  - {from: /bad, to: /x, status: 999}\n"
        "  - {from: '^/nothing/(.*)$', to: '/ok', regex: true}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    async with Fetcher(config.settings) as fetcher:
        records, findings = await verify_redirects(config, fetcher, [])
    assert [r.source for r in records] == ["/chain", "/bad", "^/nothing/(.*)$"]
    chain, bad, regex = records
    assert chain.live is not None and chain.live.status == 301
    assert chain.live.location == f"{origin}/step"
    assert chain.live.hops == (
        f"{origin}/chain --[301]--> {origin}/step",
        f"{origin}/step --[308]--> {origin}/ok",
    )
    assert chain.live.final_status == 200 and chain.healthy is False
    assert not bad.valid and bad.live is None
    assert regex.live is None  # no concrete source met
    assert [f.code for f in findings] == ["V404"]
    assert findings[0].source == f"{path}:4"
    assert findings[0].url == f"{origin}/chain"


@pytest.mark.parametrize(
    ("url", "target", "query", "expected"),
    [
        ("http://h/a", "http://h/b", "keep", "http://h/b"),
        ("http://h/a?x=1", "http://h/b", "keep", "http://h/b?x=1"),
        ("http://h/a?x=1", "http://h/b?l=el", "keep", "http://h/b?l=el&x=1"),
        ("http://h/a?x=1", "http://h/b?l=el", "drop", "http://h/b?l=el"),
    ],
)
def test_expected_target_carries_or_drops_the_query(
    tmp_path: Path, url: str, target: str, query: str, expected: str
) -> None:
    config = _config(tmp_path, "http://h", f"  - {{from: /a, to: '{target}', query: {query}}}\n")
    assert expected_target(config.rules[0], url, None) == expected


class _ScopedFetcher(Fetcher):
    """The real fetcher, refusing one path as its scope rules would."""

    async def fetch(
        self, url: str, *, follow: bool = True, method: str = "GET", read_body: bool = True
    ) -> Response:
        if url.endswith("/ok"):
            return Response(url, url, None, error="out of scope", error_kind="scope")
        return await super().fetch(url, follow=follow, method=method, read_body=read_body)


async def test_target_refused_by_scope_or_robots_is_not_called_broken(
    tmp_path: Path, origin: str
) -> None:
    config = _config(tmp_path, origin, "  - {from: /good, to: /ok}\n  - {from: /wrong, to: /ok}\n")
    async with _ScopedFetcher(config.settings) as fetcher:
        _, findings = await verify_redirects(config, fetcher, [])
    assert [f.code for f in findings] == ["V402"]


def test_offline_records_list_every_entry_unchecked(tmp_path: Path) -> None:
    path = tmp_path / "redirects.yaml"
    path.write_text(
        "version: 1\ndefaults: {origin: 'http://h'}\nredirects:\n"
        "  - {from: /a, to: /b}\n  - {from: /c, to: /d, status: 999}\n"
        "  - {from: /e, status: 410}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    records = redirect_records(config, invalid={2})
    assert [(r.source, r.valid, r.live) for r in records] == [
        ("/a", True, None),
        ("/c", False, None),
        ("/e", False, None),
    ]
    assert [r.line for r in records] == [4, 5, 6]


async def test_an_unreachable_source_is_described_in_plain_words(tmp_path: Path) -> None:
    """The message read 'the server answers no answer (...)'."""
    config = _config(tmp_path, f"http://127.0.0.1:{free_port()}", "  - {from: /a, status: 410}\n")
    async with Fetcher(config.settings) as fetcher:
        _, findings = await verify_redirects(config, fetcher, ())
    [finding] = findings
    assert finding.message.startswith("declared 410 Gone, but the server gives no answer (")


async def test_a_url_over_8_kb_is_never_matched_against_a_regex(
    tmp_path: Path, origin: str
) -> None:
    """Bounded input for user regexes (redos.py MAX_SUBJECT): a huge crawled URL is skipped."""
    config = _config(tmp_path, origin, "  - {from: '^/re/(.+)$', to: '/ok?x=$1', regex: true}\n")
    short, huge = origin + "/re/a", origin + "/re/" + "a" * 9000
    assert [c.url for c in plan_checks(config, [short, huge])] == [short]
