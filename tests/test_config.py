"""Loading `redirects.yaml`: positions, includes, unusable files, and the fast path.

The fast path (one-line flow entries read without PyYAML's resolver) must give exactly the
model the YAML path gives, problems and positions included: every case here is loaded both
ways and compared.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from linkcheck import config as config_module
from linkcheck.config import Config, load_config
from linkcheck.errors import ConfigError, ConfigSyntaxError

HEADER = """\
version: 1
settings: {concurrency: 4}
defaults: {status: 301, origin: 'https://inter.example.org'}
redirects:
"""


def load_both(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Config | str, Config | str, bool]:
    """(fast-path result, YAML-path result, whether the fast path applied)."""
    used: list[bool] = []
    real = config_module._fast_split

    def spy(text: str, *, bare_list: bool) -> object:
        result = real(text, bare_list=bare_list)
        used.append(result is not None)
        return result

    def attempt() -> Config | str:
        try:
            return load_config(path)
        except ConfigError as exc:
            return f"error: {exc}"

    with monkeypatch.context() as patch:
        patch.setattr(config_module, "_fast_split", spy)
        fast = attempt()
    with monkeypatch.context() as patch:
        patch.setattr(config_module, "_fast_split", lambda text, *, bare_list: None)
        slow = attempt()
    return fast, slow, any(used)


ENTRIES = [
    "- {from: /en/a.html, to: /en/b/}",
    "- {from: /en/a.html, to: /en/b/, status: 302}",
    "- {from: /en/a.html, to: /en/b/, status: 0301}",
    "- {from: /en/a.html, status: 410}",
    "- {from: /en/a.html, to: /en/b/, status: 410}",
    "- {from: /en/a.html, to: /en/b/, status: 999}",
    "- {from: /en/a.html}",
    "- {from: /en/a.html, to: ''}",
    "- {from: /en/a.html, to: '  '}",
    "- {from: '/en/l''article.html', to: '/en/b c/'}",
    "- {from: 'https://INTER.Example.org:443/en/./x/../a.html', to: 'HTTP://other.org:80'}",
    "- {from: /el/Νέα/άρθρο.html, to: /el/%ce%ac%cf%81/}",
    "- {from: '/el/%CE%9D%CE%AD%CE%B1.html', to: '/el/x/#top'}",
    "- {from: /a, to: /b#frag}",
    "- {from: https://bad host/, to: /b}",
    "- {from: 'https://[::1', to: /b}",
    "- {from: a.html, to: /b}",
    "- {from: /a, to: b.html}",
    "- {from: 123, to: /b}",
    "- {from: /a, to: null}",
    "- {from: /a, to: ~}",
    "- {from: /a, to: }",
    "- {from: /a, to: yes}",
    "- {to: /b, from: /a}",
    "- {from: /a, to: /b, colour: red}",
    "- {from: /a, to: /b, from: /c}",
    "- { from: /a ,  to: /b , status: 302 }",
    "- {from: /a, to: /b}   # a comment",
    "- {from: /a, to: /b, note: 'moved'}",
    "- {from: /a:b, to: /c}",
    "- {from: 'http://h:8080/a', to: /c}",
    "- {from: /a, to: /b?x=1&y=2}",
    '- {from: /a, to: "/b"}',
    '- {from: /a, to: "/b\\u00e9"}',
    "- {from: '^/old/(.*)$', to: '/new/$1', regex: true}",
    "- {from: '^/old/(.*)$', to: '/new/$1', status: 302, regex: true}",
    "- {from: '^/old/(.*)$', to: '/new/$1', regex: true, status: 308}",
    "- {from: '^/old/(.*)$', to: '/new/$1', status: 302, regex: true, status: 301}",
    "- {from: '^/old/(.*)$', to: 'https://Other.org/$1', regex: true}",
    "- {from: '^/old/(.*)$', to: 'new/$1', regex: true}",
    "- {from: '^/old/(.*)$', status: 410, regex: true}",
    "- {from: '^/old/(.*)$', regex: true}",
    "- {from: '^/old/(?P<a>.*)$', to: '/new/$1', regex: true}",
    "- {from: '/(a|b)', to: '/new/$1', regex: true}",
    "- {from: '^/old/(.*$', to: '/new/$1', regex: true}",
    "- {from: /a, to: /b, query: drop}",
    "- {from: /a, to: /b, query: sometimes}",
    "- from: /a\n    to: /b",
    "- {from: '^/n/(\\d+)$', to: '/m/$1', regex: true,\n     examples: [{from: /n/1, to: /m/1}]}",
    "- {from: /a/.hidden, to: /b//c}",
    "- {from: /a/../b, to: /c/./d}",
    "- {from: /~user/x, to: '/%7euser/y'}",
    "- {from: /a%2Fb, to: '/a%2fb'}",
    "- {from: '/a(1)*;=@!$&+', to: /b}",
    "- [not, a, mapping]",
    "- plain",
    "-",
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_fast_path_gives_the_yaml_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entry: str
) -> None:
    path = tmp_path / "redirects.yaml"
    body = "".join(f"  {e}\n" for e in ("- {from: /first, to: /x}", entry, "- {from: /z, to: /y}"))
    path.write_text(HEADER + body + "sites: {}\n", encoding="utf-8")
    fast, slow, _ = load_both(path, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize(
    "text",
    [
        HEADER + "- {from: /a, to: /b}\n- {from: /c, to: /d}\n",  # items at column 0
        HEADER + "\n  # comment\n  - {from: /a, to: /b}\n\n  - {from: /c, to: /d}\n\n",
        "redirects:\n  - {from: 'https://x.org/a', to: /b}\nversion: 1\n",
        "redirects:\n  - {from: /a, to: /b}\ndefaults: {origin: 'https://x.org'}\n",
        "redirects:\n  - {from: /a, to: /b}\n",  # no origin
        "redirects:\n  - {from: '^/a(.*)', to: '/b$1', regex: true}\n",
        "redirects:\n  - {from: '^/a(.*)', to: 'https://x.org/b$1', regex: true}\n",
        HEADER + "  - &e {from: /a, to: /b}\n  - *e\n",
        HEADER + "  - {from: /a, to: /b}\r\n  - {from: /c, to: /d}\r\n",
        HEADER + "  - {from: /a,\tto: /b}\n",
        HEADER + "  - {from: /a, to: /b}\n    - {from: /c, to: /d}\n",
        HEADER + "  - {from: /a, to: /b}\n redirects: 2\n",
        HEADER + "  - {from: /a, to: /b}\nredirects: []\n",
        HEADER + "  - {from: /a, to: /b\n",
        HEADER + "  - {from: /a, to: /b}\n---\nversion: 1\n",
        HEADER.replace("redirects:", "redirects: # the map") + "  - {from: /a, to: /b}\n",
        HEADER.replace("redirects:", "redirects: []"),
        HEADER + "  # nothing\n",
        HEADER + "  - {from: /a, to: /b}\nunknown: 1\n",
        '"redirects":\n  - {from: /a, to: /b}\n',
        "settings:\n  user_agent: 'x\n  redirects: y'\n" + HEADER + "  - {from: /a, to: /b}\n",
    ],
)
def test_fast_path_gives_the_yaml_model_for_odd_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    path = tmp_path / "redirects.yaml"
    path.write_text(text, encoding="utf-8", newline="")
    fast, slow, _ = load_both(path, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_fast_path_applies_to_a_plain_map(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    path = tmp_path / "redirects.yaml"
    text = HEADER + "  - {from: /a, to: /b}\n  - {from: /c, to: /d}   # note\n"
    path.write_text(text.replace("\n", newline), encoding="utf-8", newline="")
    fast, slow, used = load_both(path, monkeypatch)
    assert used and fast == slow


def test_fast_path_matches_yaml_on_random_maps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A seeded fuzz: entries assembled from odd pieces load the same both ways."""
    pieces_from = ["/a", "'/a b'", "/ά", "'/%ce%ac'", "https://X.org/a/./b", "x", "''", "/a:"]
    pieces_to = ["/b", "'/b''c'", "/β/", "null", "'https://y.org'", "/c#f", "/d?e=1", ""]
    keys = ["status: 301", "status: 410", "status: 3", "regex: true", "note: n", "query: drop"]
    rng = random.Random(20261127)
    for round_ in range(8):
        lines = []
        for _ in range(40):
            parts = [f"from: {rng.choice(pieces_from)}"]
            if rng.random() < 0.8:
                parts.append(f"to: {rng.choice(pieces_to)}")
            parts += rng.sample(keys, rng.randint(0, 2))
            if rng.random() < 0.1:
                rng.shuffle(parts)
            lines.append("  - {" + ", ".join(parts) + "}")
        path = tmp_path / f"random-{round_}.yaml"
        path.write_text(HEADER + "\n".join(lines) + "\n", encoding="utf-8")
        fast, slow, _ = load_both(path, monkeypatch)
        assert fast == slow, path.read_text(encoding="utf-8")


def test_included_files_take_the_fast_path_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "maps").mkdir()
    (tmp_path / "maps" / "1.yaml").write_text(
        "# list only\n- {from: /a, to: /b}\n- {from: /c, to: /d, status: 999}\n",
        encoding="utf-8",
    )
    (tmp_path / "maps" / "2.yaml").write_text(
        "redirects:\n  - {from: /e, to: /f}\nextra: 1\n", encoding="utf-8"
    )
    path = tmp_path / "redirects.yaml"
    path.write_text(
        HEADER.replace("redirects:", "include: 'maps/*.yaml'\nredirects:")
        + "  - {from: /g, to: /h}\n",
        encoding="utf-8",
    )
    fast, slow, used = load_both(path, monkeypatch)
    assert used and fast == slow
    assert isinstance(fast, Config)
    assert [(r.position.file.rsplit("/", 1)[-1], r.position.line) for r in fast.rules] == [
        ("redirects.yaml", 6),
        ("1.yaml", 2),
        ("1.yaml", 3),
        ("2.yaml", 2),
    ]
    assert [p.details["position"].rsplit("/", 1)[-1] for p in fast.problems] == [
        "1.yaml:3:30",
        "2.yaml:3:1",
    ]


class TestPositions:
    def test_rule_position_is_the_entry(self, tmp_path: Path) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_text(
            HEADER + "\n  - {from: /a, to: /b}\n  - from: /c\n    to: /d\n", encoding="utf-8"
        )
        config = load_config(path)
        assert [(r.position.line, r.position.column) for r in config.rules] == [(6, 5), (7, 5)]
        assert config.rules[0].from_url == "https://inter.example.org/a"

    def test_problem_source_is_the_entry_and_position_the_value(self, tmp_path: Path) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_text(HEADER + "  - from: /a\n    to: /b\n    status: 399\n", encoding="utf-8")
        (problem,) = load_config(path).problems
        assert problem.source == f"{path}:5"
        assert problem.details["position"] == f"{path}:7:13"
        assert problem.url == "https://inter.example.org/a"

    def test_greek_raw_and_encoded_are_one_url(self, tmp_path: Path) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_text(
            HEADER + "  - {from: /el/Νέα, to: /x}\n  - {from: '/el/%ce%9d%CE%AD%ce%b1', to: /x}\n",
            encoding="utf-8",
        )
        first, second = load_config(path).rules
        assert first.from_url == second.from_url


class TestUnusableFiles:
    """What stops the run: ConfigError with file (and line:column where known)."""

    @pytest.mark.parametrize(
        ("content", "expected"),
        [
            (b"version: 1\nredirects: [\n  {from: /a\n", r"redirects.yaml:\d+:\d+: YAML syntax"),
            (b"\x00\x01\x02binary", "binary file"),
            (b"", "empty"),
            (b"   \n# c\n", "empty"),
            (b"version: 1\n\xff\xfe\n", r"redirects.yaml:2: not UTF-8"),
            (b"- a\n- b\n", r"redirects.yaml:1:1: the configuration must be a mapping"),
            (b"version: 2\n", r"redirects.yaml:1:10: unsupported configuration version"),
        ],
    )
    def test_unusable(self, tmp_path: Path, content: bytes, expected: str) -> None:
        path = tmp_path / "redirects.yaml"
        path.write_bytes(content)
        with pytest.raises(ConfigError, match=expected):
            load_config(path)

    def test_oversized_file(self, tmp_path: Path) -> None:
        path = tmp_path / "redirects.yaml"
        with path.open("wb") as fh:
            fh.truncate(50 * 1024 * 1024)
        with pytest.raises(ConfigSyntaxError, match="MiB, over the"):
            load_config(path)

    def test_syntax_error_in_an_included_file_names_it(self, tmp_path: Path) -> None:
        (tmp_path / "more.yaml").write_text("redirects:\n  - {from: /a\n", encoding="utf-8")
        path = tmp_path / "redirects.yaml"
        path.write_text("version: 1\ninclude: more.yaml\n", encoding="utf-8")
        with pytest.raises(ConfigSyntaxError, match=r"more.yaml:3:1: YAML syntax error"):
            load_config(path)


@pytest.mark.parametrize(
    ("site", "field"),
    [
        ("upgraded: '^/en/(a+)+$'", "upgraded"),
        ("counterpart: {pattern: {match: '^/en/(.*a){20}$', legacy: '/old/'}}", "match"),
    ],
)
def test_a_site_regex_with_nested_quantifiers_is_r300_and_not_used(
    tmp_path: Path, site: str, field: str
) -> None:
    """It would hang the crawl or the pairing on an unlucky path (Python's re holds the GIL)."""
    path = tmp_path / "cfg.yaml"
    path.write_text(
        "version: 1\nsites:\n"
        "  en: {new: 'https://inter.example.org/en/', legacy: 'https://old.example.org/', "
        f"{site}}}\n",
        encoding="utf-8",
    )
    config = load_config(path)
    (problem,) = config.problems
    assert problem.code == "R300"
    assert "exponential time" in problem.message and field in problem.message
    assert config.sites[0].upgraded is None
    counterpart = config.sites[0].counterpart
    assert counterpart is None or counterpart.pattern is None
