"""extract.py: HTML → Page, pure."""

from __future__ import annotations

import dataclasses
import html as markup
from unittest import mock

import pytest
from selectolax.lexbor import LexborHTMLParser

from linkcheck import extract as extract_module
from linkcheck.extract import (
    _SKIP_SCHEMES,
    ExtractCache,
    Found,
    _base,
    extract,
    extract_ids,
)
from linkcheck.model import Link
from linkcheck.urls import (
    UrlError,
    is_http,
    origin_of,
    resolve,
    split_fragment,
)

PAGE = "https://inter.example.org/en/articles/meeting/"


def links_of(html: str, url: str = PAGE) -> list[tuple[str, str, str]]:
    return [(link.url, link.fragment, link.element) for link in extract(url, html).links]


class TestLinks:
    @pytest.mark.parametrize(
        ("html", "expected"),
        [
            ('<a href="other/">x</a>', [(PAGE + "other/", "", "a")]),
            ('<area href="/map">', [("https://inter.example.org/map", "", "area")]),
            (
                '<link rel="stylesheet" href="/s.css">',
                [("https://inter.example.org/s.css", "", "link")],
            ),
            ('<img src="i.png">', [(PAGE + "i.png", "", "img")]),
            (
                '<img srcset="a.png 1x, b.png 2x">',
                [(PAGE + "a.png", "", "img"), (PAGE + "b.png", "", "img")],
            ),
            ('<script src="/j.js"></script>', [("https://inter.example.org/j.js", "", "script")]),
            (
                '<picture><source srcset="/p.webp"></picture>',
                [("https://inter.example.org/p.webp", "", "source")],
            ),
            (
                '<iframe src="https://x.example.com/v"></iframe>',
                [("https://x.example.com/v", "", "iframe")],
            ),
        ],
        ids=["a", "area", "link", "img", "srcset", "script", "source", "iframe"],
    )
    def test_links_from_every_linking_element(
        self, html: str, expected: list[tuple[str, str, str]]
    ) -> None:
        assert links_of(html) == expected

    @pytest.mark.parametrize(
        "href",
        ["javascript:void(0)", "mailto:a@b.org", "tel:+30123", "data:text/plain,x", "ftp://h/f"],
    )
    def test_non_http_links_are_skipped(self, href: str) -> None:
        assert links_of(f'<a href="{href}">x</a>') == []

    def test_base_href_is_honoured(self) -> None:
        html = '<head><base href="https://fr.example.org/fr/"></head><a href="page">x</a>'
        assert links_of(html) == [("https://fr.example.org/fr/page", "", "a")]

    def test_fragments_are_split_and_decoded(self) -> None:
        html = '<a href="/x#%CE%B1">x</a><a href="#top-id">y</a>'
        assert links_of(html) == [
            ("https://inter.example.org/x", "α", "a"),
            (PAGE, "top-id", "a"),
        ]

    def test_greek_paths_raw_and_encoded_are_one_url(self) -> None:
        html = '<a href="/el/άρθρα/">a</a><a href="/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/">b</a>'
        urls = {link[0] for link in links_of(html)}
        assert urls == {"https://inter.example.org/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/"}

    def test_repeated_links_on_one_page_are_kept_once(self) -> None:
        assert len(links_of('<a href="/a">1</a><a href="/a">2</a>')) == 1

    def test_unusable_urls_are_skipped_without_error(self) -> None:
        assert links_of('<a href="http://[::1">x</a><a href="http://h:99999/">y</a>') == []


class TestPageFacts:
    def test_title_lang_text_and_ids(self) -> None:
        html = (
            '<html lang="el"><head><title>  Η  συνάντηση </title></head><body>'
            '<nav>menu</nav><main><h1 id="top">Τίτλος</h1><p>Κείμενο <b>εδώ</b></p>'
            '<script>var hidden = 1;</script><a name="old-anchor">a</a>'
            '<span id="%CE%B1">z</span></main></body></html>'
        )
        page = extract(PAGE, html)
        assert page.title == "Η συνάντηση"
        assert page.lang == "el"
        assert page.text == "Τίτλος Κείμενο εδώ a z"
        assert {"top", "old-anchor", "α"} <= page.ids

    def test_hreflang_alternates(self) -> None:
        html = (
            '<link rel="alternate" hreflang="fr" href="https://fr.example.org/fr/reunion/">'
            '<link rel="alternate" href="/feed.xml">'
        )
        page = extract(PAGE, html)
        assert [(a.hreflang, a.url) for a in page.alternates] == [
            ("fr", "https://fr.example.org/fr/reunion/")
        ]

    def test_counterpart_notice_is_picked_and_left_out_of_links(self) -> None:
        html = (
            '<div class="old-pages"><a href="https://old.example.org/en/News/m.html">old</a></div>'
            '<a href="/en/other/">other</a>'
        )
        page = extract(PAGE, html, selector=".old-pages a")
        assert page.notice == "https://old.example.org/en/News/m.html"
        assert [link.url for link in page.links] == ["https://inter.example.org/en/other/"]

    def test_notice_selector_may_name_the_container(self) -> None:
        html = '<p class="old-pages">See <a href="/old.html">the old page</a></p>'
        assert extract(PAGE, html, selector=".old-pages").notice == (
            "https://inter.example.org/old.html"
        )

    def test_a_bad_selector_gives_no_notice(self) -> None:
        assert extract(PAGE, '<a href="/x">x</a>', selector="a[[").notice is None

    @pytest.mark.parametrize(
        "html",
        [
            "",
            "<<<>>>",
            "<a href=" + "x" * 100_000,
            "<div>" * 20_000,
            "\x00\x01<html><body>\ud800</body>",
        ],
        ids=["empty", "garbage", "huge-attr", "deep", "control-chars"],
    )
    def test_malformed_html_does_not_crash(self, html: str) -> None:
        extract(PAGE, html, selector=".x a")

    def test_extract_ids_alone(self) -> None:
        assert extract_ids('<p id="a"></p><a name="b"></a><form name="c"></form>') == {"a", "b"}


@pytest.mark.parametrize(
    ("href", "url", "fragment"),
    [
        ("b.html#s1", "http://a.org/en/b.html", "s1"),
        ("b.html#s2", "http://a.org/en/b.html", "s2"),
        ("b.html#", "http://a.org/en/b.html", ""),
        ("/x/%CE%B1.html#%CE%B2", "http://a.org/x/%CE%B1.html", "β"),
        ("/x/α.html#a b", "http://a.org/x/%CE%B1.html", "a b"),
        (" b.html#s3 ", "http://a.org/en/b.html", "s3"),
        ("#top", "http://a.org/en/a.html", "top"),
    ],
)
def test_fragment_variants_of_one_reference_resolve_alike(
    href: str, url: str, fragment: str
) -> None:
    """The fragment is split off before the resolution cache; the answers must not change."""
    page = extract("http://a.org/en/a.html", f'<a href="b.html">x</a><a href="{href}">y</a>')
    assert (page.links[-1].url, page.links[-1].fragment) == (url, fragment)


@pytest.mark.parametrize(
    ("href", "reason"),
    [
        ("http://[::1", "Invalid IPv6 URL"),
        ("http://example.org:99999/x", "invalid port"),
        ("https://\u00e9\u00e9.\u0080.example/", "invalid international host name"),
    ],
)
def test_a_reference_that_is_no_url_is_kept_as_malformed(href: str, reason: str) -> None:
    """Such links used to vanish silently: a broken link nobody was told about."""
    page = extract("https://h.example/en/", f'<a href="{href}">x</a><a href="{href}">again</a>')
    assert page.links == ()
    assert page.malformed == ((href, reason),)


@pytest.mark.parametrize(
    "href", ["mailto:a@b.c", "javascript:void(0)", "ftp://h/x", "tel:+30", "", "#top", "a.html"]
)
def test_other_schemes_and_usual_links_are_not_malformed(href: str) -> None:
    assert extract("https://h.example/en/", f'<a href="{href}">x</a>').malformed == ()


# ---------------------------------------------------------------- the resolution fast path
# `ExtractCache` keeps answers per origin and per folder, and simple paths are joined by
# concatenation: the answers must stay those of the plain path. `_uncached` is the
# resolution without either, `_plain` is `urls.resolve` + `split_fragment`.

PAGES = [
    "http://a.org/en/a.html",
    "http://a.org/en/other.html",
    "http://a.org/en/a.html?x=1",
    "http://a.org/en/a.html?x=1#frag",
    "http://a.org/",
    "http://a.org/fr/b.html",
    "https://b.example/fr/%C3%A9t%C3%A9/page?q=1",
    "http://127.0.0.1:8711/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/p.html",
    "http://[::1]:8080/x/y.html",
    "http://u:p@a.org/en/a.html",
    "http://a.org/en//double/a.html",
]
BASE_HREFS = [
    None,
    "../fr/",
    "https://c.example/base/",
    "//d.example/x/y",
    "?only",
    "http://[::1",
    "javascript:void(0)",
    "HTTPS://E.Example:443/up/",
]
REFERENCES = [
    "b.html", "/b.html", "./b.html", "../b.html", "../../../b.html", ".", "..", "./", "x/../y",
    "sub/", "sub//x", "a;p", "a?q", "a?", "?q", "?", "#frag", "#", "", "   ", " b.html ",
    "\tb.html\n", "b\t.html", "b\n.html", "b .html", "\\b.html", "/\\b", "b\\c",
    "/el/άρθρα/", "/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/", "/el/%ce%ac%cf%81%ce%b8%cf%81%ce%b1/",
    "άρθρα/γ.html", "%CE%B3.html", "%ce%b3.html", "/fr/été/", "/fr/%C3%A9t%C3%A9/",
    "été.html#ancre", "été.html#ancré", "b.html#a b", "b.html#%CE%B1", "b.html#", " b.html#s3 ",
    "/x//y", "//host/x", "//HOST:80/x", "///x", "http://h/x", "HTTP://H.Example:80/x",
    "https://h:443/x", "http://h:8080/x", "http://h:99999/x", "http://h:x/", "http://[::1]/x",
    "http://[::1", "http://[fe80::1]:81/a", "http:x", "https:", "http://", "http://#x",
    "javascript:void(0)", "JavaScript:x", "mailto:a@b.c", "data:text/plain,x", "tel:+30",
    "ftp://h/f", "about:blank", "x:y", "/a:b", "a:b", "/%2e%2e/x", "%2E%2E/x", "/a/%2F/b",
    "/a?b=c&d=%zz", "/%", "/a#b#c", "/\u00a0x", "x\u3000", "/\x01x", "\u200bx", "/α β",
    "/a/./b/../c", "/.hidden", ".hidden", "/x?y=//z", "x?y=/./z", "/ＡＢ", "http://ëxample.com/x",
    "http://exa mple.com/", "https://xn--bcher-kva.example/a", "https://inter.example.org./a",
]  # fmt: skip


def _uncached(reference: str, base: str) -> tuple[str, str] | None:
    """The answer without either shortcut: `ExtractCache.resolve` on throwaway answers (no
    cache), and `_join`'s concatenation swapped for `urls.resolve`."""
    with mock.patch.object(extract_module, "_join", resolve):
        return ExtractCache().resolve({}, {}, reference, base, origin_of(base))


def _plain(reference: str, base: str) -> tuple[str, str] | None:
    reference = reference.strip()
    if not reference or reference[:11].lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        absolute = resolve(reference, base)
    except (UrlError, ValueError):
        return None
    return split_fragment(absolute) if is_http(absolute) else None


def _known_difference(reference: str, base: str) -> bool:
    """Where the resolution never was `urls.resolve`: a root-relative plain reference on a
    page with credentials in its URL loses them (joined to the origin), and `http://`
    (no host) is no link rather than the page itself (urljoin's reading)."""
    userinfo = "@" in base.split("/")[2] and reference.strip().startswith("/")
    return userinfo or reference.strip().partition("#")[0] == "http://"


def _page_html(base_href: str | None, references: list[str]) -> str:
    head = "" if base_href is None else f'<base href="{markup.escape(base_href)}">'
    anchors = "".join(f'<a href="{markup.escape(r)}">x</a>' for r in references)
    return f"<html><head>{head}</head><body>{anchors}</body></html>"


@pytest.mark.parametrize("reference", REFERENCES)
@pytest.mark.parametrize("capacity", [65536, 1])
def test_kept_answers_are_those_of_the_plain_resolution(reference: str, capacity: int) -> None:
    """One cache across pages, folders, origins and <base href>s, each page seen twice
    (the second time from the cache): the old answer every time, and urls.resolve's."""
    cache = ExtractCache(capacity)
    for _ in range(2):
        for page in PAGES:
            for base_href in BASE_HREFS:
                html = _page_html(base_href, [reference])
                tree = LexborHTMLParser(html)
                node = tree.css_first("a")
                assert node is not None
                written = node.attributes.get("href") or ""
                base = _base(tree, page)
                old = _uncached(written, base) if written else None
                got = [(link.url, link.fragment) for link in extract(page, html, cache=cache).links]
                assert got == ([] if old is None else [old]), (page, base_href)
                if not _known_difference(written, base):
                    assert old == (_plain(written, base) if written else None), (page, base)


def test_a_shared_cache_gives_the_links_of_a_fresh_one() -> None:
    """Fragment variants, whitespace and spellings of one URL on one page, page after page."""
    cache = ExtractCache()
    for page in PAGES:
        for base_href in BASE_HREFS:
            html = _page_html(base_href, REFERENCES)
            assert extract(page, html, cache=cache) == extract(page, html), (page, base_href)


def test_links_are_plain_frozen_link_records() -> None:
    [link] = extract(PAGE, '<a href="/x#y" rel="Next">x</a>').links
    assert type(link) is Link
    expected = Link("https://inter.example.org/x", "y", PAGE, "a", "href", "next")
    assert link == expected and hash(link) == hash(expected) and repr(link) == repr(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        link.url = "x"  # type: ignore[misc]


def test_found_links_are_the_links_of_the_page_without_them() -> None:
    """The crawl's form: the same links, in order, and the same page minus its links."""
    cache = ExtractCache()
    for page in PAGES:
        html = _page_html(None, REFERENCES) + '<img src="i.png" srcset="a.png 1x, /b.png 2x">'
        found: list[Found] = []
        lean = extract(page, html, cache=cache, found=found)
        full = extract(page, html)
        assert found == [((link.url, link.fragment), link.element) for link in full.links]
        assert lean == dataclasses.replace(full, links=())


@pytest.mark.parametrize(
    "head",
    [
        "<BASE HREF='https://other.example.org/dir/'>",
        "<Base\thref='/dir/'>",
        "<base href='/dir/'/>",
    ],
)
def test_a_base_element_in_any_spelling_is_found(head: str) -> None:
    """The source is scanned for `<base` before the tree is queried for it: case-blind."""
    page = extract(PAGE, f"<html><head>{head}</head><body><a href='x.html'>x</a></body></html>")
    [link] = page.links
    assert link.url.endswith("/dir/x.html")


def test_ids_and_title_come_from_one_walk_as_from_two() -> None:
    html = (
        "<html><head><title id='t'> The  title </title></head><body>"
        "<svg><title>not this one</title></svg><h2 id='s%31'>x</h2><a name='n'>n</a>"
        "<p name='not-a'>p</p><title>nor this</title></body></html>"
    )
    page = extract(PAGE, html)
    assert page.title == "The title"
    assert page.ids == frozenset({"t", "s%31", "s1", "n"})
