"""Static validation of the redirect map: one minimal map per finding code (R300-R308)."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path

import pytest
from support import load_script

from linkcheck.accept import apply_policy
from linkcheck.cli import main
from linkcheck.config import load_config
from linkcheck.findings import Finding, Severity
from linkcheck.redirects.validate import substitute, validate

HEADER = """\
version: 1
defaults: {status: 301, origin: 'https://inter.example.org'}
redirects:
"""
SITES = """\
version: 1
sites:
  en: {new: 'https://inter.example.org/en/', legacy: 'https://old.example.org/en/'}
  fr: {new: 'https://inter.example.org/fr/', legacy: 'https://old.example.org/fr/'}
  el: {new: 'https://el.example.org/el/'}
defaults: {origin: 'https://inter.example.org'}
redirects:
"""


def findings_of(tmp_path: Path, entries: str, header: str = HEADER) -> list[Finding]:
    path = tmp_path / "redirects.yaml"
    path.write_text(header + entries, encoding="utf-8")
    return validate(load_config(path))


def only(findings: list[Finding], code: str) -> list[Finding]:
    return [f for f in findings if f.code == code]


def lines(findings: list[Finding]) -> list[int]:
    return [int((f.source or "").rsplit(":", 1)[1]) for f in findings]


class TestRepeats:
    """R301 duplicates and R302 conflicts: one finding per later entry, pointing at the first."""

    @pytest.mark.parametrize(
        ("first", "again"),
        [
            ("/en/a.html", "/en/a.html"),
            ("/el/Νέα/άρθρο.html", "/el/%CE%9D%CE%AD%CE%B1/%CE%AC%CF%81%CE%B8%CF%81%CE%BF.html"),
            ("/ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8.html", "/ru/новости.html"),
            ("/en/a.html", "https://INTER.example.org:443/en/./a.html"),
        ],
    )
    def test_same_source_same_target_is_a_duplicate(
        self, tmp_path: Path, first: str, again: str
    ) -> None:
        found = findings_of(
            tmp_path,
            f"  - {{from: '{first}', to: /new/}}\n"
            "  - {from: /en/other.html, to: /new/}\n"
            f"  - {{from: '{again}', to: /new/}}\n",
        )
        assert [f.code for f in found] == ["R301"]
        assert lines(found) == [6]
        assert found[0].details["first"] == 4
        assert found[0].details["column"] == 5
        assert found[0].url.startswith("https://inter.example.org/")

    @pytest.mark.parametrize(
        "again",
        [
            "{from: /el/Νέα.html, to: /el/other/}",
            "{from: /el/%CE%9D%CE%AD%CE%B1.html, to: /el/new/, status: 302}",
            "{from: /el/Νέα.html, status: 410}",
        ],
    )
    def test_same_source_other_target_or_status_conflicts(self, tmp_path: Path, again: str) -> None:
        found = findings_of(tmp_path, f"  - {{from: /el/Νέα.html, to: /el/new/}}\n  - {again}\n")
        assert [f.code for f in found] == ["R302"]
        assert lines(found) == [5]
        assert found[0].details["first"] == 4

    def test_each_repeat_is_reported_once(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: /a, to: /b}\n" * 4)
        assert [f.code for f in found] == ["R301"] * 3
        assert {f.details["first"] for f in found} == {4}

    def test_identical_regex_sources_repeat(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/x/(.*)$', to: '/y/$1', regex: true}\n"
            "  - {from: '^/x/(.*)$', to: '/z/$1', regex: true}\n",
        )
        assert [f.code for f in found] == ["R302"]


class TestChainsAndLoops:
    """R303 chains with the flattened target; R304 loops listed once, whole."""

    def test_chain_suggests_the_final_target(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /a.html, to: /b.html}\n"
            "  - {from: /b.html, to: /c.html}\n"
            "  - {from: /c.html, to: /d/}\n",
        )
        assert [f.code for f in found] == ["R303", "R303"]
        assert lines(found) == [4, 5]
        assert {f.details["final"] for f in found} == {"https://inter.example.org/d/"}
        assert found[0].details["hops"] == 3

    def test_chain_through_spellings_of_a_greek_path(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /el/παλιό.html, to: '/el/%CE%BD%CE%AD%CE%BF.html'}\n"
            "  - {from: /el/νέο.html, to: /el/τελικό/}\n",
        )
        assert [f.code for f in found] == ["R303"]
        assert (
            found[0].details["final"]
            == "https://inter.example.org/el/%CF%84%CE%B5%CE%BB%CE%B9%CE%BA%CF%8C/"
        )

    def test_chain_into_a_regex_rule(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /old.html, to: /archive/2019/x.html}\n"
            "  - {from: '^/archive/(\\d+)/(.+)\\.html$', to: '/articles/$2/', regex: true}\n",
        )
        assert [f.code for f in found] == ["R303"]
        assert found[0].details["final"] == "https://inter.example.org/articles/x/"

    @pytest.mark.parametrize(
        ("target", "regex"),
        [
            ("/el/news/άρθρο", "^/el/news/(.+)$"),
            ("'/el/%CE%BD%CE%AD%CE%B1/x'", "^/el/νέα/(.+)$"),
            ("/el/νέα/x", "^/el/ν"),
            ("/el/νέα/x", "^/el/(ν.+)$"),
        ],
    )
    def test_greek_target_captured_by_a_regex_is_a_chain(
        self, tmp_path: Path, target: str, regex: str
    ) -> None:
        found = findings_of(
            tmp_path,
            f"  - {{from: /el/old, to: {target}}}\n"
            f"  - {{from: '{regex}', to: /el/final/, regex: true}}\n",
        )
        assert [f.code for f in found] == ["R303"]

    def test_loop_is_reported_once_with_the_whole_cycle(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /a, to: /b}\n  - {from: /b, to: /c}\n  - {from: /c, to: /a}\n",
        )
        assert [f.code for f in found] == ["R304"]
        assert lines(found) == [4]
        assert (
            found[0].details["cycle"]
            == [
                "https://inter.example.org/b",
                "https://inter.example.org/c",
                "https://inter.example.org/a",
            ]
            or len(found[0].details["cycle"]) == 3
        )
        assert len(found[0].details["rules"]) == 3

    def test_loop_between_cyrillic_spellings(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /ru/старый, to: '/ru/%D0%BD%D0%BE%D0%B2%D1%8B%D0%B9'}\n"
            "  - {from: /ru/новый, to: '/ru/%D1%81%D1%82%D0%B0%D1%80%D1%8B%D0%B9'}\n",
        )
        assert [f.code for f in found] == ["R304"]

    def test_loop_through_a_regex_rule(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /new/x/, to: /old/x.html}\n"
            "  - {from: '^/old/(.+)\\.html$', to: '/new/$1/', regex: true}\n",
        )
        assert [f.code for f in found] == ["R304"]

    def test_regex_rule_whose_literal_target_it_captures_itself_loops(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: '^/en/(.*)$', to: /en/index.html, regex: true}\n")
        assert [f.code for f in found] == ["R304"]

    def test_rule_leading_into_a_loop_is_a_chain(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /x, to: /a}\n  - {from: /a, to: /b}\n  - {from: /b, to: /a}\n",
        )
        assert sorted(f.code for f in found) == ["R303", "R304"]

    def test_regex_feeding_itself_new_urls_is_an_endless_loop(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /a, to: /b}\n  - {from: /c, to: /d}\n"
            "  - {from: '^/(.*)$', to: '/x/$1', regex: true}\n",
        )
        assert sorted(f.code for f in found) == ["R303", "R303", "R304"]
        loop = only(found, "R304")[0]
        assert loop.details["endless"] is True
        assert lines([loop]) == [6]

    def test_long_exact_chain_is_a_chain_not_endless(self, tmp_path: Path) -> None:
        entries = "".join(f"  - {{from: /p{i}, to: /p{i + 1}}}\n" for i in range(100))
        found = findings_of(tmp_path, entries)
        assert {f.code for f in found} == {"R303"}
        assert found[0].details["final"] == "https://inter.example.org/p100"

    def test_target_declared_gone_is_a_chain(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: /a, to: /b}\n  - {from: /b, status: 410}\n")
        assert [f.code for f in found] == ["R303"]
        assert found[0].details["gone"] is True


class TestSelfRedirect:
    """R305: a rule whose target is its own source."""

    @pytest.mark.parametrize(
        ("source", "target"),
        [
            ("/a/", "/a/"),
            ("/el/σελίδα/", "'/el/%CF%83%CE%B5%CE%BB%CE%AF%CE%B4%CE%B1/'"),
            ("/a/", "'https://inter.example.org/a/'"),
            ("/a/", "/a/?utm=1"),
            ("/About/", "/about/"),
            ("/x%2Fy", "/x/y"),
        ],
    )
    def test_self_redirect(self, tmp_path: Path, source: str, target: str) -> None:
        found = findings_of(tmp_path, f"  - {{from: {source}, to: {target}}}\n")
        assert [f.code for f in found] == ["R305"]


class TestUnreachable:
    """R306: rules nginx never hands a request to."""

    def test_regex_after_a_broader_regex_never_matches(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/en/(.*)$', to: '/new/$1', regex: true}\n"
            "  - {from: '^/en/news/(\\d+)\\.html$', to: '/news/$1/', regex: true}\n",
        )
        assert [f.code for f in found] == ["R306"]
        assert lines(found) == [5]

    def test_specific_regex_first_is_fine(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/en/news/(\\d+)\\.html$', to: '/news/$1/', regex: true}\n"
            "  - {from: '^/en/(.*)$', to: '/new/$1', regex: true}\n",
        )
        assert found == []

    def test_literal_regex_for_an_exact_key_never_matches(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/a\\.html$', to: /regex/, regex: true}\n"
            "  - {from: /a.html, to: /exact/}\n",
        )
        assert [f.code for f in found] == ["R306"]
        assert lines(found) == [4]

    def test_example_taken_by_an_exact_key(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /en/news/1.html, to: /elsewhere/}\n"
            "  - {from: '^/en/news/(\\d+)\\.html$', to: '/news/$1/', regex: true,\n"
            "     examples: [{from: /en/news/1.html, to: /news/1/}]}\n",
        )
        assert [f.code for f in found] == ["R306"]
        assert lines(found) == [5]  # the entry; the position is the example's
        assert found[0].details["position"].endswith(":6:17")

    def test_example_handled_alike_by_an_exact_key_is_fine(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /en/news/1.html, to: /news/1/}\n"
            "  - {from: '^/en/news/(\\d+)\\.html$', to: '/news/$1/', regex: true,\n"
            "     examples: [{from: /en/news/1.html, to: /news/1/}]}\n",
        )
        assert found == []

    def test_example_taken_by_an_earlier_regex(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/en/news/old', to: /old/, regex: true}\n"
            "  - {from: '^/en/news/(.+)$', to: '/news/$1', regex: true,\n"
            "     examples: [{from: /en/news/old-1, to: /news/old-1}]}\n",
        )
        assert [f.code for f in found] == ["R306"]
        assert lines(found) == [5]
        assert found[0].details["position"].endswith(":6:17")


class TestExponential:
    """R307: a regex with nested quantifiers would hang the check on an unlucky URL."""

    @pytest.mark.parametrize("source", ["^/(a+)+$", "^/(.*a){20}$", "^/en/(?:[a-z]+/?)*x$"])
    def test_nested_quantifiers_are_r307_and_the_rule_is_left_out(
        self, tmp_path: Path, source: str
    ) -> None:
        from linkcheck.redirects.nginx import rejected_rules

        path = tmp_path / "redirects.yaml"
        path.write_text(
            HEADER
            + "  - {from: /x, to: '/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'}\n"
            + f"  - {{from: '{source}', to: /y, regex: true}}\n",
            encoding="utf-8",
        )
        config = load_config(path)
        found = validate(config)
        (r307,) = only(found, "R307")
        assert "exponential time" in r307.message
        assert lines([r307]) == [5]
        assert 1 in rejected_rules(config, found)

    def test_a_delimited_repeat_is_fine(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: '^/a/(?:[^/]+/)*x$', to: /y, regex: true}\n")
        assert only(found, "R307") == []


class TestUnsafe:
    """R307: values nginx would read otherwise or that could inject a directive."""

    @pytest.mark.parametrize(
        "entry",
        [
            "{from: '/a;return 200', to: /b/}",
            "{from: /a, to: '/b;}'}",
            "{from: '/a b', to: /b/}",
            '{from: /a, to: "/b\\""}',
            "{from: /a, to: /b$x}",
            "{from: '/a$1', to: /b}",
            "{from: '/a{', to: /b}",
            "{from: '^/a/(.*)$', to: '/b/$2', regex: true}",
            "{from: '^/a/(.*)$', to: '/b/$x', regex: true}",
            "{from: '^/a/(?P<slug>.*)$', to: '/b/$1', regex: true}",
            "{from: '^/a/(?<=x)y$', to: '/b/', regex: true}",
            "{from: '^/a/(?i:x)$', to: '/b/', regex: true}",
            "{from: '^/a/x++$', to: '/b/', regex: true}",
            "{from: '^/a/(?>x)$', to: '/b/', regex: true}",
            "{from: '^/el/(\\w+)/$', to: '/b/$1', regex: true}",
            "{from: '^/el/[αβ]/$', to: '/b/', regex: true}",
            "{from: '^/a b/(.*)$', to: '/b/$1', regex: true}",
            "{from: '/a%0Ab', to: /b}",
            "{from: '~^/a/(.*)$', to: '/b/$1', regex: true}",
        ],
    )
    def test_unsafe_value(self, tmp_path: Path, entry: str) -> None:
        found = findings_of(tmp_path, f"  - {entry}\n")
        assert [f.code for f in found] == ["R307"], found

    @pytest.mark.parametrize(
        "entry",
        [
            "{from: '^/en/News/(\\d{4})/(.+)\\.html$', to: '/en/articles/$2/', regex: true}",
            "{from: '^/a/(.*)$', to: '/b/${1}', regex: true}",
            "{from: /a%24b, to: /b%3Bc}",
            "{from: '/a?x=1&y=2', to: /b/}",
        ],
    )
    def test_safe_value(self, tmp_path: Path, entry: str) -> None:
        assert findings_of(tmp_path, f"  - {entry}\n") == []

    def test_keys_differing_in_greek_case_only(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /el/Άρθρο.html, to: /el/a/}\n"
            "  - {from: '/el/%CE%AC%CF%81%CE%B8%CF%81%CE%BF.html', to: /el/b/}\n",
        )
        assert [f.code for f in found] == ["R307"]
        assert found[0].details["first"] == 4
        assert "non-ASCII" in found[0].message

    def test_keys_differing_in_cyrillic_case_only(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /ru/Новости, to: /ru/a/}\n  - {from: /ru/новости, to: /ru/b/}\n",
        )
        assert [f.code for f in found] == ["R307"]

    def test_keys_differing_in_unicode_normalisation_only(self, tmp_path: Path) -> None:
        nfc = "/el/ά.html"
        nfd = unicodedata.normalize("NFD", nfc)
        assert nfc != nfd
        found = findings_of(
            tmp_path, f"  - {{from: {nfc}, to: /el/a/}}\n  - {{from: {nfd}, to: /el/b/}}\n"
        )
        assert [f.code for f in found] == ["R307"]

    def test_keys_differing_in_ascii_case_are_one_nginx_key(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path, "  - {from: /About.html, to: /a/}\n  - {from: /about.html, to: /b/}\n"
        )
        assert [f.code for f in found] == ["R307"]
        assert "ASCII" in found[0].message

    def test_unsafe_rules_are_left_out_of_other_checks(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: '/a;x', to: /b}\n  - {from: '/a;x', to: /b}\n")
        assert [f.code for f in found] == ["R307", "R307"]


class TestLanguage:
    """R308: the rule sends a page to another language."""

    @pytest.mark.parametrize(
        "entry",
        [
            "{from: /fr/vieux.html, to: /en/articles/old/}",
            "{from: /en/old.html, to: 'https://el.example.org/el/νέο/'}",
            "{from: 'https://old.example.org/fr/a.html', to: /en/a/}",
            "{from: '^/fr/vieux/(.*)$', to: '/en/articles/$1', regex: true}",
        ],
    )
    def test_language_change(self, tmp_path: Path, entry: str) -> None:
        found = findings_of(tmp_path, f"  - {entry}\n", SITES)
        assert [f.code for f in found] == ["R308"]

    @pytest.mark.parametrize(
        "entry",
        [
            "{from: /fr/vieux.html, to: /fr/articles/vieux/}",
            "{from: 'https://old.example.org/en/a.html', to: /en/a/}",
            "{from: /js/app.js, to: /en/app.js}",
            "{from: /fr/vieux.html, to: /en/articles/old/, note: translated on purpose}",
        ],
    )
    def test_same_language(self, tmp_path: Path, entry: str) -> None:
        assert findings_of(tmp_path, f"  - {entry}\n", SITES) == []

    def test_two_letter_heuristic_without_sites(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: /fr/a.html, to: /de/a/}\n")
        assert [f.code for f in found] == ["R308"]


class TestExamples:
    """A regex rule's examples must match and produce their target (R300 otherwise)."""

    def test_matching_example_is_quiet(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/el/Νέα/(.+)\\.html$', to: '/el/άρθρα/$1/', regex: true,\n"
            "     examples: [{from: '/el/%CE%9D%CE%AD%CE%B1/x.html', to: /el/άρθρα/x/}]}\n",
        )
        assert found == []

    def test_example_with_another_target(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/en/News/(\\d{4})/(.+)\\.html$', to: '/en/articles/$2/', regex: true,\n"
            "     examples: [{from: /en/News/2018/meeting.html, to: /en/articles/2018/}]}\n",
        )
        assert [f.code for f in found] == ["R300"]
        assert found[0].details["position"].endswith(":5:17")
        assert "/en/articles/meeting/" in found[0].message

    def test_example_that_does_not_match(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: '^/en/News/(\\d{4})/(.+)\\.html$', to: '/en/articles/$2/', regex: true,\n"
            "     examples: [{from: /en/News/latest.html, to: /en/articles/latest/}]}\n",
        )
        assert [f.code for f in found] == ["R300"]
        assert "does not match" in found[0].message

    def test_substitute_follows_nginx(self) -> None:
        import re

        match = re.search(r"(a)(b)?", "a")
        assert match is not None
        assert substitute("/$1/$2/${1}/$10/$9", match) == "/a//a/a0/"

    def test_examples_on_an_exact_rule(self, tmp_path: Path) -> None:
        found = findings_of(tmp_path, "  - {from: /a, to: /b, examples: [{from: /a, to: /b}]}\n")
        assert [f.code for f in found] == ["R300"]


class TestIncludes:
    """`include:` of files and globs: findings point into the right file and line."""

    def test_findings_point_into_included_files(self, tmp_path: Path) -> None:
        (tmp_path / "maps").mkdir()
        (tmp_path / "maps" / "a.yaml").write_text(
            "redirects:\n  - {from: /x, to: /y}\n", encoding="utf-8"
        )
        (tmp_path / "maps" / "b.yaml").write_text(
            "# more\n\n- {from: /q, to: /r}\n- {from: /x, to: /z}\n", encoding="utf-8"
        )
        main_file = tmp_path / "redirects.yaml"
        main_file.write_text(
            HEADER.replace("redirects:\n", "include: ['maps/*.yaml']\nredirects:\n")
            + "  - {from: /q, to: /r}\n",
            encoding="utf-8",
        )
        found = validate(load_config(main_file))
        assert [(f.code, f.source) for f in found] == [
            ("R302", f"{tmp_path}/maps/b.yaml:4"),
            ("R301", f"{tmp_path}/maps/b.yaml:3"),
        ][::-1]
        conflict = only(found, "R302")[0]
        assert conflict.details["first_file"] == f"{tmp_path}/maps/a.yaml"
        assert conflict.details["first"] == 2
        duplicate = only(found, "R301")[0]
        assert duplicate.details["first_file"] == str(main_file)


class TestProblemsFromLoading:
    def test_invalid_entries_are_r300_and_the_rest_is_validated(self, tmp_path: Path) -> None:
        found = findings_of(
            tmp_path,
            "  - {from: /a, to: /b, status: 310}\n"
            "  - {from: /c, to: /d, colour: red}\n"
            "  - {from: /e, to: /f}\n  - {from: /e, to: /f}\n",
        )
        assert [(f.code, lines([f])[0]) for f in found] == [
            ("R300", 4),
            ("R300", 5),
            ("R301", 7),
        ]
        assert found[0].details["position"].endswith(":4:32")


class TestSettings:
    def test_ignore_severity_and_accept(self, tmp_path: Path) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_text(
            "settings:\n  ignore: [R301]\n  severity: {R303: error}\n"
            "  accept: [{code: R304, url: 'https://inter.example.org/l*', until: 2026-01-01}]\n"
            + HEADER
            + "  - {from: /a, to: /b}\n  - {from: /a, to: /b}\n"
            "  - {from: /b, to: /c}\n"
            "  - {from: /l1, to: /l2}\n  - {from: /l2, to: /l1}\n",
            encoding="utf-8",
        )
        config = load_config(path)
        found = apply_policy(validate(config), config.settings, dt.date(2025, 6, 1))
        assert [f.code for f in found] == ["R303", "R304"]
        assert found[0].severity is Severity.ERROR
        assert found[1].details["accepted"]
        later = apply_policy(validate(config), config.settings, dt.date(2026, 6, 1))
        assert "accept_expired" in later[1].details


class TestCommand:
    """`linkcheck validate`: lines for editors, a summary, exit codes, JSON."""

    def write(self, tmp_path: Path, entries: str) -> str:
        path = tmp_path / "redirects.yaml"
        path.write_text(HEADER + entries, encoding="utf-8")
        return str(path)

    def test_text_output_and_exit_codes(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str]
    ) -> None:
        config = self.write(tmp_path, "  - {from: /a, to: /b}\n  - {from: /a, to: /b}\n")
        assert main(["validate", config]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0] == f"{config}:5:5: R301 duplicate of the rule at {config}:4; delete it"
        assert "1 warnings" in out[-1]
        assert main(["validate", config, "--fail-on", "warning"]) == 1

    def test_errors_fail_by_default(self, tmp_path: Path) -> None:
        config = self.write(tmp_path, "  - {from: /a, to: /a}\n")
        assert main(["validate", config]) == 1
        assert main(["validate", config, "--fail-on", "never"]) == 0

    def test_json_output(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        config = self.write(tmp_path, "  - {from: /a, to: /b}\n  - {from: /b, to: /c}\n")
        assert main(["validate", config, "--format", "json"]) == 0
        document = json.loads(capsys.readouterr().out)
        assert document["summary"]["warnings"] == 1
        assert document["summary"]["redirects"] == 2
        (finding,) = document["findings"]
        assert set(finding) == {"code", "severity", "url", "message", "source", "details"}
        assert finding["details"]["final"] == "https://inter.example.org/c"

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (b"version: 1\nredirects:\n  - {from: /a, to: /b\n  - x\n", ":5:1: YAML syntax error"),
            (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary file"),
            (b"", "empty"),
            (b"# only a comment\n\n", "empty"),
            (b"version: 1\nredirects: [\n", ":3:1: YAML syntax error"),
        ],
    )
    def test_unusable_files_exit_2_with_one_line(
        self,
        tmp_path: Path,
        capsys: pytest.CaptureFixture[str],
        content: bytes,
        expected: str,
    ) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_bytes(content)
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(path) in err and expected in err
        assert "Traceback" not in err

    def test_huge_file_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        path = tmp_path / "redirects.yaml"
        with path.open("wb") as fh:
            fh.write(HEADER.encode())
            fh.truncate(50 * 1024 * 1024)
        assert main(["validate", str(path)]) == 2
        err = capsys.readouterr().err
        assert "50.0 MiB" in err and "include" in err and err.count("\n") == 1

    def test_missing_file_exits_2(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["validate", str(tmp_path / "nope.yaml")]) == 2
        assert "nope.yaml" in capsys.readouterr().err


def test_generated_benchmark_map_yields_exactly_the_planted_findings(tmp_path: Path) -> None:
    """The benchmark's map (small here): every planted problem found, nothing else."""
    from collections import Counter

    mapbench = load_script("benchmarks/mapbench.py")
    text, planted = mapbench.generate(3000)
    path = tmp_path / "redirects.yaml"
    path.write_text(text, encoding="utf-8")
    found = Counter((f.code, lines([f])[0]) for f in validate(load_config(path)))
    assert found == planted


@pytest.mark.parametrize("code", [f"R30{i}" for i in range(9)])
def test_explain_shows_a_mistake_and_its_fix(code: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", code]) == 0
    out = capsys.readouterr().out
    assert "mistake:" in out and "fix:" in out


def test_quiet_prints_only_the_finding_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "b.yaml").write_text("- {from: /a, to: /b}\n", encoding="utf-8")
    path = tmp_path / "redirects.yaml"
    path.write_text(
        HEADER.replace("redirects:", "include: [b.yaml]\nredirects:")
        + "  - {from: /x, to: /x}\n  - {from: /a, to: /b}\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path), "--quiet"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 2)[1].split()[0] for line in out] == ["R301", "R305"]
    assert out[0].startswith(f"{tmp_path}/b.yaml:1:3: ")
