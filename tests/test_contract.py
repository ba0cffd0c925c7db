"""The user-facing contracts of DESIGN.md §2, §4 "Precise semantics" and §5, end to end
through the real command line: report.json's shape and types, which URL each family of codes
carries, the summary's counts, exit codes (signals included), and where output goes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from support.websites import Page, ServerFactory, html, serve

from linkcheck import __version__, cli
from linkcheck.findings import CATALOGUE

FILE_LINE = re.compile(r"^.+:\d+$")


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _optional(value: Any, check: Any) -> bool:
    return value is None or check(value)


def check_report(report: dict[str, Any]) -> None:
    """Assert every §5 key, type and count invariant of one report.json."""
    assert set(report) >= {"tool", "run", "summary", "sites", "findings", "pairs", "redirects"}
    assert report["tool"] == {"name": "linkcheck", "version": __version__} | {
        k: v for k, v in report["tool"].items() if k not in ("name", "version")
    }
    run = report["run"]
    for key in ("started", "finished"):
        assert dt.datetime.fromisoformat(run[key]).tzinfo is not None, run[key]
    assert isinstance(run["config"], str) and isinstance(run["partial"], bool)

    summary = report["summary"]
    keys = ("pages", "links", "pairs", "redirects", "errors", "warnings", "infos", "accepted")
    assert all(_is_int(summary[k]) and summary[k] >= 0 for k in keys), summary
    assert summary["pairs"] == len(report["pairs"])
    assert summary["redirects"] == len(report["redirects"])
    accepted = [f for f in report["findings"] if f["details"].get("accepted")]
    assert summary["accepted"] == len(accepted)
    for severity, key in (("error", "errors"), ("warning", "warnings"), ("info", "infos")):
        counted = [
            f
            for f in report["findings"]
            if f["severity"] == severity and not f["details"].get("accepted")
        ]
        assert summary[key] == len(counted), key

    for site in report["sites"]:
        assert isinstance(site["name"], str)
        assert _is_int(site["upgraded"]) and _is_int(site["healthy_pairs"])
        assert _optional(site["coverage"], lambda c: isinstance(c, float) and 0 <= c <= 1)

    upgraded = {p["upgraded"] for p in report["pairs"]}
    seen: set[tuple[str, str, str | None]] = set()
    for finding in report["findings"]:
        assert set(finding) >= {"code", "severity", "url", "message", "source", "details"}
        code, url, source, details = (
            finding["code"],
            finding["url"],
            finding["source"],
            finding["details"],
        )
        assert code in CATALOGUE and finding["severity"] in ("error", "warning", "info")
        assert isinstance(url, str) and url and isinstance(finding["message"], str)
        assert _optional(source, lambda s: isinstance(s, str)) and isinstance(details, dict)
        key = (code, url, source)
        assert key not in seen, f"{key} appears twice"
        seen.add(key)
        family = code[0]
        if family == "C" and code not in ("C105", "C106"):
            assert isinstance(details["sources"], list), finding  # referring pages
            assert url.startswith(("http://", "https://")), finding
        if family == "L":
            assert "legacy" in details and url in upgraded, finding
        if family == "H":
            assert "alternate" in details, finding
        if family in "RV":
            assert source is not None and FILE_LINE.match(source), finding
        if code in ("R301", "R302"):
            assert _is_int(details["first"]), finding

    for pair in report["pairs"]:
        assert isinstance(pair["site"], str) and isinstance(pair["upgraded"], str)
        assert _optional(pair["legacy"], lambda v: isinstance(v, str))
        assert _optional(pair["status"], _is_int)
        assert _optional(pair["similarity"], _is_number)

    for entry in report["redirects"]:
        assert isinstance(entry["from"], str) and _optional(
            entry["to"], lambda v: isinstance(v, str)
        )
        assert _is_int(entry["status"]) and _is_int(entry["line"])
        live = entry["live"]
        if entry.get("valid") is False:
            assert live is None, entry
        if live is not None:
            assert _optional(live["status"], _is_int)
            assert _optional(live["location"], lambda v: isinstance(v, str))
            assert isinstance(live["hops"], list) and all(isinstance(h, str) for h in live["hops"])
            assert _optional(live["final_status"], _is_int)


def load(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


async def run_cli(*argv: str) -> int:
    return await asyncio.to_thread(cli.main, list(argv))


def test_the_demo_report_keeps_the_contract(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert cli.main(["demo", "-o", str(out), "-q", "--format", "html,json,junit,md,sarif"]) == 0
    report = load(out)
    check_report(report)
    assert {f["code"][0] for f in report["findings"]} >= {"C", "L"}
    assert report["summary"]["pairs"] > 30 and report["summary"]["redirects"] > 0
    for name in ("index.html", "report.json", "junit.xml", "summary.md", "report.sarif"):
        assert (out / name).is_file(), name


async def test_a_map_site_and_alternates_keep_the_contract(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """R, V and H findings, invalid entries (live null) and
    links counted once per target."""
    pages = {
        "/en/": html("a.html", "a.html", "a.html#x", "/en/missing", "/old", extra="<p id=x>"),
        "/en/a.html": Page(
            '<html><head><link rel="alternate" hreflang="fr" href="/fr/none"></head></html>'
        ),
        "/old": Page(status=301, location="/en/a.html"),
        "/gone": Page(status=404),
    }
    site = await serve(aiohttp_server, pages)
    cfg = tmp_path / "map.yaml"
    cfg.write_text(
        "version: 1\nsettings: {retries: 0, rate: 1000}\n"
        f"sites:\n  en: {{new: '{site.url('/en/')}'}}\n"
        f"defaults: {{origin: '{site.origin}'}}\n"
        "redirects:\n"
        "  - {from: /old, to: /en/a.html}\n"
        "  - {from: /old, to: /en/other.html}\n"
        "  - {from: /bad, to: /x, status: 301abc}\n"
        "  - {from: '/semi;colon', to: /x}\n"
        "  - {from: /gone, status: 410}\n"
        "  - {from: /en/a.html, to: /en/}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert await run_cli("check", str(cfg), "-o", str(out), "-q") == 1
    report = load(out)
    check_report(report)
    codes = {f["code"] for f in report["findings"]}
    assert {"C100", "R300", "R302", "R307", "V400", "V406", "H501"} <= codes, codes
    assert len(report["redirects"]) == 6
    # R300 and R307 entries are listed, never checked live (R302 is checked: it is valid)
    unchecked = [r["live"] is None for r in report["redirects"]]
    assert unchecked == [False, False, True, True, False, False]
    # /en/a.html (three occurrences, one with a fragment), /en/missing, /old, /fr/none; the
    # seed /en/ is fetched but nothing links to it
    assert report["summary"]["links"] == 4
    assert sum(s["links"] for s in report["sites"]) == 4


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
async def test_an_interrupted_check_writes_partial_reports_and_exits_130_or_143(
    aiohttp_server: ServerFactory, tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    requested = asyncio.Event()

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/robots.txt":
            raise web.HTTPNotFound()
        if request.path != "/en/":
            requested.set()
            await asyncio.sleep(60)
        return web.Response(text='<a href="/en/slow">s</a>', content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = await aiohttp_server(app)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {timeout: 90, retries: 0}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n"
        "redirects:\n  - {from: '" + str(server.make_url("/a")) + "', to: /b}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "linkcheck", "check", str(cfg), "-o", str(out), "--no-progress"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    await asyncio.wait_for(requested.wait(), 60)
    process.send_signal(signum)
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == code, stderr
    assert b"Traceback" not in stderr
    assert b"partial" in stdout
    report = load(out)
    check_report(report)
    assert report["run"]["partial"] is True and report["summary"]["pages"] == 1
    for name in ("index.html", "junit.xml", "summary.md"):
        assert (out / name).is_file()


async def test_quiet_prints_nothing_on_stderr_and_the_summary_on_stdout(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    site = await serve(aiohttp_server, {"/en/": html("/en/missing")})
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"version: 1\nsites:\n  en: {{new: '{site.url('/en/')}'}}\n")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "linkcheck", "check", str(cfg), "-o", str(tmp_path / "o"), "--quiet"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 1
    assert stderr == b""
    assert b"1 errors" in stdout and b"report:" in stdout


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["--fail-on", "error"], 1),
        (["--fail-on", "warning"], 1),
        (["--fail-on", "never"], 0),
        (["--site", "nope"], 2),
        (["--format", "xml"], 2),
        (["--max-pages", "0"], 2),
        (["--bogus"], 2),
    ],
)
def test_exit_codes_of_check(tmp_path: Path, argv: list[str], code: int) -> None:
    """Findings decide 0/1 by --fail-on; usage errors exit 2 (argparse through SystemExit)."""
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/en/'}\n"
        "redirects:\n  - {from: 'http://127.0.0.1:9/a', to: 'http://127.0.0.1:9/b', status: 310}\n"
    )
    try:
        result = cli.main(["check", str(cfg), "--offline", "-q", "-o", str(tmp_path / "o"), *argv])
    except SystemExit as exc:
        result = exc.code
    assert result == code


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_explain_knows_every_code(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["explain", code.lower()]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{code} (") and len(out) > 80


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"linkcheck {__version__}"


@pytest.mark.parametrize(
    "argv",
    [
        ["nginx", "{map}", "-o", "{map}"],
        ["nginx", "{map}", "--force", "-o", "{part}"],
        ["export", "{map}", "--format", "csv", "-o", "{map}"],
        ["export", "{map}", "--format", "netlify", "-o", "{part}"],
        ["import", "{csv}", "-o", "{csv}", "--force"],
    ],
    ids=["nginx-map", "nginx-include", "export-map", "export-include", "import-input"],
)
def test_an_output_never_overwrites_a_file_it_reads(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    """`linkcheck nginx map.yaml -o map.yaml` used to replace the map with nginx rules."""
    files = {
        "map": (
            "map.yaml",
            "version: 1\ndefaults: {origin: 'https://h.example'}\n"
            "include: [part.yaml]\nredirects:\n  - {from: /a, to: /b}\n",
        ),
        "part": ("part.yaml", "redirects:\n  - {from: /c, to: /d}\n"),
        "csv": ("list.csv", "from,to\n/a,/b\n"),
    }
    for name, text in files.values():
        (tmp_path / name).write_text(text, encoding="utf-8")
    names = {key: str(tmp_path / name) for key, (name, _) in files.items()}
    assert cli.main([arg.format(**names) for arg in argv]) == 2
    assert "choose another output" in capsys.readouterr().err
    for name, text in files.values():
        assert (tmp_path / name).read_text(encoding="utf-8") == text
