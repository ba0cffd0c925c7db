"""The fault server itself misbehaves as documented (so resilience tests test the crawler)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.support.faults import FAULT_PATHS, Counting, FaultServer


@pytest.fixture
async def server() -> AsyncIterator[FaultServer]:
    async with FaultServer(stall=2.0, bomb_size=8 * 1024 * 1024, huge_size=2 * 1024 * 1024) as s:
        yield s


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    timeout = aiohttp.ClientTimeout(total=0.5)
    async with aiohttp.ClientSession(timeout=timeout) as s:
        yield s


@pytest.mark.parametrize(
    "path",
    [
        "/reset",
        "/close",
        "/garbage/status",
        "/garbage/line",
        "/garbage/header",
        "/garbage/length",
        "/garbage/chunked",
        "/garbage/longheader",
        "/stall/headers",
        "/stall/body",
        "/stall/drip",
    ],
)
async def test_network_faults_make_the_client_fail(
    server: FaultServer, session: aiohttp.ClientSession, path: str
) -> None:
    with pytest.raises((aiohttp.ClientError, TimeoutError)):
        async with session.get(server.url(path)) as response:
            await response.read()


@pytest.mark.parametrize(("kind", "wire_max"), [("gzip", 64 * 1024), ("br", 64 * 1024)])
async def test_bombs_are_small_on_the_wire_and_huge_decoded(
    server: FaultServer, session: aiohttp.ClientSession, kind: str, wire_max: int
) -> None:
    async with session.get(server.url(f"/bomb/{kind}"), auto_decompress=False) as response:
        wire = await response.read()
    assert response.headers["Content-Encoding"] == kind
    assert len(wire) < wire_max
    async with session.get(server.url(f"/bomb/{kind}")) as response:
        first = await response.content.read(1024 * 1024)
    assert first.startswith(b"<html><body>")


async def test_redirect_loop_and_endless_chain(
    server: FaultServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(server.url("/loop/a"), allow_redirects=False) as response:
        assert response.headers["Location"] == "/loop/b"
    async with session.get(server.url("/redirect/7"), allow_redirects=False) as response:
        assert response.headers["Location"] == "/redirect/8"


async def test_calendar_links_next_month_for_ever(
    server: FaultServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(server.url("/cal/2026/12")) as response:
        text = await response.text()
    assert "/cal/2027/1'" in text and "/cal/2026/11'" in text


async def test_index_links_every_fault(server: FaultServer, session: aiohttp.ClientSession) -> None:
    async with session.get(server.url("/")) as response:
        text = await response.text()
    assert all(f'href="{path}"' in text for path in FAULT_PATHS)


async def test_counting_endpoint_measures_concurrency_per_host() -> None:
    async with FaultServer(hosts=("127.0.0.1", "127.0.0.2"), hold=0.2) as server:
        async with aiohttp.ClientSession() as session:

            async def get(host: str, i: int) -> None:
                async with session.get(server.url(f"/count/{i}", host)) as response:
                    await response.read()

            await asyncio.gather(*(get(h, i) for i in range(4) for h in server.hosts))
        hosts = {f"{h}:{server.port}" for h in server.hosts}
        assert set(server.counting) == hosts
        assert all(server.counting[h].max_in_flight == 4 for h in hosts)


async def test_retry_after_then_success(
    server: FaultServer, session: aiohttp.ClientSession
) -> None:
    async with session.get(server.url("/retry/k?after=3&times=1")) as response:
        assert (response.status, response.headers["Retry-After"]) == (429, "3")
    async with session.get(server.url("/retry/k?after=3&times=1")) as response:
        assert response.status == 200
    async with session.get(server.url("/retry/d?date=1")) as response:
        assert response.headers["Retry-After"].endswith("GMT")


def test_rate_peak_counts_starts_in_any_sliding_window() -> None:
    """Starts less than `window` apart share a window: 0.2, 0.95, 1.05, 1.15 are four."""
    counting = Counting(starts=[0.0, 0.2, 0.95, 1.05, 1.15, 3.0])
    assert counting.rate_peak(1.0) == 4
    assert counting.rate_peak(0.5) == 3


async def test_shutdown_does_not_wait_for_stalled_handlers() -> None:
    started = time.monotonic()
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with FaultServer(stall=60) as server, aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(TimeoutError):
            async with session.get(server.url("/stall/headers")) as response:
                await response.read()
    assert time.monotonic() - started < 10
