"""The floor: a bare aiohttp + selectolax (lexbor) crawler, no findings, no politeness.

`python benchmarks/baseline.py URL [--concurrency 32] [--uvloop]` crawls every page under URL,
checks every href/src once (GET for pages under URL, HEAD-less GET for the rest), and prints
the broken URLs as JSON. It is what linkcheck's crawl costs without any of its features, so
the gap between the two is what those features cost; the benchmark shows it as a reference
line, not as a peer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import aiohttp
from selectolax.lexbor import LexborHTMLParser


def _links(html: str, base: str) -> list[str]:
    tree = LexborHTMLParser(html)
    out = []
    for node in tree.css("a[href], link[href], img[src], script[src]"):
        value = node.attributes.get("href") or node.attributes.get("src")
        if value:
            parts = urlsplit(urljoin(base, value))
            path = quote(parts.path, safe="/%:@!$&'()*+,;=~")  # raw UTF-8 and %-encoded: one URL
            out.append(urlunsplit((parts.scheme, parts.netloc, path, parts.query, "")))
    return out


async def crawl(root: str, concurrency: int) -> list[str]:
    seen = {root}
    queue: asyncio.Queue[str] = asyncio.Queue()
    queue.put_nowait(root)
    broken: list[str] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            while True:
                url = await queue.get()
                try:
                    async with session.get(url) as response:
                        if response.status >= 400:
                            broken.append(url)
                            continue
                        if url.startswith(root) and response.content_type == "text/html":
                            text = await response.text()
                            for link in _links(text, url):
                                if link not in seen and link.startswith(root):
                                    seen.add(link)
                                    queue.put_nowait(link)
                        else:
                            await response.read()
                except aiohttp.ClientError:
                    broken.append(url)
                finally:
                    queue.task_done()

        workers = [asyncio.create_task(worker()) for _ in range(concurrency)]
        await queue.join()
        for task in workers:
            task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)
    print(f"{len(seen)} URLs", file=sys.stderr)
    return broken


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    if args.uvloop:
        import uvloop

        broken = uvloop.run(crawl(args.url, args.concurrency))
    else:
        broken = asyncio.run(crawl(args.url, args.concurrency))
    print(json.dumps(sorted(broken)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
