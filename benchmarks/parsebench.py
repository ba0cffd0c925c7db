"""CPU cost of the crawl's per-page work, offline: parse + link extraction + link index.

    python benchmarks/parsebench.py                      # benchmarks/out/site-10000
    python benchmarks/parsebench.py --site DIR --repeat 3
    python benchmarks/parsebench.py --profile            # cProfile of one pass, top functions

Every HTML file of a site written by benchmarks/gensite.py (generate it first:
`python benchmarks/gensite.py benchmarks/out/site-10000 --pages 10000`) is read into memory
and mapped to its URL under http://127.0.0.1:8711/. Each pass builds a fresh crawler from a
real Config and runs `_Crawler._parse` on every page (extract, then `_follow` per link: the
exact work a crawl does once a page is fetched), with no network and no event loop running.
It prints CPU seconds and pages/s (median of the passes) and a digest of what the crawl
collected (pages, anchors, link index), so two versions of the code can be shown to give
the same result as well as compared for speed.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from linkcheck import extract, urls  # noqa: E402
from linkcheck.config import load_config  # noqa: E402
from linkcheck.crawl import CrawlResult, _Crawler  # noqa: E402
from linkcheck.fetch import Fetcher  # noqa: E402

BASE = "http://127.0.0.1:8711"


def load_pages(site: Path, base: str = BASE) -> list[tuple[str, str]]:
    """(URL, text) of every HTML file, in a stable order; `x/index.html` is served as `x/`."""
    pages = []
    for file in sorted(site.rglob("*.html")):
        path = "/" + file.relative_to(site).as_posix()
        if path.endswith("/index.html"):
            path = path[: -len("index.html")]
        pages.append((base + quote(path, safe="/"), file.read_text("utf-8")))
    return pages


def clear_caches() -> None:
    """Empty the URL caches, so every pass costs what one crawl does (cold caches)."""
    for module in (extract, urls):
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def one_pass(config_path: Path, pages: list[tuple[str, str]]) -> tuple[float, CrawlResult]:
    clear_caches()
    config = load_config(config_path)
    crawler = _Crawler(config, Fetcher(config.settings), None, None, CrawlResult())
    state = crawler.states[0]
    parse = crawler._parse
    started = time.process_time()
    for url, text in pages:
        parse(url, text, state, 1)
    return time.process_time() - started, crawler.result


def digest(result: CrawlResult) -> str:
    """A hash of everything `_parse` leaves behind (order included)."""
    sha = hashlib.sha256()
    for pages in result.pages.values():
        for page in pages:
            sha.update(repr(replace(page, ids=sorted(page.ids))).encode())  # type: ignore[arg-type]
    for url, ids in result.anchors.items():
        sha.update(f"{url}{sorted(ids)}".encode())
    for url, target in result.links.items():
        sha.update(
            repr(
                (url, target.sources, target.count, target.fragments, sorted(target.elements))
            ).encode()
        )
    sha.update(repr(result.insecure).encode())
    return sha.hexdigest()[:16]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--site", type=Path, default=ROOT / "out" / "site-10000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--base", default=BASE, help=f"where the site is served ({BASE})")
    args = parser.parse_args()
    if not args.site.is_dir():
        print(
            f"no site at {args.site}: python benchmarks/gensite.py {args.site} --pages 10000",
            file=sys.stderr,
        )
        return 2
    pages = load_pages(args.site, args.base)
    with tempfile.TemporaryDirectory() as folder:
        config_path = Path(folder) / "bench.yaml"
        config_path.write_text(
            "version: 1\nsettings: {max_pages: 1000000}\n"
            f"sites:\n  bench: {{new: '{args.base}/'}}\n"
        )
        if args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            one_pass(config_path, pages)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(25)
            print(out.getvalue())
            return 0
        times = []
        digests = set()
        for _ in range(args.repeat):
            seconds, result = one_pass(config_path, pages)
            times.append(seconds)
            digests.add(digest(result))
            del result
    median = statistics.median(times)
    print(
        f"{len(pages)} pages: {median:.3f} s CPU (median of {len(times)}: "
        f"{', '.join(f'{t:.3f}' for t in times)}), {len(pages) / median:,.0f} pages/s, "
        f"digest {', '.join(sorted(digests))}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
