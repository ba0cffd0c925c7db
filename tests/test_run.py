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
        accepted = findings[0]["details"]["accepted"]
        assert (accepted["why"], accepted["until"]) == ("later", "2999-01-01")
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
        if request.path not in ("/en/", "/robots.txt"):  # robots.txt is asked first
            await asyncio.sleep(60)
        return web.Response(text='<a href="/en/slow">s</a>', content_type="text/html")

    app = web.Application()
    app.router.add_get("/{tail:.*}", handler)
    server = await aiohttp_server(app)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(
        "version: 1\nsettings: {timeout: 90}\n"
        f"sites:\n  en: {{new: '{server.make_url('/en/')}'}}\n"
        f"redirects:\n  - {{from: '{server.make_url('/a')}', to: '{server.make_url('/b')}'}}\n"
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
    # The map is listed even though verification never ran.
    assert [(r["from"], r["live"]) for r in report["redirects"]] == [
        (str(server.make_url("/a")), None)
    ]


class TestProgressDisplay:
    def _progress(self, pages: int) -> Any:
        from linkcheck.crawl import CrawlProgress

        return CrawlProgress(pages=pages, checked=pages * 2, queued=5, errors=1, elapsed=2.0)

    def test_plain_lines_off_a_terminal_are_throttled(self) -> None:
        import io

        stream = io.StringIO()
        display = cli.ProgressDisplay(stream, live=False, every=3600)
        display.update(self._progress(10))  # within the first period: not shown
        display.close()
        assert stream.getvalue() == ""
        display = cli.ProgressDisplay(stream, live=False, every=0)
        display.update(self._progress(10))
        assert stream.getvalue() == (
            "crawl: 10 pages, 20 URLs checked, 5 queued, 1 failing, 2 s (5 pages/s)\n"
        )

    def test_a_live_line_on_a_terminal_is_rewritten_and_cleared(self) -> None:
        import io

        stream = io.StringIO()
        display = cli.ProgressDisplay(stream, live=True)
        display.update(self._progress(10))
        display.close()
        assert stream.getvalue().startswith("\r\x1b[2Kcrawl: 10 pages")
        assert stream.getvalue().endswith("\r\x1b[2K")

    def test_quiet_and_no_progress_show_nothing(self) -> None:
        import argparse

        for flags in ({"quiet": True, "no_progress": False}, {"quiet": False, "no_progress": True}):
            assert cli.ProgressDisplay.for_args(argparse.Namespace(**flags)) is None


def test_an_unwritable_output_folder_exits_2_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/en/'}\n")
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert cli.main(["check", str(cfg), "--offline", "-q", "-o", str(blocker / "out")]) == 2
    assert "cannot write the reports" in capsys.readouterr().err


def test_a_failing_stage_still_writes_a_partial_report_and_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bug in a stage is reported in one line, never a traceback, and never exits 0."""
    import linkcheck.run

    async def broken_crawl(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("stage bug")

    monkeypatch.setattr(linkcheck.run, "crawl", broken_crawl)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("version: 1\nsites:\n  en: {new: 'http://127.0.0.1:9/en/'}\n")
    out = tmp_path / "out"
    assert cli.main(["check", str(cfg), "-q", "-o", str(out)]) == 1
    assert "internal error" in capsys.readouterr().err
    report = load_report(out)
    assert report["run"]["partial"] is True


class TestPolicy:
    """apply_policy: pure, over findings and settings."""

    @staticmethod
    def _settings(text: str, tmp_path: Path) -> Any:
        from linkcheck.config import load_config

        cfg = tmp_path / "p.yaml"
        cfg.write_text(f"version: 1\nsettings: {text}\n", encoding="utf-8")
        return load_config(cfg).settings

    @pytest.mark.parametrize(
        ("settings", "expected"),
        [
            ("{}", [("C100", "error", None)]),
            ("{ignore: [C100]}", []),
            ("{severity: {C100: info}}", [("C100", "info", None)]),
            (
                "{accept: [{code: C100, url: 'https://h/*', until: 2030-01-01, why: w}]}",
                [("C100", "error", "accepted")],
            ),
            (
                "{accept: [{code: '*', url: 'https://h/*', until: 2020-01-01, why: w}]}",
                [("C100", "error", "accept_expired")],
            ),
            (
                "{accept: [{code: C100, url: 'https://other/*', why: w}]}",
                [("C100", "error", None)],
            ),
        ],
        ids=["none", "ignore", "severity", "accepted", "expired", "other-url"],
    )
    def test_policy(
        self, tmp_path: Path, settings: str, expected: list[tuple[str, str, str | None]]
    ) -> None:
        import datetime as dt

        from linkcheck.findings import make_finding
        from linkcheck.run import apply_policy

        finding = make_finding("C100", "https://h/x", "answers 404", sources=["https://h/"])
        out = apply_policy([finding], self._settings(settings, tmp_path), dt.date(2026, 1, 1))
        got = [
            (
                f.code,
                f.severity.value,
                next((k for k in ("accepted", "accept_expired") if k in f.details), None),
            )
            for f in out
        ]
        assert got == expected
        if expected and expected[0][2] == "accept_expired":
            assert "acceptance expired on 2020-01-01" in out[0].message


async def test_the_next_run_reports_what_was_fixed(
    aiohttp_server: ServerFactory, tmp_path: Path
) -> None:
    """The history (store.py) is wired: a broken link fixed between runs is listed as fixed."""
    pages = two_languages(broken=True)
    site = await serve(aiohttp_server, pages)
    out = tmp_path / "out"
    cfg = str(write_cfg(tmp_path, site))
    assert await run_cli("check", cfg, "-o", str(out), "-q") == 1
    assert load_report(out)["changes"]["previous"] is None  # nothing to compare with yet
    pages["/en/missing.html"] = html("/en/")
    assert await run_cli("check", cfg, "-o", str(out), "-q") == 0
    second = load_report(out)["changes"]
    assert second["previous"] is not None
    assert [f["code"] for f in second["fixed"]] == ["C100"]


def test_the_summary_says_what_changed_since_the_previous_run() -> None:
    import io

    from linkcheck.findings import make_finding
    from linkcheck.report import Report
    from linkcheck.run import RunOutcome

    gone = make_finding("C100", "https://h/x", "answers 404")
    report = Report(
        "0", "t0", "t1", "cfg", False, 1, 1, (), fixed=(gone,), previous="2026-01-01T00:00:00"
    )
    stream = io.StringIO()
    cli.print_summary(RunOutcome(report, (), 0), stream=stream)
    assert "since the run of 2026-01-01T00:00:00: 0 new, 1 fixed" in stream.getvalue()


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--rate", "0", "must be more than 0"),
        ("--rate", "nan", "must be more than 0"),
        ("--timeout", "inf", "must be more than 0"),
        ("--retries", "-1", "must be 0 or more"),
        ("--max-pages", "1.5", "is not a whole number"),
        ("--concurrency", "0", "must be at least 1"),
    ],
)
def test_bad_numeric_options_exit_2_with_the_reason(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check", "cfg.yaml", option, value])
    assert stopped.value.code == 2
    assert says in capsys.readouterr().err


def test_the_fetch_scope_holds_the_sites_and_the_redirect_map_hosts(tmp_path: Path) -> None:
    """Redirects may lead to the configured sites' hosts and to the hosts the redirect map
    declares (verification follows them); anywhere only with check_external."""
    from linkcheck.config import load_config
    from linkcheck.run import fetch_scope

    cfg = tmp_path / "cfg.yaml"
    text = (
        "version: 1\nsettings: {check_external: false}\n"
        "sites:\n  en: {new: 'https://new.example/en/', legacy: 'https://old.example/en/'}\n"
        "redirects:\n  - {from: 'https://old.example/a', to: 'https://moved.example/a'}\n"
        "  - {from: '^/x/(.*)$', to: 'https://regex.example/$1', regex: true}\n"
        "defaults: {origin: 'https://origin.example'}\n"
    )
    cfg.write_text(text, encoding="utf-8")
    allowed = fetch_scope(load_config(cfg))
    assert allowed is not None
    for host in ("new.example", "old.example", "moved.example", "regex.example", "origin.example"):
        assert allowed(f"http://{host}:8080/p?q"), host
    assert not allowed("https://elsewhere.example/")
    cfg.write_text(text.replace("false", "true"), encoding="utf-8")
    assert fetch_scope(load_config(cfg)) is None
