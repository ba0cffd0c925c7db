"""Politeness measured by the server: per-host connections, rate, Retry-After, backoff.

The counting endpoint of the fault server records, per Host, when each request arrived and
how many were in flight at once. The Fetcher is driven much harder than the limits allow
(every request at once, on two hosts); the maxima the server saw must stay within the
configured ones. The sliding-window rate is measured on arrival times; the limiter counts a
request from when its headers were sent, so only scheduling noise separates the two clocks:
server and client share one event loop here, and on a busy shared machine a handler may start
some tens of milliseconds after its request was sent. The window is shortened by that much.
"""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace

from linkcheck.config import Settings
from linkcheck.fetch import Fetcher
from tests.support.faults import FaultServer

JITTER = 0.05
"""Seconds of scheduling noise between the client's send time and the server's arrival time."""


async def test_per_host_and_rate_limits_hold_under_pressure() -> None:
    settings = Settings(concurrency=32, per_host=3, rate=8, retries=0, timeout=10)
    requests_per_host = 24
    async with FaultServer(hosts=("127.0.0.1", "127.0.0.2"), hold=0.15) as server:
        async with Fetcher(settings, robots=False) as fetcher:
            responses = await asyncio.gather(
                *(
                    fetcher.fetch(server.url(f"/count/{i}", host))
                    for i in range(requests_per_host)
                    for host in server.hosts
                )
            )
        assert all(r.status == 200 for r in responses)
        for host in server.hosts:
            stats = server.counting[f"{host}:{server.port}"]
            assert len(stats.starts) == requests_per_host
            assert stats.max_in_flight <= settings.per_host
            assert stats.rate_peak(1.0 - JITTER) <= settings.rate
        # Both hosts were worked on at once: the limits are per host, not global.
        first = {h: min(server.counting[f"{h}:{server.port}"].starts) for h in server.hosts}
        assert abs(first["127.0.0.1"] - first["127.0.0.2"]) < 0.5


async def test_per_host_cap_is_reached_not_just_respected() -> None:
    """The limit is a cap, not a throttle to one: with room, per_host requests overlap."""
    settings = Settings(per_host=4, rate=1000, retries=0)
    async with FaultServer(hold=0.3) as server, Fetcher(settings, robots=False) as fetcher:
        await asyncio.gather(*(fetcher.fetch(server.url(f"/count/{i}")) for i in range(8)))
        assert server.counting[f"127.0.0.1:{server.port}"].max_in_flight == 4


async def test_retry_after_seconds_and_http_date_are_waited_out() -> None:
    settings = Settings(retries=2, rate=1000, timeout=5)
    async with FaultServer() as server, Fetcher(settings, robots=False) as fetcher:
        seconds, date = await asyncio.gather(
            fetcher.fetch(server.url("/retry/s?after=1&times=1")),
            fetcher.fetch(server.url("/retry/d?after=1&times=1&date=1")),
        )
        assert seconds.status == 200 and date.status == 200
        for key in ("s", "d"):
            first, second = server.retries[key]
            assert second - first >= 1.0 - JITTER, key


async def test_503_with_retry_after_is_retried_then_reported() -> None:
    settings = Settings(retries=2, rate=1000, timeout=5)
    settings = replace(settings, retry_backoff=0.01)
    async with FaultServer(retry_status=503) as server, Fetcher(settings, robots=False) as f:
        ok = await f.fetch(server.url("/retry/x?after=1&times=1"))
        broken = await f.fetch(server.url("/always503"))
    assert ok.status == 200 and len(server.retries["x"]) == 2
    assert broken.status == 503
    assert server.hits["/always503"] == settings.retries + 1


async def test_crawl_delay_from_robots_slows_the_host() -> None:
    """robots.txt `Crawl-delay: 0.5` makes starts at least ~0.5 s apart, whatever `rate` says."""
    settings = Settings(per_host=8, rate=1000, retries=0)
    robots = "User-agent: *\nCrawl-delay: 0.5\n"
    async with (
        FaultServer(robots=robots, hold=0.0) as server,
        Fetcher(settings, robots=True) as fetcher,
    ):
        await asyncio.gather(*(fetcher.fetch(server.url(f"/count/{i}")) for i in range(4)))
        starts = sorted(server.counting[f"127.0.0.1:{server.port}"].starts)
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert len(starts) == 4 and min(gaps) >= 0.5 - JITTER


async def test_user_agent_identifies_linkcheck() -> None:
    async with FaultServer() as server, Fetcher(Settings(), robots=False) as fetcher:
        await fetcher.fetch(server.url("/ok"))
    assert server.user_agents == {Settings().user_agent}
    assert Settings().user_agent.startswith("linkcheck/")


async def test_retry_after_pauses_the_whole_host_not_only_the_request() -> None:
    """After a 429 with Retry-After: 1, no other request to that host starts within 1 s;
    another host is not held up."""
    settings = Settings(retries=1, rate=1000, timeout=5)
    async with FaultServer(hosts=("127.0.0.1", "127.0.0.2")) as server:
        async with Fetcher(settings, robots=False) as fetcher:
            limited = asyncio.create_task(fetcher.fetch(server.url("/retry/p?after=1")))
            while not server.retries["p"]:
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.1)  # the 429 has been answered; the host is paused
            others = [fetcher.fetch(server.url(f"/count/{i}")) for i in range(3)]
            elsewhere = [fetcher.fetch(server.url(f"/count/{i}", "127.0.0.2")) for i in range(3)]
            await asyncio.gather(limited, *others, *elsewhere)
        refused_at = server.retries["p"][0]
        paused = server.counting[f"127.0.0.1:{server.port}"].starts
        free = server.counting[f"127.0.0.2:{server.port}"].starts
        assert min(paused) - refused_at >= 1.0 - JITTER
        assert max(free) - refused_at < 0.9


async def test_repeated_server_errors_back_the_host_off() -> None:
    """Three 5xx in a row without Retry-After: the host pauses before the next request."""
    settings = Settings(retries=0, rate=1000, per_host=1, retry_backoff=0.4)
    async with FaultServer() as server, Fetcher(settings, robots=False) as f:
        for i in range(3):
            await f.fetch(server.url(f"/always500/{i}"))
        loop = asyncio.get_running_loop()
        answered = loop.time()
        await f.fetch(server.url("/count/after"))
        started = server.counting[f"127.0.0.1:{server.port}"].starts[0]
    assert started - answered >= 0.4 - JITTER
