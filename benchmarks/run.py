"""Crawl benchmark: linkcheck side by side with lychee, LinkChecker and linkinator (issue 7).

For each size N it generates the site (benchmarks/gensite.py, cached in benchmarks/out/),
serves it with a private nginx on 127.0.0.1 (access log off, sendfile, UTF-8 names on disk),
and runs every tool on the same job at the same concurrency under `/usr/bin/time -v`:
wall time (median of the runs), pages/s, CPU, peak resident memory (the peak over time of
the RSS summed over the tool's whole process tree, sampled from /proc by proctree.py, since
linkcheck runs a parent and a fetch process), and the broken links found versus planted.
The table goes to stdout, to benchmarks/out/results.json and into benchmarks/RESULTS.md
between its markers.

    python benchmarks/run.py                      # N = 2,000 and 10,000, 3 runs, growth at 50,000
    python benchmarks/run.py --sizes 2000 --runs 1 --tools linkcheck,lychee

The machine may be shared: the load average before each run is recorded with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gensite
import peers
import proctree

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
RESULTS_MD = HERE / "RESULTS.md"
RESULTS_JSON = OUT / "results.json"
BEGIN, END = "<!-- crawl-table:begin -->", "<!-- crawl-table:end -->"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


@dataclass
class Measure:
    tool: str
    pages: int
    runs: list[float] = field(default_factory=list)
    # Peak over time of the summed RSS of the tool's process tree, per run (proctree.py).
    rss_mb: list[float] = field(default_factory=list)
    processes: list[int] = field(default_factory=list)  # processes alive at that peak
    largest_mb: list[float] = field(default_factory=list)  # GNU time: largest single process
    cpu: list[float] = field(default_factory=list)  # user + system seconds per run
    loads: list[float] = field(default_factory=list)
    found: int = 0
    planted: int = 0
    false: list[str] = field(default_factory=list)  # the first 20
    missed: list[str] = field(default_factory=list)  # the first 20
    false_count: int = 0
    fragments: str = ""
    note: str = ""
    growth_only: bool = False

    @property
    def wall(self) -> float:
        return statistics.median(self.runs) if self.runs else float("nan")


# --- the site and its server ----------------------------------------------------------------


def site_for(n: int) -> tuple[Path, dict[str, object]]:
    """The generated site for N articles, regenerated only when missing or stale."""
    folder = OUT / f"site-{n}"
    manifest = folder / "manifest.json"
    if manifest.exists():
        data: dict[str, object] = json.loads(manifest.read_text(encoding="utf-8"))
        if data.get("articles") == n:
            return folder, data
    started = time.perf_counter()
    data = gensite.generate(folder, n)
    print(f"generated {n} pages in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return folder, data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Nginx:
    """A private nginx serving one folder on 127.0.0.1, stopped on exit."""

    def __init__(self, root: Path, port: int) -> None:
        self.prefix = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
        self.port = port
        (self.prefix / "logs").mkdir()
        conf = self.prefix / "nginx.conf"
        conf.write_text(
            f"""
worker_processes 1;
user root;
pid {self.prefix}/nginx.pid;
error_log {self.prefix}/logs/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    charset utf-8;
    charset_types text/html text/css;
    client_body_temp_path {self.prefix}/body;
    proxy_temp_path {self.prefix}/proxy;
    fastcgi_temp_path {self.prefix}/fastcgi;
    uwsgi_temp_path {self.prefix}/uwsgi;
    scgi_temp_path {self.prefix}/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        # LinkChecker keeps its own per-host rate cap unless the server sends this header.
        add_header LinkChecker benchmark always;
        location / {{ }}
    }}
}}
""",
            encoding="utf-8",
        )
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.prefix), "-c", str(conf), "-g", "daemon off;"],
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx failed: {self.proc.stderr.read()!r}") from None
                time.sleep(0.05)
        raise RuntimeError("nginx did not start")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGQUIT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.prefix, ignore_errors=True)


# --- running one tool -----------------------------------------------------------------------


def run_once(
    tool: peers.Tool, job: peers.Job, measure: Measure, planted: set[str], timeout: float
) -> bool:
    """One run of one tool, added to `measure`; False when it failed (note says why)."""
    if job.workdir.exists():
        shutil.rmtree(job.workdir)
    job.workdir.mkdir(parents=True)
    job.workdir.chmod(0o755)
    measure.loads.append(os.getloadavg()[0])
    try:
        done = proctree.run_measured(tool.command(job), job.workdir / "time.txt", timeout)
    except subprocess.TimeoutExpired:
        measure.note = f"timed out after {timeout:.0f} s"
        return False
    try:
        broken = tool.parse(job, done.stdout)
    except (OSError, ValueError, KeyError) as exc:
        measure.note = f"no parsable output (exit {done.returncode}): {exc}"
        (OUT / f"{tool.name}-stderr.txt").write_text(done.stderr[-20000:])
        return False
    measure.runs.append(done.elapsed)
    measure.rss_mb.append(done.peak_mb)
    measure.processes.append(done.peak.processes)
    measure.largest_mb.append(done.largest_mb)
    measure.cpu.append(done.cpu)
    measure.found = len(broken & planted)
    measure.false = sorted(broken - planted)[:20]
    measure.false_count = len(broken - planted)
    measure.missed = sorted(planted - broken)[:20]
    if tool.name == "linkcheck":
        measure.fragments = _fragment_score(job)
    print(
        f"  {tool.name}: {done.elapsed:.1f} s, {done.cpu:.1f} s CPU, "
        f"{done.peak_mb:.0f} MB over {done.peak.processes} process(es) "
        f"(largest {done.largest_mb:.0f} MB), "
        f"broken {len(broken & planted)}/{len(planted)} (+{len(broken - planted)} false), "
        f"load {measure.loads[-1]:.1f}",
        file=sys.stderr,
    )
    return True


_FRAGMENTS: set[str] = set()


def _fragment_score(job: peers.Job) -> str:
    found = peers.linkcheck_fragments(job)
    return f"{len(found & _FRAGMENTS)}/{len(_FRAGMENTS)} (+{len(found - _FRAGMENTS)})"


# --- the report -----------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = "unknown"
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo", encoding="utf-8") as info:
        mem_kb = int(info.readline().split()[1])
    return {
        "cpus": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "os": platform.platform(),
        "python": platform.python_version(),
        "nginx": subprocess.run([NGINX, "-v"], capture_output=True, text=True).stderr.strip(),
    }


def table(n: int, measures: list[Measure], concurrency: int) -> str:
    lines = [
        f"**N = {n:,} articles** ({measures[0].pages:,} HTML pages), concurrency {concurrency}",
        "",
        "| tool | wall (median) | runs (s) | pages/s | CPU (median) | "
        "peak RSS, sum over the tool's processes (processes; largest one) | "
        "broken found / planted | false | load avg | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for m in measures:
        if not m.runs:
            lines.append(f"| {m.tool} | – | 0 | – | – | – | – | – | – | {m.note} |")
            continue
        runs = ", ".join(f"{r:.1f}" for r in m.runs)
        cpu = statistics.median(m.cpu) if m.cpu else float("nan")
        rss = _rss_cell(m)
        note = m.note
        if m.fragments:
            note = (note + "; " if note else "") + f"missing #fragments found {m.fragments}"
        lines.append(
            f"| {m.tool} | {m.wall:.1f} s | {runs} | {m.pages / m.wall:,.0f} | "
            f"{cpu:.1f} s | {rss} | {m.found}/{m.planted} | {m.false_count} | "
            f"{statistics.mean(m.loads):.1f} | {note} |"
        )
    return "\n".join(lines)


def _rss_cell(m: Measure) -> str:
    """The run with the highest summed RSS: its sum, process count and largest process."""
    at = max(range(len(m.rss_mb)), key=m.rss_mb.__getitem__)
    if at >= len(m.processes) or at >= len(m.largest_mb):  # results from before the sampler
        return f"{m.rss_mb[at]:.0f} MB (old measure: largest process only)"
    return f"{m.rss_mb[at]:.0f} MB ({m.processes[at]}; {m.largest_mb[at]:.0f} MB)"


def load_results(fresh: bool) -> dict[str, Any]:
    """Earlier results, so a partial run (one size, one tool) updates only its own rows."""
    if not fresh and RESULTS_JSON.exists():
        try:
            data: dict[str, Any] = json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
            if isinstance(data.get("sizes"), dict) and isinstance(data.get("versions"), dict):
                return data
        except ValueError:
            pass
    return {"versions": {}, "sizes": {}}


def render(results: dict[str, Any]) -> str:
    info = results["machine"]
    header = [
        f"Machine: {info['cpus']} CPUs ({info['cpu']}), {info['memory']}, {info['os']}, "
        f"Python {info['python']}, {info['nginx']}.",
        "Versions: " + "; ".join(f"{k}: {v}" for k, v in results["versions"].items()) + ".",
        f"Generated by `make bench`, last updated "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
    ]
    blocks = ["\n".join(header)]
    order = list(peers.TOOLS)
    rss_by_n: dict[int, float] = {}
    for size in sorted(results["sizes"], key=int):
        rows = results["sizes"][size]
        measures = [Measure(**rows[k]) for k in order if k in rows]
        for m in measures:
            if m.tool == "linkcheck" and m.rss_mb:
                rss_by_n[int(size)] = max(m.rss_mb)
        shown = [m for m in measures if not m.growth_only]
        if shown:
            blocks.append(table(int(size), shown, int(results["concurrency"])))
    if len(rss_by_n) >= 2:
        large = max(rss_by_n)
        small = 10000 if 10000 in rss_by_n and large != 10000 else min(rss_by_n)
        blocks.append(
            f"Memory growth, linkcheck: {rss_by_n[small]:.0f} MB at N = {small:,}, "
            f"{rss_by_n[large]:.0f} MB at N = {large:,} "
            f"(× {rss_by_n[large] / rss_by_n[small]:.2f} for × {large / small:.0f} pages)."
        )
    return "\n\n".join(blocks)


def update_results(block: str) -> None:
    """Replace the generated part of RESULTS.md, leaving the prose around it."""
    text = RESULTS_MD.read_text(encoding="utf-8") if RESULTS_MD.exists() else f"{BEGIN}\n{END}\n"
    if BEGIN not in text:
        text += f"\n{BEGIN}\n{END}\n"
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    RESULTS_MD.write_text(f"{head}{BEGIN}\n{block}\n{END}{tail}", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="2000,10000", help="comma-separated article counts")
    parser.add_argument("--tools", default=",".join(peers.TOOLS))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--slow-runs", type=int, default=1, help="runs of LinkChecker/linkinator at N >= 10,000"
    )
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--growth", type=int, default=50000, help="linkcheck alone at this N (0: skip)"
    )
    parser.add_argument("--timeout", type=float, default=1800)
    parser.add_argument("--no-update", action="store_true", help="leave RESULTS.md alone")
    parser.add_argument(
        "--fresh", action="store_true", help="forget earlier results (default: merge into them)"
    )
    args = parser.parse_args(argv)

    OUT.mkdir(exist_ok=True)
    tools = [(name, peers.TOOLS[name]) for name in args.tools.split(",") if name]
    available = [(k, t) for k, t in tools if peers.ensure(t)]
    info = machine()
    versions = {t.name: t.version() for _k, t in available}
    print(json.dumps({"machine": info, "versions": versions}, indent=1), file=sys.stderr)

    sizes = [int(s) for s in args.sizes.split(",") if s]
    results = load_results(args.fresh)
    results["machine"] = info
    results["versions"].update(versions)
    results["concurrency"] = args.concurrency
    for n in sizes + ([args.growth] if args.growth and args.growth not in sizes else []):
        growth_only = n not in sizes
        folder, manifest = site_for(n)
        pages = [str(p) for p in manifest["pages"]]  # type: ignore[union-attr]
        planted = {unquote(str(b["url"])) for b in manifest["broken"]}  # type: ignore[index,union-attr]
        _FRAGMENTS.clear()
        _FRAGMENTS.update(unquote(str(f["url"])) for f in manifest["missing_fragments"])  # type: ignore[index,union-attr]
        server = Nginx(folder, free_port())
        try:
            # Round-robin (one run of each tool, then again) so that a burst of load on the
            # shared machine falls on every tool alike rather than on one.
            plan = []
            for key, tool in available:
                if growth_only and key != "linkcheck":
                    continue
                runs = args.slow_runs if tool.slow and n >= 10000 else args.runs
                runs = 1 if growth_only else runs
                job = peers.Job(
                    f"http://127.0.0.1:{server.port}/", pages, OUT / "work" / key, args.concurrency
                )
                measure = Measure(tool.name, len(pages), planted=len(planted))
                measure.growth_only = growth_only
                if runs < args.runs:
                    measure.note = f"{runs} run(s) only: slow"
                plan.append((key, tool, job, measure, runs))
            for round_ in range(max((p[4] for p in plan), default=0)):
                print(f"N={n}: round {round_ + 1}", file=sys.stderr)
                for _key, tool, job, measure, runs in plan:
                    if round_ < runs and (round_ == 0 or measure.runs):
                        run_once(tool, job, measure, planted, args.timeout)
            for key, _tool, _job, measure, _runs in plan:
                results["sizes"].setdefault(str(n), {})[key] = asdict(measure)
        finally:
            server.stop()
        RESULTS_JSON.write_text(json.dumps(results, indent=1, ensure_ascii=False))
    block = render(results)
    print(block)
    if not args.no_update:
        update_results(block)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
