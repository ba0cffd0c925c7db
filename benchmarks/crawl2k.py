"""Crawl speed of the backbone: a generated N-page site on loopback, pages/s and peak RSS.

    python benchmarks/crawl2k.py                 # linkcheck's crawl of 2,000 pages
    python benchmarks/crawl2k.py --baseline      # bare aiohttp + selectolax, for scale
    python benchmarks/crawl2k.py --profile       # cProfile of the crawl, top functions
    python benchmarks/crawl2k.py --cli           # the whole `linkcheck check` under time -v

The site is served by aiohttp.web in a separate process (so the crawler's CPU is its own):
every page links 30 others (navigation, related articles, a few images and fragments), so
the crawl parses N pages and checks ~N + images URLs. Peak RSS is the crawler process's
`ru_maxrss`. (benchmarks/gensite.py is the full benchmark generator with nginx and peers.)
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import multiprocessing
import pstats
import random
import resource
import socket
import sys
import tempfile
import time
from pathlib import Path

WORDS = [
    "migration",
    "archive",
    "article",
    "meeting",
    "report",
    "council",
    "budget",
    "river",
    "harbour",
    "museum",
    "library",
    "festival",
    "season",
    "history",
    "language",
    "council",
    "garden",
    "station",
    "bridge",
    "market",
]


def page_html(n: int, pages: int, links: int, rng: random.Random) -> bytes:
    targets = {(n + 1) % pages, (n * 7 + 3) % pages}
    while len(targets) < links:
        targets.add(rng.randrange(pages))
    anchors = "".join(
        f'<li><a href="/en/p{t}.html{"#s1" if t % 10 == 0 else ""}">Page {t}</a></li>'
        for t in sorted(targets)
    )
    text = " ".join(rng.choice(WORDS) for _ in range(300))
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page {n}</title>'
        f'<link rel="stylesheet" href="/static/site.css"></head><body>'
        f'<nav><a href="/en/">Home</a></nav><main><h1 id="s1">Page {n}</h1><p>{text}</p>'
        f'<img src="/static/img{n % 50}.png" alt=""><ul>{anchors}</ul></main>'
        f'<footer><a href="/en/about.html">About</a></footer></body></html>'
    ).encode()


def serve(port: int, pages: int, links: int) -> None:
    from aiohttp import web

    rng = random.Random(42)
    bodies = {f"/en/p{n}.html": page_html(n, pages, links, rng) for n in range(pages)}
    bodies["/en/"] = page_html(0, pages, links, rng)
    bodies["/en/about.html"] = page_html(1, pages, links, rng)

    async def handler(request: web.Request) -> web.Response:
        body = bodies.get(request.path)
        if body is not None:
            return web.Response(body=body, content_type="text/html", charset="utf-8")
        if request.path.startswith("/static/"):
            return web.Response(body=b"x" * 200, content_type="image/png")
        return web.Response(status=404, text="not found")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(port: int) -> None:
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.1):
                return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("server did not start")


async def linkcheck_crawl(base: str, concurrency: int, per_host: int) -> tuple[int, int, float]:
    from linkcheck.checks import link_findings
    from linkcheck.config import load_config
    from linkcheck.crawl import crawl
    from linkcheck.fetch import Fetcher

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "bench.yaml"
        cfg.write_text(
            "version: 1\n"
            f"settings: {{concurrency: {concurrency}, per_host: {per_host}, rate: 1000000, "
            "retries: 0, max_pages: 1000000}\n"
            f"sites:\n  en: {{new: '{base}/en/'}}\n"
        )
        config = load_config(cfg)
    started = time.perf_counter()
    async with Fetcher(config.settings) as fetcher:
        result = await crawl(config, fetcher)
    findings = link_findings(result)
    elapsed = time.perf_counter() - started
    return result.page_count, len(result.responses), elapsed + 0 * len(findings)


async def baseline_crawl(base: str, concurrency: int) -> tuple[int, int, float]:
    """The floor: aiohttp GET + lexbor parse + urljoin, a set frontier, no politeness."""
    from urllib.parse import urljoin

    import aiohttp
    from selectolax.lexbor import LexborHTMLParser

    seen = {base + "/en/"}
    queue: asyncio.Queue[str] = asyncio.Queue()
    queue.put_nowait(base + "/en/")
    pages = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal pages
        while True:
            url = await queue.get()
            try:
                async with session.get(url) as resp:
                    body = await resp.text()
                    html = "html" in resp.content_type
                if html and url.startswith(base + "/en/"):
                    pages += 1
                    for node in LexborHTMLParser(body).css("a[href], img[src], link[href]"):
                        ref = node.attributes.get("href") or node.attributes.get("src")
                        if ref:
                            target = urljoin(url, ref).partition("#")[0]
                            if target not in seen:
                                seen.add(target)
                                queue.put_nowait(target)
            finally:
                queue.task_done()

    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        workers = [asyncio.create_task(worker(session)) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()
    return pages, len(seen), time.perf_counter() - started


def cli_run(base: str, concurrency: int, per_host: int) -> None:
    """`linkcheck check` end to end (config, crawl, checks, reports) under /usr/bin/time -v."""
    import re
    import subprocess

    with tempfile.TemporaryDirectory() as tmp:
        cfg = Path(tmp) / "bench.yaml"
        cfg.write_text(
            "version: 1\n"
            f"settings: {{concurrency: {concurrency}, per_host: {per_host}, rate: 1000000, "
            "retries: 0, max_pages: 1000000}\n"
            f"sites:\n  en: {{new: '{base}/en/'}}\n"
        )
        command = [sys.executable, "-m", "linkcheck", "check", str(cfg), "-q", "-o", tmp]
        done = subprocess.run(
            ["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False
        )
    wall = re.search(r"Elapsed \(wall clock\) time.*: (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    print(done.stdout.strip())
    took = wall.group(1) if wall else "?"
    peak = int(rss.group(1)) / 1024 if rss else 0.0
    print(
        f"linkcheck check (whole run): exit {done.returncode}, wall {took}, peak RSS {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--links", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--per-host", type=int, default=16)
    parser.add_argument("--baseline", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--cli", action="store_true")
    args = parser.parse_args()

    port = free_port()
    server = multiprocessing.Process(target=serve, args=(port, args.pages, args.links), daemon=True)
    server.start()
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        if args.cli:
            cli_run(base, args.concurrency, args.per_host)
            return
        if args.baseline:
            coro = baseline_crawl(base, args.concurrency)
            label = "baseline aiohttp+selectolax"
        else:
            coro = linkcheck_crawl(base, args.concurrency, args.per_host)
            label = "linkcheck crawl"
        profile = cProfile.Profile() if args.profile else None
        if profile:
            profile.enable()
        pages, urls, elapsed = asyncio.run(coro)
        if profile:
            profile.disable()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"{label}: {pages} pages parsed, {urls} URLs checked in {elapsed:.2f} s "
            f"= {pages / elapsed:.0f} pages/s; peak RSS {peak:.0f} MB"
        )
        if profile:
            stream = io.StringIO()
            pstats.Stats(profile, stream=stream).sort_stats("tottime").print_stats(25)
            print(stream.getvalue())
    finally:
        server.terminate()
        server.join(5)


if __name__ == "__main__":
    sys.exit(main())
