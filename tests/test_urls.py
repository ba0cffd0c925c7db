"""urls.py: one normalisation, so that two spellings of one URL are one URL."""

from __future__ import annotations

from urllib.parse import urljoin

import pytest

from linkcheck.urls import decoded_path, display, in_prefix, normalize, resolve, split_fragment


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("HTTP://Example.ORG:80/a", "http://example.org/a"),
        ("https://example.org:443/a/./b/../c", "https://example.org/a/c"),
        ("http://example.org", "http://example.org/"),
        ("http://example.org/el/νέα/", "http://example.org/el/%ce%bd%ce%ad%ce%b1/"),
        ("http://example.org/el/%CE%BD%CE%AD%CE%B1/", "http://example.org/el/%ce%bd%ce%ad%ce%b1/"),
        (
            "http://example.org/ru/новости",
            "http://example.org/ru/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8",
        ),
        ("http://example.org/%7Euser", "http://example.org/~user"),
        ("http://ΕΛ.example.org/", "http://xn--qxam.example.org/"),
    ],
)
def test_spellings_of_one_url_normalise_equal(a: str, b: str) -> None:
    assert normalize(a) == normalize(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("http://example.org/a%2Fb", "http://example.org/a/b"),
        ("http://example.org/a", "http://example.org/a/"),
        ("http://example.org/a", "https://example.org/a"),
        ("http://example.org:8080/a", "http://example.org/a"),
    ],
)
def test_different_urls_stay_different(a: str, b: str) -> None:
    assert normalize(a) != normalize(b)


def test_resolve_relative_reference_and_keep_fragment() -> None:
    assert resolve("../b/c?x#f", "http://a.org/en/a/d.html") == "http://a.org/en/b/c?x#f"


def test_split_fragment_decodes_fragment() -> None:
    assert split_fragment("http://a.org/p#%CE%B1") == ("http://a.org/p", "α")


def test_decoded_path_is_what_nginx_uri_holds() -> None:
    assert decoded_path(normalize("http://a.org/el/%ce%bd%ce%ad%ce%b1/")) == "/el/νέα/"


def test_display_shows_letters_and_unicode_host() -> None:
    assert display(normalize("https://ελ.example.org/νέα")) == "https://ελ.example.org/νέα"


@pytest.mark.parametrize(
    ("url", "prefix", "inside"),
    [
        ("http://a.org/en/x", "http://a.org/en/", True),
        ("http://a.org/en/", "http://a.org/en/", True),
        ("http://a.org/en", "http://a.org/en/", True),
        ("http://a.org/enx", "http://a.org/en", False),
        ("http://b.org/en/x", "http://a.org/en/", False),
        ("https://a.org/en/x", "http://a.org/en/", False),
    ],
)
def test_scope_prefix(url: str, prefix: str, inside: bool) -> None:
    assert in_prefix(normalize(url), normalize(prefix)) is inside


_JOIN_BASES = [
    "http://a.org/en/a/d.html",
    "http://a.org/en/a/d.html?x=1#f",
    "http://a.org",
    "https://a.org:8443/x/y/z?q/r#s/t",
    "http://a.org/a/b;p?q",
    "http://a.org/%CE%AC/b.html",
]
_JOIN_REFERENCES = ["", "#f", "?q", "c", "./c", "../../../c", "/c?x#y", "//b.org/c", ";p", ".."]
_JOIN_REFERENCES += ["c#", "c#a#b", " /c ", "?#", "c#\u03b2"]


@pytest.mark.parametrize("base", _JOIN_BASES)
def test_resolve_cache_gives_what_a_plain_join_gives(base: str) -> None:
    """resolve caches joins on part of the base; the answers must not change for it."""
    for reference in [*_JOIN_REFERENCES, "ά/β.html", "http://x.org/"]:
        assert resolve(reference, base) == normalize(urljoin(base, reference)), reference


def test_fast_canonical_encoding_agrees_with_the_byte_loop() -> None:
    """The quote()+regex fast path of percent-encoding gives what the byte loop gives."""
    import random

    from linkcheck import urls

    rng = random.Random(1)
    alphabet = [*"aZ09-._~!$&'()*+,;=:@/?%# \"<>\\^`{|}\x00\x7f", "ά", "é", "😀", "\ud800"]
    alphabet += ["%41", "%2f", "%2F", "%ce%ac", "%CE%AC", "%zz", "%4", "%7e", "%25", "%5F"]
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 10)))
        for safe in (urls._PATH_SAFE, urls._QUERY_SAFE):
            fast = urls._canonical_component(text, safe)
            assert fast == urls._canonical_component_slow(text, safe), text


_CANONICAL_CASES = [
    "https://inter.example.org/en/a.html",
    "https://inter.example.org/en/a.html?x=1&y=2",
    "https://inter.example.org/",
    "https://inter.example.org",
    "https://inter.example.org/a?",
    "https://inter.example.org/a/./b",
    "https://inter.example.org/a/.well-known",
    "https://inter.example.org//a",
    "https://inter.example.org/%CE%B1",
    "https://inter.example.org/%ce%b1",
    "https://inter.example.org/%41",
    "https://inter.example.org/%7E",
    "https://inter.example.org/%2F",
    "https://inter.example.org/%2",
    "https://inter.example.org/a#b",
    "https://Inter.example.org/a",
    "https://inter.example.org./a",
    "https://inter.example.org:443/a",
    "https://inter.example.org:8443/a",
    "http://127.0.0.1:8711/el/%CE%B1.html?q=1",
    "http://127.0.0.1:80/a",
    "https://inter.example.org:0443/a",
    "http://inter.example.org:00/a",
    "http://inter.example.org:443/a",
    "https://inter.example.org:80/a",
    "https://inter.example.org:65535/a",
    "https://u@inter.example.org/a",
    "http://127.0.0.1/a",
    "https://xn--bcher-kva.example/a",
    "https://a-.example/a",
    "https://inter.example.org/a b",
    "https://inter.example.org/a'b(c)*;=@!$&+,:",
]


def _random_urls(
    count: int, origins: list[str], pieces: list[str], *, seed: int, longest: int
) -> list[str]:
    """`count` seeded URLs: one of `origins`, '/', then up to `longest` of `pieces`."""
    import random

    rng = random.Random(seed)
    return [
        rng.choice(origins) + "/" + "".join(rng.choices(pieces, k=rng.randint(0, longest)))
        for _ in range(count)
    ]


_PLAIN_ORIGINS = [
    "https://h.org",
    "http://h.org",
    "https://H.org",
    "https://h.org:443",
    "https://h.org:81",
    "http://127.0.0.1:8711",
]
_PLAIN_PIECES = ["a", "/", ".", "..", "%41", "%ce%b1", "%CE%B1", "%2F", "?", "&", "=", "~", "-"]
_PLAIN_PIECES += ["α"]
# Origins normalize must change or refuse, and pieces urlsplit deletes or chokes on.
_MESSY_ORIGINS = [
    *_PLAIN_ORIGINS,
    "https://h.org.",
    "https://h.org:0081",
    "https://h.org:65536",
    "https://u:p@h.org",
    "https://[::1]:8080",
    " https://h.org",
]
_MESSY_PIECES = [*"a/.?#&=~-% \t\n\r\\@:;", "..", "%41", "%ce%b1", "%2F", "%2", "α", "é", "😀"]
_MESSY_PIECES += ["\ud800", "\x00", "\x7f"]


@pytest.mark.parametrize(
    "url", _CANONICAL_CASES + _random_urls(300, _PLAIN_ORIGINS, _PLAIN_PIECES, seed=7, longest=8)
)
def test_canonical_shortcut_never_changes_normalize(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`is_canonical` is only a shortcut: normalize gives the same with or without it."""
    from linkcheck import urls

    fast = urls.normalize.__wrapped__(url)  # type: ignore[attr-defined]
    shortcut = urls.is_canonical(url)
    monkeypatch.setattr(urls, "is_canonical", lambda _url: False)
    slow = urls.normalize.__wrapped__(url)  # type: ignore[attr-defined]
    assert fast == slow
    if shortcut:
        assert slow == url


@pytest.mark.parametrize(
    "url", _CANONICAL_CASES + _random_urls(400, _MESSY_ORIGINS, _MESSY_PIECES, seed=11, longest=10)
)
def test_canonical_origin_shortcut_never_changes_normalize(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A URL whose origin is already canonical skips urlsplit: the result is the same."""
    import re

    from linkcheck import urls

    def outcome() -> str:
        try:
            return urls.normalize.__wrapped__(url)  # type: ignore[attr-defined]
        except urls.UrlError as exc:
            return f"UrlError {exc}"

    fast = outcome()
    monkeypatch.setattr(urls, "_CANONICAL_ORIGIN", re.compile(r"(?!)"))
    assert outcome() == fast


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://127.0.0.1:8711/a", True),
        ("https://h.org:65535/a", True),
        ("http://h.org:80/a", False),
        ("https://h.org:443/a", False),
        ("https://h.org:0443/a", False),
        ("https://h.org:65536/a", False),
        ("https://h.org:999999/a", False),
    ],
)
def test_canonical_shortcut_takes_ports_but_not_default_or_invalid_ones(
    url: str, canonical: bool
) -> None:
    from linkcheck import urls

    assert urls.is_canonical(url) is canonical


@pytest.mark.parametrize(
    "url",
    [
        "http://h.org/a/b?q=1#f",
        "https://h.org:8443/",
        "http://h.org",
        "http://h.org?x=/y",
        "http://h.org#/frag",
        "http://user:pw@h.org/a",
        "http://u@h.org@evil.org/a",
        "http://H.Org:80/a",
        "HTTP://h.org/a",
        "http://h.o\trg/a",
        "http://[::1]:8080/a",
        "ftp://h.org/a",
        " http://h.org/a",
        "http:/h.org/a",
        "mailto:a@h.org",
    ],
)
def test_origin_key_urls_sharing_a_key_share_the_origin(url: str) -> None:
    """A per-origin cache keyed on the slice answers what origin_of would have."""
    from linkcheck.urls import origin_key, origin_of

    key = origin_key(url)
    if key is None:
        assert not url.startswith(("http://", "https://"))
    else:
        assert url.startswith(key)
        assert origin_of(key) == origin_of(url)
        assert origin_of(key + "/other?x#y") == origin_of(url)
