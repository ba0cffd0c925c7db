"""The built-in demo: its servers, its config, its planted problems, and the whole run."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import aiohttp
import pytest

from linkcheck.cli import main
from linkcheck.config import load_config
from linkcheck.demo.content import LANGUAGES
from linkcheck.demo.planted import EXPECTED, PLANTED
from linkcheck.demo.runner import (
    config_text,
    expected,
    served_in_thread,
    template,
    verdict,
    write_config,
)
from linkcheck.demo.sites import FIXED_PORTS, Ports, serve
from linkcheck.findings import make_finding
from linkcheck.urls import decoded_path, normalize

ROOT = Path(__file__).resolve().parent.parent


class TestContent:
    def test_top_level_redirects_yaml_is_the_demo_config(self) -> None:
        """`linkcheck check` in a fresh clone reads the demo's own config (fixed ports)."""
        assert (ROOT / "redirects.yaml").read_text(encoding="utf-8") == template()

    def test_config_is_valid_and_names_three_pairing_sites(self) -> None:
        config = load_config(ROOT / "redirects.yaml")
        assert config.problems == ()
        assert [s.name for s in config.sites] == ["en", "fr", "el"]
        assert all(s.pairs for s in config.sites)

    def test_at_least_thirty_upgraded_pages_in_three_languages(self) -> None:
        assert sum(len(lang.articles) for lang in LANGUAGES) >= 30
        assert {lang.code for lang in LANGUAGES} >= {"en", "fr", "el"}

    def test_planted_problems_cover_the_required_codes(self) -> None:
        required = {"C100", "C102", "C103", "L200", "L201", "L202", "L203", "L204"}
        assert required <= {code for code, _ in EXPECTED}
        assert len(EXPECTED) == len(PLANTED)

    def test_config_for_free_ports_keeps_no_fixed_port(self) -> None:
        text = config_text(Ports(40001, 40002, 40003, 40004))
        assert not re.search(r"127\.0\.0\.1:860\d", text)
        assert "127.0.0.1:40003/el/" in text and "127.0.0.1:40004/en/" in text


class TestVerdict:
    def test_exactly_the_planted_problems_pass(self) -> None:
        found = [make_finding(c, normalize("http://127.0.0.1:1" + p), "x") for c, p in EXPECTED]
        assert verdict(found).passed

    def test_a_missed_and_an_unexpected_problem_fail_and_are_named(self) -> None:
        planted = sorted(EXPECTED)
        found = [make_finding(c, normalize("http://127.0.0.1:1" + p), "x") for c, p in planted[1:]]
        found.append(make_finding("C100", "http://127.0.0.1:1/en/", "x"))
        result = verdict(found)
        assert not result.passed
        assert result.missing == {planted[0]}
        assert result.unexpected == {("C100", "/en/")}
        text = "\n".join(result.lines())
        assert planted[0][1] in text and "unexpected  C100 /en/" in text


class TestServers:
    async def test_greek_legacy_page_is_iso_8859_7_declared_only_in_meta(self) -> None:
        async with serve() as ports, aiohttp.ClientSession() as session:
            url = ports.url("old", "/el/αρχείο/θάλασσα.html")
            async with session.get(url) as response:
                body = await response.read()
                assert response.status == 200
                assert response.headers["Content-Type"] == "text/html"
        assert b'charset=iso-8859-7"' in body
        assert "παραλία".encode("iso-8859-7") in body

    @pytest.mark.parametrize(
        ("code", "path", "status", "target"),
        [
            ("en", "/en/News/2018/meeting.html", 301, "/en/articles/meeting/"),
            ("en", "/en/old/garden.html", 301, "/en/articles/garden/"),
            ("en", "/en/News/removed.html", 410, None),
            ("fr", "/fr/vieux/velo.html", 301, "/fr/articles/velo/"),
            ("el", "/el/παλιά/θέατρο.html", 302, "/el/άρθρα/θέατρο/"),
        ],
    )
    async def test_the_servers_perform_the_redirects_of_the_map(
        self, code: str, path: str, status: int, target: str | None
    ) -> None:
        async with (
            serve() as ports,
            aiohttp.ClientSession() as session,
            session.get(ports.url(code, path), allow_redirects=False) as response,
        ):
            assert response.status == status
            location = response.headers.get("Location")
        declared = declared_redirects(ports)
        assert declared[ports.url(code, path)] == (
            status,
            ports.url(code, target) if target else None,
        )
        if target is not None:
            assert location == ports.url(code, target)

    async def test_every_notice_of_a_healthy_article_reaches_its_old_page(self) -> None:
        async with serve() as ports, aiohttp.ClientSession() as session:
            for lang in LANGUAGES:
                for article in lang.articles:
                    if article.legacy is None or not article.archived:
                        continue
                    async with session.get(ports.url("old", article.legacy)) as response:
                        assert response.status == 200, article.legacy

    def test_servers_in_a_thread_start_and_stop(self) -> None:
        with served_in_thread() as ports:
            assert ports.en and ports.old and len({ports.en, ports.fr, ports.el, ports.old}) == 4
        assert FIXED_PORTS.en == 8601


def declared_redirects(ports: Ports) -> dict[str, tuple[int, str | None]]:
    """Source URL → (status, target URL) as the demo map declares them (regex rules through
    their examples)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        config = load_config(write_config(ports, Path(folder)))
    origin = config.defaults.origin or ""
    out: dict[str, tuple[int, str | None]] = {}
    for rule in config.rules:
        if rule.from_url is not None:
            out[rule.from_url] = (rule.status, rule.to_url)
        for example in rule.examples:
            out[normalize(origin + example.source)] = (
                rule.status,
                normalize(origin + example.target),
            )
    return out


class TestDemoRun:
    def test_demo_finds_exactly_the_planted_problems(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """`linkcheck demo` exits 0, and report.json holds every planted (code, path)."""
        code = main(["demo", "--output", str(tmp_path), "--no-progress"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert f"found exactly the {len(EXPECTED)} planted problems" in out
        assert f"report: {tmp_path}" in out
        report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
        found = {(f["code"], decoded_path(f["url"])) for f in report["findings"]}
        assert found == EXPECTED
        assert report["summary"]["pairs"] == sum(len(lang.articles) for lang in LANGUAGES)
        legacy = {p["legacy"] for p in report["pairs"] if p["legacy"]}
        assert any("%CE" in url for url in legacy)  # the Greek archive was paired
        sea = next(
            p for p in report["pairs"] if decoded_path(p["upgraded"]) == "/el/άρθρα/θάλασσα/"
        )
        assert sea["status"] == 200 and sea["similarity"] > 0.7  # ISO-8859-7 decoded via <meta>

    def test_demo_of_one_site_expects_that_sites_problems_only(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        code = main(["demo", "--output", str(tmp_path), "--no-progress", "--site", "fr"])
        out = capsys.readouterr().out
        assert code == 0, out
        assert f"found exactly the {len(expected(['fr']))} planted problems" in out
        assert expected(["fr"]) == {
            ("C102", "/fr/vieux/velo.html"),
            ("L200", "/fr/articles/musee/"),
            ("L202", "/fr/articles/marche/"),
        }

    def test_demo_fails_when_a_planted_problem_is_missed(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A crawl cut short misses planted problems: exit 1, and each miss is named."""
        code = main(["demo", "--output", str(tmp_path), "--no-progress", "--max-pages", "1"])
        out = capsys.readouterr().out
        assert code == 1
        assert "demo: FAILED" in out
        assert "missed      L204 /en/articles/budget/" in out
        assert "unexpected  C105" in out

    def test_a_second_run_compares_with_the_first_on_the_same_urls(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """The demo prefers the fixed ports, so a rerun reports nothing new and nothing fixed."""
        for _ in range(2):
            assert main(["demo", "--output", str(tmp_path), "--no-progress"]) == 0
        out = capsys.readouterr().out
        assert "0 new, 0 fixed" in out
        assert f"127.0.0.1:{FIXED_PORTS.en}/" in (tmp_path / "demo-redirects.yaml").read_text(
            encoding="utf-8"
        )

    def test_demo_falls_back_to_free_ports_when_a_fixed_one_is_taken(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        with socket.socket() as taken:
            taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            taken.bind(("127.0.0.1", FIXED_PORTS.en))
            taken.listen()
            code = main(["demo", "--output", str(tmp_path), "--no-progress"])
        assert code == 0, capsys.readouterr().out
        config = (tmp_path / "demo-redirects.yaml").read_text(encoding="utf-8")
        assert f"new: http://127.0.0.1:{FIXED_PORTS.en}/" not in config
