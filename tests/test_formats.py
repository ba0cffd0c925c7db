"""Import and export of redirect lists (linkcheck/redirects/formats, `import`/`export`).

Round trips run through the command line on real-looking files (Greek and Cyrillic paths, a
semicolon CSV with a BOM): import → YAML → export → import must give the same rules, compared
as `load_config` reads them (normalised URLs, status, regex, query, note).
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from linkcheck.cli import main
from linkcheck.config import load_config
from linkcheck.findings import make_finding
from linkcheck.redirects import formats
from linkcheck.redirects.formats import apache, csv_format, netlify, nginx_map
from linkcheck.redirects.formats.yaml_out import render_yaml, scalar

DATA = Path(__file__).parent / "data" / "formats"
ORIGIN = "https://inter.example.org"
RuleKey = tuple[str, str | None, int, bool, str, str]


def rules_of(path: Path) -> list[RuleKey]:
    """The rules as the checker sees them; fails if the file has any problem."""
    config = load_config(path)
    assert [p.message for p in config.problems] == []
    return [
        (
            rule.source if rule.regex else str(rule.from_url),
            rule.to_url if rule.to_url is not None else rule.target,
            rule.status,
            rule.regex,
            rule.query,
            rule.note,
        )
        for rule in config.rules
    ]


def run(*argv: str) -> int:
    return main(list(argv))


def import_file(tmp_path: Path, source: Path, fmt: str, name: str = "imported.yaml") -> Path:
    out = tmp_path / name
    code = run("import", str(source), "--format", fmt, "--origin", ORIGIN, "-o", str(out))
    assert code in (0, 1)
    return out


# --------------------------------------------------------------------------- reporting


SKIPPED_LINES = [
    ("_redirects", "netlify", [18, 19, 20, 21, 22]),
    ("seo-export.csv", "csv", [7, 8, 9]),
    ("redirect.conf", "apache", [14, 15, 16, 17]),
    ("rewritemap.txt", "apache", [6]),
    ("legacy.map.conf", "nginx-map", [13, 14, 19]),
]


@pytest.mark.parametrize(("name", "fmt", "lines"), SKIPPED_LINES)
def test_every_untranslatable_line_is_reported_with_its_number(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str, fmt: str, lines: list[int]
) -> None:
    out = tmp_path / "out.yaml"
    code = run("import", str(DATA / name), "--format", fmt, "--origin", ORIGIN, "-o", str(out))
    err = capsys.readouterr().err
    assert code == 1
    reported = sorted(
        int(line.split(":", 2)[1]) for line in err.splitlines() if ": not imported: " in line
    )
    assert reported == lines
    assert f"{len(lines)} line(s) not imported" in err


@pytest.mark.parametrize(("name", "fmt", "lines"), SKIPPED_LINES)
def test_imported_yaml_loads_without_problems_and_keeps_comments(
    tmp_path: Path, name: str, fmt: str, lines: list[int]
) -> None:
    out = import_file(tmp_path, DATA / name, fmt)
    assert rules_of(out)
    source_comments = [
        ln.strip().lstrip("#").strip()
        for ln in (DATA / name).read_text(encoding="utf-8-sig").splitlines()
        if ln.strip().startswith("#") and not ln.strip().startswith("# note:")
    ]
    written = out.read_text(encoding="utf-8")
    for comment in source_comments:
        assert f"# {comment}" in written


def test_a_clean_file_imports_with_exit_code_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "_redirects"
    source.write_text("/a  /b  301\n/c  /d\n", encoding="utf-8")
    assert run("import", str(source), "--origin", ORIGIN) == 0
    assert "{from: /a, to: /b}" in capsys.readouterr().out


# --------------------------------------------------------------------------- round trips

ROUND_TRIPS = [
    ("_redirects", "netlify", "netlify"),
    ("_redirects", "netlify", "csv"),
    ("seo-export.csv", "csv", "csv"),
    ("seo-export.csv", "csv", "netlify"),
    ("seo-export.csv", "csv", "apache"),
    ("redirect.conf", "apache", "apache"),
    ("redirect.conf", "apache", "csv"),
    ("rewritemap.txt", "apache", "apache"),
    ("legacy.map.conf", "nginx-map", "csv"),
    ("legacy.map.conf", "nginx-map", "apache"),
]


@pytest.mark.parametrize(("name", "fmt", "export_fmt"), ROUND_TRIPS)
def test_import_export_import_gives_the_same_rules(
    tmp_path: Path, name: str, fmt: str, export_fmt: str
) -> None:
    first = import_file(tmp_path, DATA / name, fmt, "first.yaml")
    exported = tmp_path / f"exported.{export_fmt}"
    assert run("export", str(first), "--format", export_fmt, "-o", str(exported)) == 0
    second = import_file(tmp_path, exported, export_fmt, "second.yaml")
    assert rules_of(second) == rules_of(first)


@pytest.mark.parametrize("export_fmt", ["netlify", "apache", "csv"])
def test_export_import_of_a_map_gives_the_same_rules(tmp_path: Path, export_fmt: str) -> None:
    exported = tmp_path / "exported"
    assert run("export", str(DATA / "rich.yaml"), "--format", export_fmt, "-o", str(exported)) == 0
    back = import_file(tmp_path, exported, export_fmt)
    assert rules_of(back) == rules_of(DATA / "rich.yaml")


def test_the_map_linkcheck_nginx_writes_imports_to_the_same_rules(tmp_path: Path) -> None:
    nginx = pytest.importorskip("linkcheck.redirects.nginx", reason="nginx export not merged yet")
    http, _server = nginx.render_nginx(load_config(DATA / "rich.yaml"))
    conf = tmp_path / "linkcheck.conf"
    conf.write_text(http, encoding="utf-8")
    back = import_file(tmp_path, conf, "nginx-map")
    expected = [(*key[:5], "") for key in rules_of(DATA / "rich.yaml")]  # nginx keeps no note
    got = rules_of(back)
    assert sorted(got) == sorted(expected)  # exact keys come before regexes in nginx's order


def test_nginx_map_tables_per_host_become_absolute_sources() -> None:
    text = (
        'map $uri $linkcheck_h0 {\n    "/fr/a.html" "301d:https://fr.example.org/fr/b/";\n'
        '    "~^/fr/(\\\\d+)/$" "302q:https://fr.example.org/fr/n/$1";\n}\n'
        'map $uri $linkcheck_h1 {\n    "/el/%CE%B1" "410";\n}\n'
        'map $host $linkcheck_redirect {\n    default "";\n'
        '    "fr.example.org" $linkcheck_h0;\n    "inter.example.org" $linkcheck_h1;\n}\n'
    )
    result = nginx_map.read(text, ORIGIN)
    assert [(e.source, e.target, e.status, e.regex, e.query) for e in result.entries] == [
        ("https://fr.example.org/fr/a.html", "https://fr.example.org/fr/b/", 301, False, "drop"),
        (r"^https://fr\.example\.org/fr/(\d+)/$", "https://fr.example.org/fr/n/$1", 302, True,
         "keep"),
        ("/el/%CE%B1", None, 410, False, "keep"),
    ]  # fmt: skip
    assert result.skipped == ()


# --------------------------------------------------------------------------- CSV


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("source,target,status\n/α,/β,301\n", "utf-8"),
        ("Status Code;Redirect URL;Address\n301;/β;/α\n", "utf-8-sig"),
        ("TYPE\tNEW\tOLD\npermanent\t/β\t/α\n", "utf-8"),
        ('"From","To"\n"/α","/β"\n', "utf-8"),
        ("source,target,status\n/α,/β,301\n", "utf-16"),
    ],
    ids=["comma", "semicolon-bom", "tab-words", "quoted-no-status", "utf16-bom"],
)
def test_csv_columns_delimiters_and_encodings_are_recognised(content: str, encoding: str) -> None:
    text = formats.decode(content.encode(encoding), "x.csv")
    result = csv_format.read(text)
    assert [(e.source, e.target, e.status) for e in result.entries] == [("/α", "/β", 301)]


def test_csv_without_a_header_row_stops_with_exit_code_two(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_text("/a,/b,301\n", encoding="utf-8")
    assert run("import", str(source)) == 2
    assert "must name a source and a target column" in capsys.readouterr().err


def test_a_file_that_is_not_utf8_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "list.csv"
    source.write_bytes("source,target\n/a,/b\n/caf\xe9,/c\n".encode("latin-1"))
    assert run("import", str(source)) == 2
    assert "list.csv:3: not UTF-8" in capsys.readouterr().err


def test_unknown_csv_columns_are_named_not_dropped_silently() -> None:
    result = csv_format.read("source,target,hits\n/a,/b,12\n")
    assert result.notices == ("columns not imported: hits",)


# --------------------------------------------------------------------------- Netlify, Apache


def test_netlify_placeholders_and_splats_become_regex_rules() -> None:
    result = netlify.read("/blog/:year/:slug  /posts/:slug/  301\n/news/*  /articles/:splat\n")
    assert [(e.source, e.target, e.regex) for e in result.entries] == [
        ("^/blog/([^/]+)/([^/]+)$", "/posts/$2/", True),
        ("^/news/(.*)$", "/articles/$1", True),
    ]


def test_a_regex_netlify_cannot_express_is_reported_by_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "map.yaml"
    config.write_text(
        "version: 1\ndefaults: {origin: https://inter.example.org}\nredirects:\n"
        "  - {from: /a, to: /b}\n"
        "  - {from: '^/en/News/(\\d{4})/(.+)\\.html$', to: '/en/a/$2/', regex: true}\n",
        encoding="utf-8",
    )
    assert run("export", str(config), "--format", "netlify") == 1
    captured = capsys.readouterr()
    assert "/a  /b  301!" in captured.out
    assert "map.yaml:5: not exported: netlify cannot express it" in captured.err


def test_apache_redirect_without_status_means_302_and_prefix_semantics_are_noted() -> None:
    result = apache.read("Redirect /old /new\n")
    assert [(e.source, e.target, e.status) for e in result.entries] == [("/old", "/new", 302)]
    assert any("paths below" in notice for notice in result.notices)


def test_apache_export_skips_a_source_on_another_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "map.yaml"
    config.write_text(
        "version: 1\ndefaults: {origin: https://inter.example.org}\nredirects:\n"
        "  - {from: 'https://inter.example.org/a', to: /b}\n"
        "  - {from: 'https://fr.example.org/a', to: /b}\n",
        encoding="utf-8",
    )
    assert run("export", str(config), "--format", "apache") == 1
    captured = capsys.readouterr()
    assert "RedirectMatch 301 ^/a$ /b" in captured.out
    assert "map.yaml:5: not exported: apache cannot express it: the source is on another host" in (
        captured.err
    )


# --------------------------------------------------------------------------- export rules


def test_export_refuses_while_errors_remain_and_force_skips_invalid_entries(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "map.yaml"
    config.write_text(
        "version: 1\ndefaults: {origin: https://inter.example.org}\nredirects:\n"
        "  - {from: /a, to: /b}\n  - {from: /c, to: /d, status: 310}\n",
        encoding="utf-8",
    )
    out = tmp_path / "_redirects"
    assert run("export", str(config), "--format", "netlify", "-o", str(out)) == 1
    assert "nothing written" in capsys.readouterr().err
    assert not out.exists()
    assert run("export", str(config), "--format", "netlify", "-o", str(out), "--force") == 0
    assert "map.yaml:5: not exported: R300" in capsys.readouterr().err
    assert "/c" not in out.read_text(encoding="utf-8")


def test_entries_with_r307_findings_are_not_exported() -> None:
    config = load_config(DATA / "rich.yaml")
    bad = config.rules[1]
    finding = make_finding("R307", "x", "unsafe", source=bad.position.file_line)
    entries, skipped = formats.exportable(config, [finding])
    assert bad.source not in [e.source for e in entries]
    assert [s.where for s in skipped] == [bad.position.file_line]


def test_import_keeps_an_existing_output_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "redirects.yaml"
    out.write_text("hand-written\n", encoding="utf-8")
    assert run("import", str(DATA / "rewritemap.txt"), "-o", str(out)) == 2
    assert out.read_text(encoding="utf-8") == "hand-written\n"
    assert "exists; pass --force" in capsys.readouterr().err


def test_relative_paths_without_origin_get_a_placeholder_and_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "r.yaml"
    run("import", str(DATA / "rewritemap.txt"), "-o", str(out))
    assert "placeholder" in capsys.readouterr().err
    assert rules_of(out)


# --------------------------------------------------------------------------- guessing, YAML


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("list.csv", "", "csv"),
        ("_redirects", "", "netlify"),
        (".htaccess", "", "apache"),
        ("redirects.txt", "Redirect 301 /a /b\n", "apache"),
        ("legacy.map", "map $uri $x {\n /a /b;\n}\n", "nginx-map"),
        ("export.txt", "Source;Target\n/a;/b\n", "csv"),
        ("redirects.txt", "# list\n/a /b 301\n", "netlify"),
        ("legacy.txt", "old-page /new-page\n", "apache"),
    ],
)
def test_the_format_is_guessed_from_name_then_content(name: str, text: str, expected: str) -> None:
    assert formats.guess_format(name, text) == expected


@pytest.mark.parametrize(
    "value",
    ["/plain/path", "/Νέα/", "it's", "a: b", "x #y", "{a}", "*star", "-dash", "tab\there",
     "https://a.org/x?y=1", "true", "123", "", "back\\slash", "\u2028", "https://a.org",
     "http://127.0.0.1:8601/el/Νέα/", "https://a.org/a:b"],
)  # fmt: skip
def test_yaml_scalars_read_back_as_the_same_string(value: str) -> None:
    import yaml

    assert yaml.safe_load(f"{{v: {scalar(value)}}}") == {"v": value}


def test_a_list_with_only_comments_still_makes_a_loadable_map(tmp_path: Path) -> None:
    out = tmp_path / "r.yaml"
    out.write_text(render_yaml([formats.Comment("only a comment", 1)]), encoding="utf-8")
    assert rules_of(out) == []


def test_utf16_and_bom_decoding() -> None:
    assert formats.decode(codecs.BOM_UTF8 + "/α".encode(), "f") == "/α"
    assert formats.decode("/α".encode("utf-16"), "f") == "/α"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("RedirectMatch 301 ^/a(?<name>x)$ /b", "does not compile"),
        ("RedirectMatch 301 ^/\\p{L}+$ /b", "does not compile"),
        ("Redirect 301 /a b.html", "is not a path starting with '/'"),
        ("Redirect 301 /a https://bad:port/x", "https://bad:port/x"),
    ],
)
def test_entries_the_loader_would_reject_are_reported_not_written(line: str, reason: str) -> None:
    result = formats.import_text(f"Redirect 301 /ok /fine\n{line}\n", "apache")
    assert [e.source for e in result.entries] == ["/ok"]
    assert [s.line for s in result.skipped] == [2]
    assert reason in result.skipped[0].reason


def test_version_option_prints_the_version(capsys: pytest.CaptureFixture[str]) -> None:
    from linkcheck import __version__

    with pytest.raises(SystemExit) as exit_info:
        run("--version")
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"linkcheck {__version__}"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("/news/*  /articles/:splat\n/news/special  /special\n", "netlify"),
        ("RedirectMatch 301 ^/news/(.*)$ /articles/$1\nRedirect 301 /news/special /special\n",
         "apache"),
    ],
)  # fmt: skip
def test_an_exact_rule_shadowed_by_an_earlier_pattern_is_noted(text: str, fmt: str) -> None:
    """First match wins there, exact paths first in nginx: the import says it changes."""
    result = formats.import_text(text, fmt)
    assert any(n.startswith("line 2: ") and "line 1" in n for n in result.notices)


def test_no_precedence_note_when_the_exact_rule_comes_first() -> None:
    result = formats.import_text("/news/special  /special\n/news/*  /articles/:splat\n", "netlify")
    assert not any("took this path first" in n for n in result.notices)


def test_wordpress_redirection_export_uses_code_not_type_for_the_status() -> None:
    text = (
        '"source","target","regex","type","code","match","hits","title"\n'
        '"/old/","/new/","0","url","302","url","4","moved"\n'
        '"^/blog/(.*)$","/articles/$1","1","url","301","url","0",""\n'
    )
    result = csv_format.read(text)
    assert [(e.source, e.target, e.status, e.regex) for e in result.entries] == [
        ("/old/", "/new/", 302, False),
        ("^/blog/(.*)$", "/articles/$1", 301, True),
    ]
    assert result.notices == ("columns not imported: type, match, hits",)
    assert result.entries[0].note == "moved"


def test_include_file_output_is_read_through_the_main_maps_include(tmp_path: Path) -> None:
    maps = tmp_path / "maps"
    maps.mkdir()
    part = maps / "netlify.yaml"
    code = run("import", str(DATA / "_redirects"), "--include-file", "-o", str(part))
    assert code == 1  # the sample holds lines that cannot be translated
    assert "version:" not in part.read_text(encoding="utf-8")
    main_map = tmp_path / "redirects.yaml"
    main_map.write_text(
        f"version: 1\ndefaults: {{origin: '{ORIGIN}'}}\ninclude: [maps/*.yaml]\n", encoding="utf-8"
    )
    alone = import_file(tmp_path, DATA / "_redirects", "netlify")
    assert rules_of(main_map) == rules_of(alone)


def test_nginx_tokens_follow_nginx_comment_and_quote_rules() -> None:
    text = (
        "map $uri $new {  # trailing comment\n"
        "    /a#b   /c;          # `#` inside a word is part of it\n"
        '    "/q \\"x\\""  "301:/r";\n'
        "}\n"
    )
    result = nginx_map.read(text)
    assert [(e.source, e.target) for e in result.entries] == [("/a#b", "/c"), ('/q "x"', "/r")]
    assert [c.text for c in result.items if isinstance(c, formats.Comment)] == [
        "trailing comment",
        "`#` inside a word is part of it",
    ]


@pytest.mark.parametrize("fmt", ["netlify", "apache"])
def test_a_regex_that_spells_one_path_exports_as_that_path(fmt: str) -> None:
    entry = formats.Entry(r"^/a\.html$", "/b/", 301, 3, regex=True, where="m.yaml:3")
    result = (netlify.write if fmt == "netlify" else apache.write)([entry])
    assert result.skipped == ()
    back = formats.import_text(result.text, fmt)
    assert [(e.source, e.target, e.regex) for e in back.entries] == [("/a.html", "/b/", False)]


@pytest.mark.parametrize(
    "entry",
    [
        formats.Entry("/a/:b", "/c", 301, 1, where="m:1"),  # a literal `:b` segment
        formats.Entry("/a*", "/c", 301, 2, where="m:2"),  # a literal star
        formats.Entry("^/x/:y/(.*)$", "/z/$1", 301, 3, regex=True, where="m:3"),
    ],
)
def test_netlify_export_reports_rules_it_would_read_back_differently(
    entry: formats.Entry,
) -> None:
    result = netlify.write([entry])
    assert [s.where for s in result.skipped] == [entry.where]


@pytest.mark.parametrize("export_fmt", ["netlify", "apache", "csv"])
def test_the_demo_map_round_trips_except_what_is_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], export_fmt: str
) -> None:
    """The repository's own redirects.yaml: every rule comes back, or is named on stderr."""
    demo_map = Path(__file__).resolve().parent.parent / "redirects.yaml"
    if not demo_map.exists():
        pytest.skip("the demo map is not in this checkout")
    exported = tmp_path / "exported"
    code = run("export", str(demo_map), "--format", export_fmt, "-o", str(exported))
    err = capsys.readouterr().err
    reported = {
        int(line.split(":", 2)[1]) for line in err.splitlines() if ": not exported: " in line
    }
    assert code == (1 if reported else 0)
    config = load_config(demo_map)
    kept = [r for r in config.rules if r.position.line not in reported]
    back = tmp_path / "back.yaml"
    origin = str(config.defaults.origin)
    assert (
        run("import", str(exported), "--format", export_fmt, "--origin", origin, "-o", str(back))
        == 0
    )
    assert [(r.from_url or r.source, r.to_url, r.status) for r in load_config(back).rules] == [
        (r.from_url or r.source, r.to_url, r.status) for r in kept
    ]


_VOCABULARY = [
    "/", "/a", "/Νέα/", "/новости", "*", ":slug", ":splat", "#", "# note: n", "~", "~*", "^",
    "$", "$1", "(", ")", "(.*)", "([^/]+)", "{", "}", ";", '"', "'", "\\", "301", "302!",
    "410", "200", "999", "https://", "http://h.org", "https://a.org:99999", "Redirect",
    "RedirectMatch", "gone", "map", "$uri", "$host", "default", "include", ",", "\t", "=",
    "id=:id", "source,target,status", "%CE%B1", "%zz", "\x00", "\u2028", " ", " ", "\n",
]  # fmt: skip


@pytest.mark.parametrize("fmt", formats.IMPORT_FORMATS)
def test_garbage_never_escapes_as_a_traceback_and_the_yaml_always_loads(
    tmp_path: Path, fmt: str
) -> None:
    """Seeded fuzz: any input is either refused as a whole (ImportFormatError) or gives
    YAML that loads without a single problem, every other line being reported."""
    import random

    from linkcheck.errors import ImportFormatError

    rng = random.Random(f"formats-{fmt}")
    out = tmp_path / "fuzz.yaml"
    for _ in range(150):
        text = "".join(rng.choice(_VOCABULARY) for _ in range(rng.randint(1, 40)))
        if fmt == "csv":
            text = "source,target,status\n" + text
        try:
            result = formats.import_text(text, fmt, origin=ORIGIN)
        except ImportFormatError:
            continue
        out.write_text(render_yaml(result.items, origin=ORIGIN), encoding="utf-8")
        config = load_config(out)
        assert [p.message for p in config.problems] == [], text
        assert len(config.rules) == len(result.entries)


_SEGMENTS = ["a", "Νέα", "новости", "a.html", "%CE%B1", "x-y_z", "~u", "2018", "a:b", "*", "(1)"]


@pytest.mark.parametrize("export_fmt", formats.EXPORT_FORMATS)
def test_random_maps_round_trip_through_every_export_format(
    tmp_path: Path, export_fmt: str
) -> None:
    """Seeded fuzz of the round trip: every rule comes back the same, or the export named it."""
    import random

    rng = random.Random(f"round-trip-{export_fmt}")
    for round_number in range(25):
        entries: list[formats.Entry] = []
        for line in range(1, rng.randint(2, 12)):
            path = "/" + "/".join(rng.choice(_SEGMENTS) for _ in range(rng.randint(1, 3)))
            status = rng.choice([301, 302, 303, 307, 308, 410])
            if rng.random() < 0.25:
                source, target = f"^{path.replace('*', '')}/([^/]+)/(.*)$", "/new/$2/$1"
                regex = True
            else:
                source, target, regex = path, path.upper() + "/", False
            entries.append(
                formats.Entry(source, None if status == 410 else target, status, line,
                              regex=regex, note=rng.choice(["", "why: moved", "n°1"]))
            )  # fmt: skip
        source_map = tmp_path / f"map{round_number}.yaml"
        source_map.write_text(render_yaml(entries, origin=ORIGIN), encoding="utf-8")
        config = load_config(source_map)
        assert config.problems == ()
        result, invalid = formats.export_config(config, export_fmt, [])
        assert invalid == []
        exported = tmp_path / f"out{round_number}"
        exported.write_text(result.text, encoding="utf-8")
        back = load_config(import_file(tmp_path, exported, export_fmt, f"back{round_number}.yaml"))
        reported = {s.where for s in result.skipped}
        kept = [r for r in config.rules if r.position.file_line not in reported]
        assert [(r.from_url or r.source, r.to_url, r.status) for r in back.rules] == [
            (r.from_url or r.source, r.to_url, r.status) for r in kept
        ], result.text
