"""Hostile and mistaken configurations: a clear R300 (the run goes on) or a one-line exit 2,
never a traceback and never a silent no-op (QA regression tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkcheck import cli
from linkcheck.config import load_config
from linkcheck.extract import selector_problem

SITE = "version: 1\nsites:\n  en:\n    new: 'http://127.0.0.1:9/en/'\n"


def write(tmp_path: Path, text: str | bytes, name: str = "cfg.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def messages(path: Path) -> list[str]:
    return [f"{p.code} {p.message}" for p in load_config(path).problems]


def test_an_include_that_matches_no_file_is_reported(tmp_path: Path) -> None:
    """The problem was collected after the problems list was copied, so it was lost."""
    cfg = write(tmp_path, SITE + "include: ['parts/*.yaml']\n")
    assert messages(cfg) == ["R300 include 'parts/*.yaml' matches no file"]


def test_a_wrong_value_is_quoted_short_not_whole(tmp_path: Path) -> None:
    """An include of a big non-YAML file must not paste the file into the report."""
    (tmp_path / "big.txt").write_text("word " * 10_000, encoding="utf-8")
    cfg = write(tmp_path, SITE + "include: [big.txt]\n")
    [message] = messages(cfg)
    assert message.startswith("R300 redirects must be a list of entries, not str 'word word")
    assert len(message) < 200


@pytest.mark.parametrize("selector", ["a[[[", ":has(", ">>>", "a:nth-child(foo)", " "])
def test_a_selector_the_parser_rejects_is_r300(tmp_path: Path, selector: str) -> None:
    cfg = write(
        tmp_path,
        SITE + "    legacy: 'http://127.0.0.1:9/old/'\n"
        f"    counterpart: {{selector: '{selector}'}}\n",
    )
    [message] = messages(cfg)
    assert message.startswith("R300 sites.en.counterpart.selector: ")
    [site] = load_config(cfg).sites
    assert site.counterpart is not None and site.counterpart.selector is None


@pytest.mark.parametrize("selector", [".old-pages a", "a[rel~=prev]", "#notice > a:first-child"])
def test_a_usual_selector_is_accepted(selector: str) -> None:
    assert selector_problem(selector) is None


@pytest.mark.parametrize(
    ("legacy", "problem"),
    [
        ("/old/{slug}.html", None),
        ("/old/{1}/{0}", None),
        ("/old/{nope}.html", "uses {nope}"),
        ("/old/{2}.html", "uses {2}"),
        ("/old/{slug}/{year}", "uses {year}"),
    ],
)
def test_pattern_legacy_may_only_name_groups_of_match(
    tmp_path: Path, legacy: str, problem: str | None
) -> None:
    cfg = write(
        tmp_path,
        SITE + "    legacy: 'http://127.0.0.1:9/old/'\n"
        "    counterpart:\n"
        f"      pattern: {{match: '^/en/(?P<slug>[^/]+)/$', legacy: '{legacy}'}}\n",
    )
    found = messages(cfg)
    if problem is None:
        assert found == []
    else:
        [message] = found
        assert problem in message and "groups: slug" in message


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty"),
        (b"\x00\x01\x02binary\xff", "binary file"),
        (b"version: 1\nsites: {en: {new: 'http://x/\xe9n/'}}\n", "not UTF-8"),
        (b"- a\n- b\n", "must be a mapping"),
        (b"hello\n", "must be a mapping"),
        (b"version: 1\nsites: {en: {new: x}\n", "YAML syntax error"),
        (b"version: 7\n", "unsupported configuration version"),
    ],
    ids=["empty", "binary", "latin-1", "list", "scalar", "syntax", "version"],
)
def test_an_unusable_file_exits_2_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, expected: str
) -> None:
    cfg = write(tmp_path, content)
    assert cli.main(["check", str(cfg), "--offline", "-q", "-o", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "text",
    [
        "version: 1\nsites: [a, b]\nredirects: {a: b}\n",
        "version: 1\nsites: null\nsettings: 5\nredirects: 7\n",
        SITE + "settings: {concurrency: ten, timeout: -1, rate: .nan, per_host: 1e10}\n",
        SITE + "redirects:\n  - {from: /a, to: /b, status: 301abc}\n  - {from: /c, regex: maybe}\n",
        SITE + "settings: {exclude: ['(['], severity: {C100: fatal}, accept: [{code: C100}]}\n",
        "version: 1\nsites: {en: {new: 'ftp://x/'}, fr: {new: 'http:///fr/'}, "
        "el: {new: 'http://[::1/el/'}}\n",
        "\ufeff" + SITE,
        "a: &a [*a]\n",
    ],
    ids=["containers", "nulls", "settings", "entries", "policy", "urls", "bom", "alias"],
)
def test_wrong_types_are_findings_and_the_run_goes_on(tmp_path: Path, text: str) -> None:
    cfg = write(tmp_path, text)
    out = tmp_path / "out"
    code = cli.main(["check", str(cfg), "--offline", "-q", "-o", str(out)])
    assert code in (0, 1)
    assert (out / "report.json").exists()
    if "\ufeff" not in text:
        assert load_config(cfg).problems


@pytest.mark.parametrize("fast", [True, False], ids=["one-line entries", "block entries"])
def test_a_scheme_relative_from_or_to_is_r300_and_never_exported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fast: bool
) -> None:
    """`to: //evil.example/x` was a path on the origin for validate, nginx and the live
    check, but the Netlify/Apache exports wrote it as is: a redirect to another host."""
    entries = [("/a", "//evil.example/x"), ("//b", "/y"), ("/c", "/ok")]
    lines = [
        f"  - {{from: '{a}', to: '{b}', status: 301}}\n"
        if fast
        else f"  - from: '{a}'\n    to: '{b}'\n"
        for a, b in entries
    ]
    cfg = write(
        tmp_path,
        "version: 1\ndefaults: {origin: 'https://h.example'}\nredirects:\n" + "".join(lines),
    )
    found = messages(cfg)
    assert [m.split(" starts with")[0] for m in found] == ["R300 `to`", "R300 `from`"]
    for fmt in ("netlify", "apache", "csv"):
        assert cli.main(["export", str(cfg), "--format", fmt, "--force"]) == 0
        out = capsys.readouterr().out
        assert "//evil" not in out and "//b" not in out and "/ok" in out


@pytest.mark.parametrize(
    ("setting", "value", "ok"),
    [
        ("concurrency", 10_000, True),
        ("concurrency", 2_000_000, False),
        ("per_host", 50_000, False),
        ("retries", 100, True),
        ("retries", 1_000_000_000, False),
    ],
)
def test_settings_that_would_exhaust_the_machine_are_r300(
    tmp_path: Path, setting: str, value: int, ok: bool
) -> None:
    """`concurrency: 2000000` started two million workers (3.7 GB, then a hang)."""
    cfg = write(tmp_path, SITE + f"settings: {{{setting}: {value}}}\n")
    found = messages(cfg)
    if ok:
        assert found == []
    else:
        high = 100 if setting == "retries" else 10_000
        assert found == [f"R300 settings.{setting} must be at most {high}, not {value}"]


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--concurrency", "2000000", "must be at most"),
        ("--retries", "101", "must be at most"),
        ("--rate", "nan", "must be more than 0"),
        ("--timeout", "inf", "must be more than 0"),
    ],
)
def test_the_same_bounds_hold_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, says: str
) -> None:
    """`--rate nan` was accepted and made the rate limiter spin for ever."""
    cfg = write(tmp_path, SITE)
    with pytest.raises(SystemExit) as exit_:
        cli.main(["check", str(cfg), "--offline", option, value])
    assert exit_.value.code == 2
    assert says in capsys.readouterr().err


def test_an_infinite_number_is_r300(tmp_path: Path) -> None:
    cfg = write(tmp_path, SITE + "settings: {timeout: 1e400, rate: 5}\n")
    assert messages(cfg) == ["R300 settings.timeout must be a finite number, not '1e400'"]


@pytest.mark.parametrize("fast", [True, False], ids=["one-line entries", "block entries"])
def test_credentials_in_the_map_are_r300_and_never_reach_nginx(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fast: bool
) -> None:
    """`to: https://u:pw@host/` was exported as `return 301 https://u:pw@host/...`: the
    password sent to every visitor (and shown in every report)."""
    entries = [("/a@b", "/c@d"), ("https://u:pw1@h.example/x", "/y"), ("/z", "https://u:pw2@h/")]
    lines = [
        f"  - {{from: '{a}', to: '{b}', status: 301}}\n"
        if fast
        else f"  - from: '{a}'\n    to: '{b}'\n"
        for a, b in entries
    ]
    cfg = write(
        tmp_path,
        "version: 1\ndefaults: {origin: 'https://u:pw0@h.example'}\nredirects:\n" + "".join(lines),
    )
    found = messages(cfg)
    assert [m.split(" holds")[0] for m in found] == [
        "R300 defaults.origin",
        "R300 `from`",
        "R300 `to`",
    ]
    assert cli.main(["nginx", str(cfg), "--force"]) == 0
    out = capsys.readouterr().out
    assert "pw" not in out and "/c@d" in out
