"""How big and how fast is the HTML report with many findings?

Builds a realistic report (default 50,000 findings over three sites, 5,000 pairs, 10,000
redirects), times `render_html`, reports the file size, then (when Debian's chromium is
installed) opens the file in headless Chromium and times: load until the page is ready,
opening the findings table, a severity filter, a text search and a sort.

    .venv/bin/python benchmarks/reportbench.py [--findings 50000] [--no-browser]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linkcheck.findings import CATALOGUE, Finding, make_finding  # noqa: E402
from linkcheck.report import (  # noqa: E402
    LiveRedirect,
    PairRecord,
    RedirectRecord,
    Report,
    RunSummary,
    SiteSummary,
)
from linkcheck.report.html import write_html  # noqa: E402

SITES = [
    ("en", "https://inter.example.org/en/", "https://old.example.org/en/"),
    ("fr", "https://fr.example.org/fr/", "https://old.example.org/fr/"),
    ("el", "https://el.example.org/el/", "https://old.example.org/el/"),
]
CODES = [c for c in CATALOGUE if c[0] in "CLHV"]


def _finding(rng: random.Random, i: int) -> Finding:
    new = SITES[i % len(SITES)][1]
    code = rng.choice(CODES)
    url = f"{new}articles/{rng.choice(['news', 'events', 'αρχείο', 'press'])}/item-{i}/"
    sources = [f"{new}articles/page-{rng.randrange(5000)}/" for _ in range(rng.randrange(1, 6))]
    return make_finding(
        code,
        url,
        f"{CATALOGUE[code].title}: answer {rng.choice([404, 410, 500, 503, 301])} for item {i}",
        source=sources[0],
        sources=sources,
    )


def build_report(count: int, seed: int = 7) -> Report:
    rng = random.Random(seed)
    findings = [_finding(rng, i) for i in range(count)]
    findings += [
        make_finding(
            "R303",
            f"https://inter.example.org/en/News/{i}.html",
            "chain",
            source=f"redirects.yaml:{i}",
        )
        for i in range(count // 50)
    ]
    pairs = tuple(
        PairRecord(
            SITES[i % 3][0],
            f"{SITES[i % 3][1]}articles/item-{i}/",
            f"{SITES[i % 3][2]}News/item-{i}.html",
            rng.choice([200, 200, 200, 404]),
            round(rng.random(), 2),
            rng.random() > 0.1,
        )
        for i in range(5000)
    )
    redirects = tuple(
        RedirectRecord(
            f"https://inter.example.org/en/News/{i}.html",
            f"https://inter.example.org/en/articles/{i}/",
            301,
            i + 10,
            "redirects.yaml",
            True,
            LiveRedirect(
                301,
                f"https://inter.example.org/en/articles/{i}/",
                (f"https://inter.example.org/en/articles/{i}/",),
                200,
            ),
            True,
        )
        for i in range(10_000)
    )
    return Report(
        version="bench",
        started="2026-11-27T22:00:00+00:00",
        finished="2026-11-27T23:10:00+00:00",
        config="redirects.yaml",
        partial=False,
        pages=60_000,
        links=400_000,
        findings=tuple(findings),
        pairs=pairs,
        redirects=redirects,
        sites=tuple(
            SiteSummary(n, 1666, 1500, 0.9, 20_000, 130_000, new=a, legacy=b) for n, a, b in SITES
        ),
        stats={
            "status": {"200": 350_000, "301": 30_000, "404": 9000, "timeout": 40},
            "times": [rng.lognormvariate(-2.5, 1.0) for _ in range(50_000)],
        },
        new=tuple(findings[:300]),
        fixed=tuple(findings[-200:]),
        history=tuple(
            RunSummary(f"2026-10-{d:02d}T22:00:00", 900 + d, 2000 - d, 10) for d in range(1, 31)
        ),
        previous="2026-11-26T22:00:00+00:00",
    )


def _browser(path: Path) -> dict[str, Any]:
    from playwright.sync_api import expect, sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
    out: dict[str, Any] = {}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=args)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        t0 = time.perf_counter()
        page.goto(path.as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        out["open_wall_s"] = time.perf_counter() - t0
        out["ready_in_page_ms"] = int(page.get_attribute("body", "data-ready-ms") or 0)
        out["findings_tab_ms"] = page.evaluate(
            "() => { const t = performance.now();"
            " document.querySelector('button[data-tab=findings]').click();"
            " return performance.now() - t; }"
        )
        out["severity_filter_ms"] = page.evaluate(
            "() => { const s = document.getElementById('f-severity'); const t = performance.now();"
            " s.value = 'error'; s.dispatchEvent(new Event('change'));"
            " return performance.now() - t; }"
        )
        out["search_ms"] = page.evaluate(
            "() => { const q = document.getElementById('f-search'); q.value = 'item-4242';"
            " const s = document.getElementById('f-severity'); const t = performance.now();"
            " s.value = ''; s.dispatchEvent(new Event('change'));"
            " return performance.now() - t; }"
        )
        out["search_rows"] = int(page.get_attribute("#findings .pager", "data-count") or -1)
        page.evaluate(
            "() => { document.getElementById('f-search').value = '';"
            " document.getElementById('f-severity').dispatchEvent(new Event('change')); }"
        )
        out["sort_ms"] = page.evaluate(
            "() => { const h = document.querySelector('#findings th:nth-child(4)');"
            " const t = performance.now(); h.click(); return performance.now() - t; }"
        )
        t1 = time.perf_counter()
        page.fill("#f-search", "αρχείο")
        expect(page.locator("#findings .pager").first).not_to_have_attribute(
            "data-count", str(out["search_rows"])
        )
        out["typed_search_wall_s"] = time.perf_counter() - t1
        browser.close()
    return out


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=50_000)
    parser.add_argument("--no-browser", action="store_true")
    args = parser.parse_args()
    report = build_report(args.findings)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.html"
        t0 = time.perf_counter()
        write_html(report, path)
        render = time.perf_counter() - t0
        size = path.stat().st_size
        print(
            f"findings: {len(report.findings):,}  pairs: {len(report.pairs):,}  "
            f"redirects: {len(report.redirects):,}"
        )
        print(f"render_html + write: {render:.2f} s   file size: {size / 1e6:.1f} MB")
        if args.no_browser or not (shutil.which("chromium") or Path("/usr/bin/chromium").exists()):
            print("browser: skipped")
            return 0
        for key, value in _browser(path).items():
            print(
                f"browser {key}: {value:.3f}"
                if isinstance(value, float)
                else f"browser {key}: {value}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
