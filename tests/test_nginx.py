"""redirects/nginx.py: generated rules that a real nginx accepts and serves as the map says.

One nginx per module (Debian's binary, own prefix, 127.0.0.1 only) serves the rules generated
from a 60-odd-rule map; raw requests and the live verifier check every rule against it.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.nginx import NginxServer

from linkcheck.cli import main
from linkcheck.config import Config, load_config
from linkcheck.fetch import Fetcher
from linkcheck.redirects import nginx as nginx_module
from linkcheck.redirects.nginx import build_nginx, nginx_problems, render_nginx, server_conf_path
from linkcheck.redirects.verify import expected_target, verify_redirects
from linkcheck.urls import normalize

pytestmark = pytest.mark.nginx

GREEK = ["άρθρο", "ειδήσεις", "συνάντηση", "αρχείο", "Ελλάδα"]


def sample_map(origin: str) -> str:
    """A map of 64 rules: exact, Greek, regex with captures, every status, query modes."""
    lines = [
        "version: 1",
        f"defaults: {{status: 301, origin: '{origin}'}}",
        "settings: {rate: 1000, per_host: 16, retries: 0, timeout: 5}",
        "redirects:",
    ]
    for n in range(24):
        lines.append(f"  - {{from: /old/page-{n}.html, to: /new/page-{n}/}}")
    for n, word in enumerate(GREEK):
        lines.append(f"  - {{from: /el/παλιά/{word}.html, to: /el/νέα/{word}-{n}/}}")
    # the same kind of rule written percent-encoded in the map
    lines.append("  - {from: /el/%CE%B1%CF%81%CF%87%CE%B5%CE%AF%CE%BF/, to: /el/archive/}")
    for n, status in enumerate((302, 303, 307, 308, 302, 308)):
        lines.append(
            f"  - {{from: /moved/{status}-{n}, to: /target/{status}-{n}, status: {status}}}"
        )
    for n in range(6):
        lines.append(f"  - {{from: /gone/{n}.html, status: 410}}")
    for n in range(4):
        lines.append(f"  - {{from: /drop/{n}, to: /dropped/{n}/, query: drop}}")
    for n in range(4):
        lines.append(f"  - {{from: /join/{n}, to: '/joined/{n}?lang=el'}}")
    lines.append(f"  - {{from: '{origin}/absolute/x', to: /absolute/y/, status: 302}}")
    lines += [
        r"  - {from: '^/archive/(\d{4})/(.+)\.html$', to: '/articles/$2/?year=$1', regex: true,",
        "     examples: [{from: /archive/2018/meeting.html, to: '/articles/meeting/?year=2018'}]}",
        "  - {from: '^/el/αρχείο/(.+)$', to: '/el/άρθρα/$1', regex: true, status: 302}",
        r"  - {from: '^/blog/(\d+)/(.*)$', to: '/posts/$2-$1', regex: true, status: 308,",
        "     query: drop}",
        "  - {from: '^/old/(.*)$', to: '/new/$1', regex: true}",
        "  - {from: '^/gone-dir/', status: 410, regex: true}",
        r"  - {from: '^" + re.escape(origin) + r"/abs-re/([a-z]+)$', to: '/abs/$1', regex: true}",
        # shadowed in nginx order: the exact key wins over this later regex
        "  - {from: '^/old/page-0\\.html$', to: /never/, regex: true}",
    ]
    for n in range(8):
        lines.append(f"  - {{from: /bulk/{n}, to: '{origin}/bulk-new/{n}'}}")
    return "\n".join(lines) + "\n"


SEEN = [
    "/archive/2019/summer-party.html",
    "/archive/2020/αγώνας.html?ref=home",
    "/el/αρχείο/2018/νέα",
    "/blog/42/hello-world?utm=x",
    "/old/deeper/path/",
    "/old/page-0.html",
    "/gone-dir/anything",
    "/abs-re/abc",
    "/not/in/map",
]


@dataclasses.dataclass
class Served:
    server: NginxServer
    config: Config
    path: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    prefix = tmp_path_factory.mktemp("nginx")
    server = NginxServer(prefix)
    path = prefix / "redirects.yaml"
    path.write_text(sample_map(server.origin), encoding="utf-8")
    config = load_config(path)
    assert not config.problems
    server.write(*render_nginx(config))
    server.start()
    try:
        yield Served(server, config, path)
    finally:
        server.stop()


# --------------------------------------------------------------------------- nginx accepts


def test_test_map_has_at_least_50_rules_all_exported(served: Served) -> None:
    export = build_nginx(served.config)
    assert len(served.config.rules) >= 50
    assert not export.refused
    assert len(export.rules) == len(served.config.rules)


def test_nginx_t_accepts_the_generated_rules_without_warnings(served: Served) -> None:
    checked = served.server.test_config()
    assert checked.returncode == 0, checked.stderr
    assert "[warn]" not in checked.stderr and "[emerg]" not in checked.stderr


# --------------------------------------------------------------------------- nginx serves


@pytest.mark.parametrize(
    ("request_target", "status", "location"),
    [
        ("/old/page-3.html", 301, "/new/page-3/"),
        ("/old/page-3.html?a=1&b=2", 301, "/new/page-3/?a=1&b=2"),
        ("/moved/302-0", 302, "/target/302-0"),
        ("/moved/303-1", 303, "/target/303-1"),
        ("/moved/307-2", 307, "/target/307-2"),
        ("/moved/308-3", 308, "/target/308-3"),
        ("/drop/1?x=1", 301, "/dropped/1/"),
        ("/join/2", 301, "/joined/2?lang=el"),
        ("/join/2?x=1", 301, "/joined/2?lang=el&x=1"),
        ("/absolute/x", 302, "/absolute/y/"),
        ("/archive/2018/meeting.html", 301, "/articles/meeting/?year=2018"),
        ("/archive/2018/meeting.html?p=2", 301, "/articles/meeting/?year=2018&p=2"),
        ("/blog/7/post?q=1", 308, "/posts/post-7"),
        ("/old/page-0.html", 301, "/new/page-0/"),  # exact key beats the later regex
        ("/old/x/y", 301, "/new/x/y"),
        ("/abs-re/abc", 301, "/abs/abc"),
        ("/bulk/5", 301, "/bulk-new/5"),
    ],
)
def test_nginx_answers_each_rule_as_declared(
    served: Served, request_target: str, status: int, location: str
) -> None:
    got_status, got_location = served.server.location(request_target)
    assert got_status == status
    assert got_location == served.server.origin + location


@pytest.mark.parametrize(
    "request_target",
    [
        "/el/παλιά/συνάντηση.html",
        "/el/%CF%80%CE%B1%CE%BB%CE%B9%CE%AC/%CF%83%CF%85%CE%BD%CE%AC%CE%BD%CF%84%CE%B7%CF%83%CE%B7.html",
        "/el/%cf%80%ce%b1%ce%bb%ce%b9%ce%ac/%cf%83%cf%85%ce%bd%ce%ac%ce%bd%cf%84%ce%b7%cf%83%ce%b7.html",
        "/el/παλιά/%CF%83%CF%85%CE%BD%CE%AC%CE%BD%CF%84%CE%B7%CF%83%CE%B7.html",
    ],
)
def test_greek_path_matches_raw_and_percent_encoded_in_either_case(
    served: Served, request_target: str
) -> None:
    status, location = served.server.location(request_target)
    assert status == 301
    assert location is not None
    assert normalize(location) == normalize(served.server.origin + "/el/νέα/συνάντηση-2/")


@pytest.mark.parametrize(
    "request_target", ["/el/αρχείο/", "/el/%ce%b1%cf%81%cf%87%ce%b5%ce%af%ce%bf/"]
)
def test_percent_encoded_map_entry_matches_both_spellings(
    served: Served, request_target: str
) -> None:
    assert served.server.location(request_target) == (301, served.server.origin + "/el/archive/")


def test_greek_regex_capture_reaches_the_target(served: Served) -> None:
    status, location = served.server.location("/el/%CE%B1%CF%81%CF%87%CE%B5%CE%AF%CE%BF/2018/νέα")
    assert status == 302
    assert location is not None
    assert normalize(location) == normalize(served.server.origin + "/el/άρθρα/2018/νέα")


@pytest.mark.parametrize("request_target", ["/gone/3.html", "/gone-dir/x/y"])
def test_gone_rules_answer_410(served: Served, request_target: str) -> None:
    assert served.server.location(request_target) == (410, None)


def test_paths_not_in_the_map_are_served_untouched(served: Served) -> None:
    assert served.server.location("/not/in/map") == (200, None)
    assert served.server.location("/OLD/deeper") == (200, None)  # regexes are case-sensitive


@pytest.mark.parametrize(
    "request_target",
    ["/old/a%0D%0ASet-Cookie:x", "/old/a%0ASet-Cookie:%20x=1", "/old/a%0Db", "/new%0d%0aX:1"],
)
def test_crlf_in_the_decoded_path_gets_400_and_no_header(
    served: Served, request_target: str
) -> None:
    status, lines, _ = served.server.raw_get(request_target)
    assert status == 400
    assert not any(line.lower().startswith(("set-cookie", "x:", "location")) for line in lines)


def test_other_host_gets_no_redirect(served: Served) -> None:
    assert served.server.location("/old/page-3.html", host="other.example") == (200, None)


# --------------------------------------------------------------------------- live check


async def test_verify_finds_nothing_when_nginx_serves_the_map(served: Served) -> None:
    async with Fetcher(served.config.settings) as fetcher:
        records, findings = await verify_redirects(
            served.config, fetcher, [served.server.origin + u for u in SEEN]
        )
    assert findings == []
    assert len(records) == len(served.config.rules)
    checked = [r for r in records if r.live is not None]
    # every rule but the shadowed regex has a concrete source that was checked
    assert len(checked) == len(records) - 1
    assert all(r.healthy for r in checked)
    # regex rules were checked on the crawled URLs they win, not only on their examples
    blog = next(r for r in records if r.source.startswith("^/blog/"))
    assert blog.live is not None and blog.live.status == 308


def _mutated(config: Config, origin: str) -> Config:
    """The map behind the map's back: a target swapped, a status changed, a rule dropped."""
    rules = []
    for rule in config.rules:
        if rule.source == "/old/page-1.html":
            rule = dataclasses.replace(rule, to_url=origin + "/new/page-2/")
        elif rule.source == "/moved/302-0":
            rule = dataclasses.replace(rule, status=307)
        elif rule.source == "/old/page-5.html":
            continue
        elif rule.source == "/gone/0.html":
            rule = dataclasses.replace(rule, status=301, to_url=origin + "/somewhere/")
        rules.append(rule)
    return dataclasses.replace(config, rules=tuple(rules))


async def test_verify_reports_exactly_what_was_changed_behind_the_map(served: Served) -> None:
    origin = served.server.origin
    served.server.reload(*render_nginx(_mutated(served.config, origin)))
    try:
        async with Fetcher(served.config.settings) as fetcher:
            _, findings = await verify_redirects(served.config, fetcher, [origin + u for u in SEEN])
    finally:
        served.server.reload(*render_nginx(served.config))
    got = sorted((f.code, f.url) for f in findings)
    # /old/page-5.html is dropped from the map: the catch-all regex `^/old/(.*)$` sends it to
    # /new/page-5.html instead of /new/page-5/
    assert got == [
        ("V401", origin + "/moved/302-0"),
        ("V402", origin + "/old/page-1.html"),
        ("V402", origin + "/old/page-5.html"),
        ("V406", origin + "/gone/0.html"),
    ]


async def test_verify_reports_a_rule_missing_from_nginx_as_v400(served: Served) -> None:
    origin = served.server.origin
    config = served.config
    kept = tuple(r for r in config.rules if r.source != "/moved/308-3")
    served.server.reload(*render_nginx(dataclasses.replace(config, rules=kept)))
    try:
        async with Fetcher(served.config.settings) as fetcher:
            _, findings = await verify_redirects(config, fetcher, [])
    finally:
        served.server.reload(*render_nginx(config))
    assert [(f.code, f.url) for f in findings] == [("V400", origin + "/moved/308-3")]


# --------------------------------------------------------------------------- injection


INJECTIONS = [
    ("/a;return 200 x", "/b/"),
    ("/a}", "/b/"),
    ("/a{", "/b/"),
    ('/a"b', "/b/"),
    ("/a'b", "/b/"),
    ("/a", "/b/$foo"),
    ("/a", '/b";return 200 x;#'),
    ("/a b", "/b/"),
    ("/a\nreturn 200 x;", "/b/"),
    ("/a", "/b/\r\nSet-Cookie: x"),
]


def _write_map(tmp_path: Path, entries: str, origin: str = "http://127.0.0.1:8080") -> Path:
    path = tmp_path / "redirects.yaml"
    text = f"version: 1\ndefaults: {{origin: '{origin}'}}\nredirects:\n" + textwrap.dedent(entries)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("source", "target"), INJECTIONS)
def test_injection_attempt_never_reaches_the_generated_file(
    tmp_path: Path, source: str, target: str
) -> None:
    def esc(text: str) -> str:
        text = text.replace("\\", "\\\\").replace('"', '\\"')
        return text.replace("\n", "\\n").replace("\r", "\\r")

    path = _write_map(
        tmp_path,
        f'  - {{from: "{esc(source)}", to: "{esc(target)}"}}\n  - {{from: /ok, to: /fine/}}\n',
    )
    config = load_config(path)
    http, server = render_nginx(config)
    text = http + server
    assert [r.rule.source for r in build_nginx(config).rules] == ["/ok"]
    assert '"/a' not in text and "/b/" not in text
    for needle in ("return 200 x", "$foo", "Set-Cookie", "a'b", "\r"):
        assert needle not in text
    assert [f.code for f in nginx_problems(config)] == ["R307"]


def test_newline_in_a_source_never_reaches_the_file(tmp_path: Path) -> None:
    path = _write_map(tmp_path, '  - {from: "/a\\nreturn 200;", to: /b/}\n')
    http, server = render_nginx(load_config(path))
    assert "return 200;" not in http + server
    assert "/b/" not in http


def test_comment_naming_the_map_file_cannot_break_out(tmp_path: Path) -> None:
    folder = tmp_path / "x\nreturn 200;"
    folder.mkdir()
    path = _write_map(folder, "  - {from: /a, to: /b/}\n")
    http, server = render_nginx(load_config(path))
    for line in (http + server).splitlines():
        assert not line.startswith("return 200")


@pytest.mark.parametrize(
    ("regex", "why"),
    [
        ("^/a/(?P<slug>.+)$", "named groups"),
        ("^/a/(?<=x)b$", "look-behind"),
        ("(?i)^/a/$", "inline flags"),
        ("^/a/(.++)$", "possessive"),
        ("^/a/(.+)\\Z", "Python-only"),
        ("^/a/[α-ω]+$", "non-ASCII"),
    ],
)
def test_regex_nginx_reads_otherwise_is_refused(tmp_path: Path, regex: str, why: str) -> None:
    path = _write_map(tmp_path, f"  - {{from: '{regex}', to: /b/, regex: true}}\n")
    problems = nginx_problems(load_config(path))
    assert len(problems) == 1 and why in problems[0].message
    assert "~" not in render_nginx(load_config(path))[0].split("map $uri")[-1]


def test_target_group_beyond_the_regex_is_refused(tmp_path: Path) -> None:
    path = _write_map(tmp_path, "  - {from: '^/a/(.+)$', to: '/b/$2', regex: true}\n")
    assert "$2" in nginx_problems(load_config(path))[0].message


def test_long_greek_key_gets_a_big_enough_hash_bucket(tmp_path: Path, served: Served) -> None:
    slug = "συνάντηση-των-υπουργών-εξωτερικών-της-ευρωπαϊκής-ένωσης" * 2
    path = _write_map(
        tmp_path,
        f"  - {{from: /el/{slug}.html, to: /el/new/}}\n  - {{from: '/a\\', to: /b/}}\n",
    )
    export = build_nginx(load_config(path))  # the generator alone: the validator refuses `\`
    http, server = export.http, export.server
    assert '"/a\\\\" "301q:' in http  # the generator escapes a backslash correctly
    size = int(re.search(r"map_hash_bucket_size (\d+);", http).group(1))  # type: ignore[union-attr]
    assert size > len(f"/el/{slug}.html".encode()) + 18
    checker = NginxServer(tmp_path / "prefix", port=served.server.port)
    checker.write(http, server)
    checked = checker.test_config()
    assert checked.returncode == 0, checked.stderr


def test_exact_keys_differing_in_ascii_case_keep_the_first(tmp_path: Path) -> None:
    path = _write_map(tmp_path, "  - {from: /About, to: /x/}\n  - {from: /about, to: /y/}\n")
    export = build_nginx(load_config(path))
    assert [r.rule.source for r in export.rules] == ["/About"]
    assert "line 4" in export.refused[0].reason


# --------------------------------------------------------------------------- command line


def test_cli_writes_http_and_server_parts(served: Served, tmp_path: Path) -> None:
    out = tmp_path / "linkcheck.conf"
    assert main(["nginx", str(served.path), "-o", str(out)]) == 0
    server_part = Path(server_conf_path(str(out)))
    assert server_part.name == "linkcheck.server.conf"
    assert (out.read_text(encoding="utf-8"), server_part.read_text(encoding="utf-8")) == (
        render_nginx(served.config)
    )
    assert str(served.path) in out.read_text(encoding="utf-8").splitlines()[1]


def test_cli_prints_to_stdout_without_output(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["nginx", str(served.path)]) == 0
    http, server = render_nginx(served.config)
    assert capsys.readouterr().out == http + "\n" + server


def test_cli_refuses_while_errors_remain_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_map(tmp_path, "  - {from: /a, to: /b/, status: 310}\n  - {from: /c, to: /d/}\n")
    out = tmp_path / "out.conf"
    assert main(["nginx", str(path), "-o", str(out)]) == 1
    assert not out.exists()
    assert "R300" in capsys.readouterr().err
    assert main(["nginx", str(path), "-o", str(out), "--force"]) == 0
    text = out.read_text(encoding="utf-8")
    assert '"/c"' in text and '"/a"' not in text


# --------------------------------------------------------------------------- end to end


def _check_config(served: Served, tmp_path: Path) -> Path:
    origin = served.server.origin
    path = tmp_path / "check.yaml"
    path.write_text(
        served.path.read_text(encoding="utf-8")
        + f"sites:\n  en: {{new: '{origin}/new/', seeds: ['{origin}/blog/42/hello-world']}}\n",
        encoding="utf-8",
    )
    return path


def _v_findings(out: Path) -> list[tuple[str, str]]:
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return sorted((f["code"], f["url"]) for f in report["findings"] if f["code"][0] == "V")


def test_linkcheck_check_against_nginx_finds_no_v_code(served: Served, tmp_path: Path) -> None:
    config = _check_config(served, tmp_path)
    out = tmp_path / "out"
    code = main(["check", str(config), "-o", str(out), "--format", "json", "--quiet"])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert _v_findings(out) == []
    assert code == 0, report["findings"]
    assert report["summary"]["redirects"] == len(served.config.rules)
    unchecked = {r["from"] for r in report["redirects"] if r["live"] is None}
    # regex rules without examples are checked on crawled URLs only: here the one seed
    assert unchecked == {
        "^/el/αρχείο/(.+)$",
        "^/old/(.*)$",
        "^/gone-dir/",
        "^" + re.escape(served.server.origin) + "/abs-re/([a-z]+)$",
        "^/old/page-0\\.html$",
    }
    blog = next(r for r in report["redirects"] if r["from"].startswith("^/blog/"))
    assert blog["live"]["status"] == 308


def test_linkcheck_check_reports_rules_changed_behind_the_map(
    served: Served, tmp_path: Path
) -> None:
    origin = served.server.origin
    config = _check_config(served, tmp_path)
    out = tmp_path / "out"
    served.server.reload(*render_nginx(_mutated(served.config, origin)))
    try:
        code = main(["check", str(config), "-o", str(out), "--format", "json", "--quiet"])
    finally:
        served.server.reload(*render_nginx(served.config))
    assert code == 1
    assert _v_findings(out) == [
        ("V401", origin + "/moved/302-0"),
        ("V402", origin + "/old/page-1.html"),
        ("V402", origin + "/old/page-5.html"),
        ("V406", origin + "/gone/0.html"),
    ]


def test_cli_unwritable_output_is_a_clear_error(
    served: Served, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "no-such-folder" / "linkcheck.conf"
    assert main(["nginx", str(served.path), "-o", str(out)]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_cli_refuses_a_rule_nginx_cannot_express(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write_map(tmp_path, "  - {from: '/a;b', to: /b/}\n  - {from: /c, to: /d/}\n")
    assert main(["nginx", str(path)]) == 1
    assert "R307" in capsys.readouterr().err
    assert main(["nginx", str(path), "--force"]) == 0
    printed = capsys.readouterr().out
    assert '"/c"' in printed and "/a;b" not in printed


# --------------------------------------------------------------------------- fuzz

NASTY = ";{}\"'$ \t\r\n\x00\x0b\x7f"
ODD = "\\#~^()[]*+?|%&=/.-_αΩж`<>@!,:0123456789azAZ"


def _fuzz_map(seed: int, count: int) -> str:
    rng = random.Random(seed)

    def text(n: int) -> str:
        return "".join(
            rng.choice(NASTY if rng.random() < 0.03 else ODD) for _ in range(rng.randint(1, n))
        )

    lines = []
    for _ in range(count):
        regex = rng.random() < 0.3
        source = ("^/" if regex else "/") + text(12)
        status = rng.choice((301, 302, 303, 307, 308, 410))
        entry = {"from": source, "status": status, "regex": regex}
        if status != 410:
            entry["to"] = rng.choice(("/", "http://127.0.0.1:8080/", "/x/$1")) + text(12)
        lines.append("  - " + json.dumps(entry))
    return "\n".join(lines) + "\n"


@pytest.mark.filterwarnings("ignore::FutureWarning")  # random regexes such as `[[`
@pytest.mark.parametrize("seed", range(3))
def test_any_map_renders_to_a_config_nginx_accepts(
    served: Served, tmp_path: Path, seed: int
) -> None:
    path = _write_map(tmp_path, _fuzz_map(seed, 150))
    export = build_nginx(load_config(path))
    entry = re.compile(
        r'    "(?:[^"\\\x00-\x1f\x7f]|\\[\\"])*" "(?:[^"\\$\x00-\x1f\x7f]|\$[1-9])*";'
    )
    body = export.http.split("map $uri", 1)[-1]
    for line in body.splitlines():
        if line.startswith("    ") and "$linkcheck_h" not in line and line != '    default "";':
            assert entry.fullmatch(line), line
    allowed = re.compile(
        r'(#.*|if \(\$uri ~ "\[\\r\\n\]"\) \{ return 400; \}|'
        r'if \(\$linkcheck_redirect = "410"\) \{ return 410; \}|'
        r'if \(\$linkcheck_redirect ~ "\^30[12378][qad]:\(\.\*\)\$"\) \{ return 30[12378] '
        r"\$1(\$is_args\$args|\$linkcheck_amp_args)?; \}|)"
    )
    for line in export.server.splitlines():
        assert allowed.fullmatch(line), line
    checker = NginxServer(tmp_path / "prefix", port=served.server.port)
    checker.write(export.http, export.server)
    checked = checker.test_config()
    assert checked.returncode == 0, checked.stderr
    assert export.rules  # some rules survive, so the check is not vacuous


@pytest.mark.filterwarnings("ignore::FutureWarning")
@pytest.mark.parametrize("seed", range(3))
async def test_random_exact_rules_round_trip_through_nginx(
    served: Served, tmp_path: Path, seed: int
) -> None:
    """Every exported exact rule of a random map answers its declared status and target at
    the first hop (random maps chain and shadow, so later hops are not judged here)."""
    origin = served.server.origin
    text = _fuzz_map(seed, 150).replace("http://127.0.0.1:8080/", origin + "/")
    config = load_config(_write_map(tmp_path, text, origin=origin))
    config = dataclasses.replace(config, settings=served.config.settings)
    export = build_nginx(config)
    exact = [r.rule for r in export.rules if not r.rule.regex]
    served.server.reload(export.http, export.server)
    try:
        async with Fetcher(config.settings) as fetcher:
            # invalid=(): every exported rule, whatever the validator thinks of it
            records, _ = await verify_redirects(
                dataclasses.replace(config, rules=tuple(exact)), fetcher, [], invalid=()
            )
    finally:
        served.server.reload(*render_nginx(served.config))
    assert len(exact) > 20
    for rule, record in zip(exact, records, strict=True):
        assert record.live is not None
        assert rule.from_url is not None
        expected = expected_target(rule, rule.from_url, None)
        assert (record.live.status, record.live.location) == (rule.status, expected), rule


def test_capture_in_the_target_host_is_refused(tmp_path: Path) -> None:
    path = _write_map(tmp_path, "  - {from: '^/go/([^/]+)$', to: 'https://$1/', regex: true}\n")
    problems = nginx_problems(load_config(path))
    assert len(problems) == 1 and "host" in problems[0].message


def test_each_host_gets_its_own_table_keyed_in_punycode(tmp_path: Path) -> None:
    """Absolute rules on other hosts (one an IDN) are served by Host, never by DNS."""
    server = NginxServer(tmp_path / "prefix")
    path = _write_map(
        tmp_path,
        "  - {from: 'http://ΕΛ.example.org/νέα/', to: 'http://ελ.example.org/news/'}\n"
        "  - {from: 'http://fr.example.org/a', to: 'http://fr.example.org/b', status: 302}\n"
        "  - {from: /a, to: /c}\n"
        "  - {from: '^https?://fr\\.example\\.org/re/(.*)$', to: 'http://fr.example.org/x/$1',"
        " regex: true}\n",
        origin=server.origin,
    )
    http, server_part = render_nginx(load_config(path))
    assert '"xn--qxam.example.org" $linkcheck_h' in http
    server.write(http, server_part)
    server.start()
    try:
        idn = server.location("/%CE%BD%CE%AD%CE%B1/", host="xn--qxam.example.org")
        assert idn == (301, "http://xn--qxam.example.org/news/")
        assert server.location("/a", host="fr.example.org") == (302, "http://fr.example.org/b")
        assert server.location("/re/q", host="fr.example.org") == (301, "http://fr.example.org/x/q")
        assert server.location("/a", host="FR.example.org.") == (302, "http://fr.example.org/b")
        assert server.location("/a") == (301, server.origin + "/c")
        assert server.location("/a", host="other.example.org") == (200, None)
        assert server.location("/re/q") == (200, None)
    finally:
        server.stop()


def test_a_map_without_rules_still_gives_a_valid_config(tmp_path: Path) -> None:
    path = tmp_path / "redirects.yaml"
    path.write_text("version: 1\nredirects: []\n", encoding="utf-8")
    export = build_nginx(load_config(path))
    assert export.rules == ()
    checker = NginxServer(tmp_path / "prefix")
    checker.write(export.http, export.server)
    checked = checker.test_config()
    assert checked.returncode == 0, checked.stderr


def test_a_conflicting_duplicate_is_reported_once_by_check_and_validate(tmp_path: Path) -> None:
    """The validator's R302 covers the later entry of one source; the export used to add an
    R307 'same nginx key ... ignoring ASCII case' for it too (in `check`, not in `validate`)."""
    from linkcheck.redirects.nginx import validated_export

    path = tmp_path / "map.yaml"
    path.write_text(
        "version: 1\ndefaults: {origin: 'https://h.example'}\nredirects:\n"
        "  - {from: /a, to: /x}\n  - {from: /a, to: /y}\n"
        "  - {from: /B, to: /x}\n  - {from: /b, to: /y}\n",
        encoding="utf-8",
    )
    findings, export = validated_export(load_config(path))
    assert sorted((f.code, f.source) for f in findings) == [
        ("R302", f"{path}:5"),
        ("R307", f"{path}:7"),
    ]
    assert [r.key for r in export.rules] == ["/a", "/B"]


@pytest.mark.parametrize(
    ("entry", "fast"),
    [
        ("{from: /en/a.html, to: /en/b/}", True),
        ("{from: /en/a.html, to: 'https://fr.example.org/fr/b/?x=1'}", True),
        ("{from: /en/a.html, to: /en/b/, query: drop, status: 308}", True),
        ("{from: /en/gone.html, status: 410}", True),
        ("{from: 'https://other.example.org/x', to: /y}", True),
        ("{from: /EN/Upper.html, to: /en/upper/}", True),
        ("{from: /en/%7Euser, to: /en/b%20c/}", False),
        ("{from: /el/νέα.html, to: /el/άρθρα/}", False),
        ("{from: /en/.well-known/x, to: /y}", False),
    ],
)
def test_the_plain_fast_path_writes_what_the_general_path_writes(
    tmp_path: Path, entry: str, fast: bool
) -> None:
    """Big maps take a shortcut for plain exact rules; where it applies, same entry."""
    path = tmp_path / "map.yaml"
    path.write_text(
        "defaults: {origin: 'https://inter.example.org'}\nredirects:\n  - " + entry + "\n",
        encoding="utf-8",
    )
    config = load_config(path)
    (rule,) = config.rules
    plain = nginx_module._plain_exact(rule)
    assert (plain is not None) is fast
    if plain is not None:
        assert plain == nginx_module._general_rule(rule, config.defaults.origin)
