"""Static validation of a large redirect map: time, peak memory, planted problems found.

Generates maps of N rules (default 10,000 and 100,000) in the one-line flow style webmasters
write, with planted duplicates (R301), conflicts (R302), chains (R303) and loops (R304), a
few regex rules with examples, and Greek paths written raw and percent-encoded. Each map is
validated by the real command (`linkcheck validate --format json`) in a child process; the
script asserts that exactly the planted findings come out and prints wall time and peak RSS.

    python benchmarks/mapbench.py            # 10k and 100k
    python benchmarks/mapbench.py 20000 50000 --keep /tmp/maps
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

HEADER = """\
version: 1
sites:
  en: {new: 'https://inter.example.org/en/', legacy: 'https://old.example.org/en/'}
  fr: {new: 'https://inter.example.org/fr/', legacy: 'https://old.example.org/fr/'}
  el: {new: 'https://inter.example.org/el/', legacy: 'https://old.example.org/el/'}
defaults: {status: 301, origin: 'https://inter.example.org'}
redirects:
"""


def generate(n: int) -> tuple[str, Counter[tuple[str, int]]]:
    """The map text and the planted findings as (code, line) counts."""
    lines = HEADER.splitlines()
    planted: Counter[tuple[str, int]] = Counter()
    k = max(1, n // 1000)  # planted problems of each kind
    base = n - 6 * k - 2

    def add(text: str) -> int:
        lines.append(text)
        return len(lines)

    for i in range(base):
        kind = i % 20
        if kind == 0:  # Greek, raw
            add(f"  - {{from: /el/Νέα/άρθρο-{i}.html, to: /el/άρθρα/άρθρο-{i}/}}")
        elif kind == 1:  # Greek, percent-encoded
            slug = quote(f"άρθρο-{i}")
            add(f"  - {{from: /el/{quote('Νέα')}/{slug}.html, to: /el/{slug}/}}")
        elif kind == 2:
            add(f"  - {{from: /fr/Actualites/{i}.html, to: /fr/articles/a-{i}/, status: 302}}")
        else:
            add(f"  - {{from: /en/News/{i:06d}/page-{i}.html, to: /en/articles/page-{i}/}}")
    step = max(1, base // 20 // (k + 1))  # spread over the map, English entries only
    for j in range(k):  # duplicates: an entry repeated later
        i = 20 * j * step + 5
        line = add(f"  - {{from: /en/News/{i:06d}/page-{i}.html, to: /en/articles/page-{i}/}}")
        planted["R301", line] += 1
    for j in range(k):  # conflicts: same source, another target
        i = 20 * j * step + 7
        line = add(f"  - {{from: /en/News/{i:06d}/page-{i}.html, to: /en/articles/other-{i}/}}")
        planted["R302", line] += 1
    for j in range(k):  # chains: a -> b -> final
        line = add(f"  - {{from: /en/chain/{j}/a.html, to: /en/chain/{j}/b.html}}")
        planted["R303", line] += 1
        add(f"  - {{from: /en/chain/{j}/b.html, to: /en/articles/chain-{j}/}}")
    for j in range(k):  # loops: x -> y -> x, reported once
        line = add(f"  - {{from: /en/loop/{j}/x.html, to: /en/loop/{j}/y.html}}")
        planted["R304", line] += 1
        add(f"  - {{from: /en/loop/{j}/y.html, to: /en/loop/{j}/x.html}}")
    lines.append(r"  - {from: '^/en/archive/(\d{4})/(.+)\.html$', to: '/en/articles/$2/',")
    lines.append(
        "     regex: true, examples: [{from: /en/archive/2018/x.html, to: /en/articles/x/}]}"
    )
    lines.append(r"  - {from: '^/fr/archives/(.+)\.html$', to: '/fr/articles/$1/', regex: true}")
    return "\n".join(lines) + "\n", planted


def run(path: Path) -> tuple[float, float, float, list[dict[str, object]]]:
    """Validate in a child process: (wall seconds, CPU seconds, peak RSS MiB, findings).

    CPU time is shown beside wall time because the machine is shared: wall time includes
    waiting for a core, CPU time is what the run itself costs.
    """
    exe = Path(sys.executable).with_name("linkcheck")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "linkcheck"]
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    start = time.perf_counter()
    done = subprocess.run(
        [*command, "validate", str(path), "--format", "json", "--fail-on", "never"],
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    peak, cpu = usage.ru_maxrss, usage.ru_utime + usage.ru_stime - cpu_before
    if done.returncode != 0:
        raise SystemExit(f"validate exited {done.returncode}: {done.stderr.strip()}")
    findings = json.loads(done.stdout)["findings"]
    return wall, cpu, max(peak, before) / 1024, findings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[10_000, 100_000])
    parser.add_argument("--keep", metavar="DIR", help="write the maps here and keep them")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (best is shown)")
    args = parser.parse_args()
    folder = Path(args.keep or tempfile.mkdtemp(prefix="mapbench-"))
    folder.mkdir(parents=True, exist_ok=True)
    results = []
    for n in args.sizes:
        text, planted = generate(n)
        path = folder / f"redirects-{n}.yaml"
        path.write_text(text, encoding="utf-8")
        best = best_cpu = float("inf")
        peak = 0.0
        for _ in range(args.repeat):
            wall, cpu, rss, findings = run(path)
            best, best_cpu, peak = min(best, wall), min(best_cpu, cpu), max(peak, rss)
        found = Counter((f["code"], int(str(f["source"]).rsplit(":", 1)[1])) for f in findings)
        missing, extra = planted - found, found - planted
        status = "ok" if not missing and not extra else "MISMATCH"
        print(
            f"{n:>8} rules  wall {best:5.2f} s  cpu {best_cpu:5.2f} s  peak {peak:6.1f} MiB  "
            f"planted {sum(planted.values())}  found {sum(found.values())}  {status}"
        )
        if missing or extra:
            print(f"  missing: {sorted(missing)[:10]}\n  extra: {sorted(extra)[:10]}")
            return 1
        results.append((n, best, best_cpu))
    if len(results) >= 2:
        (n1, t1, c1), (n2, t2, c2) = results[0], results[-1]
        print(f"growth {n1}->{n2}: x{n2 / n1:.0f} rules, x{t2 / t1:.1f} wall, x{c2 / c1:.1f} cpu")
    if not args.keep:
        for file in folder.iterdir():
            file.unlink()
        os.rmdir(folder)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
