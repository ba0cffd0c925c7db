"""End to end: `linkcheck check` through `cli.main` against a small two-language site."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from support.websites import Page, ServerFactory, Site, html, serve

from linkcheck import cli

REPORT_KEYS = {"tool", "run", "summary", "sites", "findings", "pairs", "redirects"}
SUMMARY_KEYS = {"pages", "links", "pairs", "redirects", "errors", "warnings", "infos", "accepted"}
FINDING_KEYS = {"code", "severity", "url", "message", "source", "details"}


def two_languages(broken: bool = False) -> dict[str, Page]:
    en_links = ["a.html", "/fr/", "/fr/b.html#part"] + (["missing.html"] if broken else [])
    return {
        "/en/": html(*en_links, title="Home"),
        "/en/a.html": html("/en/", title="A"),
        "/fr/": html("b.html", "/en/", title="Accueil"),
        "/fr/b.html": html("/fr/", title="B", extra='<h2 id="part">Partie</h2>'),
    }


def write_cfg(tmp_path: Path, site: Site, settings: str = "") -> Path:
    path = tmp_path / "cfg.yaml"
    path.write_text(
        "version: 1\n"
        f"settings: {{retries: 0, rate: 1000{', ' + settings if settings else ''}}}\n"
        "sites:\n"
        f"  en: {{new: '{site.url('/en/')}'}}\n"
        f"  fr: {{new: '{site.url('/fr/')}'}}\n",
        encoding="utf-8",
    )
    return path


async def run_cli(*argv: str) -> int:
    """`cli.main` in a worker thread: it runs its own event loop, the server runs in ours."""
    return await asyncio.to_thread(cli.main, list(argv))


def load_report(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return data


async def test_a_healthy_site_exits_0_with_a_complete_report(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    site = await serve(aiohttp_server, two_languages())
    out = tmp_path / "out"
    code = await run_cli("check", str(write_cfg(tmp_path, site)), "--output", str(out), "-q")
    assert code == 0
    report = load_report(out)
    assert set(report) >= REPORT_KEYS
    assert set(report["summary"]) >= SUMMARY_KEYS
    assert report["tool"]["name"] == "linkcheck"
    assert report["run"]["partial"] is False
    assert report["summary"]["pages"] == 4
    assert report["summary"]["links"] == 4
    assert report["summary"]["pairs"] == len(report["pairs"]) == 0
    assert [(s["name"], s["coverage"]) for s in report["sites"]] == [("en", None), ("fr", None)]
    assert report["findings"] == []


async def test_a_broken_link_exits_1_and_is_reported_once(
    aiohttp_server: ServerFactory, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = await serve(aiohttp_server, two_languages(broken=True))
    out = tmp_path / "out"
    code = await run_cli("check", str(write_cfg(tmp_path, site)), "-o", str(out), "--no-progress")
    assert code == 1
    report = load_report(out)
    [finding] = report["findings"]
    assert set(finding) == FINDING_KEYS
    assert finding["code"] == "C100" and finding["url"] == site.url("/en/missing.html")
    assert finding["details"]["sources"] == [site.url("/en/")]
    assert report["summary"]["errors"] == 1
    stdout = capsys.readouterr().out
    assert "C100" in stdout and "report:" in stdout


@pytest.mark.parametrize(
    ("settings", "argv", "expected"),
    [
        ("", ["--fail-on", "never"], 0),
        ("ignore: [C100]", [], 0),
        ("accept: [{code: C100, url: '*missing*', until: 2999-01-01, why: later}]", [], 0),
        ("accept: [{code: C100, url: '*missing*', until: 2000-01-01, why: late}]", [], 1),
        ("severity: {C100: warning}", [], 0),
        ("severity: {C100: warning}", ["--fail-on", "warning"], 1),
    ],
    ids=["fail-on-never", "ignored", "accepted", "acceptance-expired", "downgraded", "warning"],
)
async def test_policy_decides_the_exit_code(
    aiohttp_server: ServerFactory, tmp_path: Path, settings: str, argv: list[str], expected: int
) -> None:
    site = await serve(aiohttp_server, two_languages(broken=True))
    out = tmp_path / "out"
    cfg = write_cfg(tmp_path, site, settings)
    assert await run_cli("check", str(cfg), "-o", str(out), "-q", *argv) == expected
    findings = load_report(out)["findings"]
    if "expired" in str(findings):
        assert "acceptance expired" in findings[0]["message"]
    if "2999" in settings:
        assert findings[0]["details"]["accepted"] == {"why": "later", "until": "2999-01-01"}
        assert load_report(out)["summary"]["accepted"] == 1


def test_a_yaml_syntax_error_exits_2_naming_file_line_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "bad.yaml"
    cfg.write_text("version: 1\nsites:\n  en: {new: [unclosed\n", encoding="utf-8")
    assert cli.main(["check", str(cfg), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert f"{cfg}:4:1" in err or f"{cfg}:3:" in err, err


def test_an_unknown_site_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/en/'}\n")
    assert cli.main(["check", str(cfg), "--site", "xx", "-o", str(tmp_path / "o")]) == 2
    assert "xx" in capsys.readouterr().err


def test_offline_makes_no_request_and_reports_config_problems(tmp_path: Path) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/en/'}\n"
        "redirects:\n  - {from: 'http://127.0.0.1:9/a', to: 'http://127.0.0.1:9/b', status: 310}\n"
    )
    out = tmp_path / "out"
    assert cli.main(["check", str(cfg), "--offline", "-q", "-o", str(out)]) == 1
    report = load_report(out)
    assert [f["code"] for f in report["findings"]] == ["R300"]
    assert report["summary"]["pages"] == 0


async def test_sigterm_writes_a_partial_report_and_exits_143(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    hits: list[str] = []

    async def handler(request: web.Request) -> web.Response:
        hits.append(request.path)
        if request.path != "/en/":
            await asyncio.sleep(60)
        return web.Response(text='<a href="/en/slow">s</a>', content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = await aiohttp_server(app)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {timeout: 90}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n"
    )
    out = tmp_path / "out"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "linkcheck", "check", str(cfg), "-o", str(out), "-q"
    )
    for _ in range(600):
        if "/en/slow" in hits:
            break
        await asyncio.sleep(0.05)
    process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(process.wait(), 30) == 143
    report = load_report(out)
    assert report["run"]["partial"] is True
    assert report["summary"]["pages"] == 1
