"""extract.py: HTML → Page, pure."""

from __future__ import annotations

import pytest

from linkcheck.extract import extract, extract_ids

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
