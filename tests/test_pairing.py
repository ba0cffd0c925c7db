"""Pairing upgraded pages with their legacy counterparts: L200-L205.

The pure part is tested over records; `TestPairSite` runs `pair_site` with the real Fetcher
against real aiohttp servers on 127.0.0.1, one test per code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from linkcheck.config import Counterpart, LegacyPattern, Settings, Site
from linkcheck.fetch import Fetcher
from linkcheck.findings import Finding, make_finding
from linkcheck.model import Hop, Page, Response
from linkcheck.pairing import (
    LegacyPage,
    Named,
    Probe,
    is_home,
    judge,
    legacy_page,
    name_counterpart,
    naming_findings,
    pair_site,
    pattern_url,
    probe_url,
    redirects_back,
    upgraded_pages,
)
from linkcheck.report import PairRecord
from linkcheck.urls import normalize

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]

NEW = "http://127.0.0.1:9001/en/"
OLD = "http://127.0.0.1:9002/en/"
ARTICLE = "The city council met on Tuesday evening to discuss the new market square. " * 2


def site(
    *,
    selector: str | None = ".old-pages a",
    pattern: tuple[str, str] | None = None,
    upgraded: str | None = "^/en/articles/",
    legacy: str | None = OLD,
    new: str = NEW,
    min_similarity: float = 0.5,
) -> Site:
    return Site(
        name="en",
        new=new,
        legacy=legacy,
        upgraded=re.compile(upgraded) if upgraded else None,
        counterpart=Counterpart(
            selector=selector,
            pattern=LegacyPattern(re.compile(pattern[0]), pattern[1]) if pattern else None,
            min_similarity=min_similarity,
        ),
    )


def page(path: str = "/en/articles/meeting/", notice: str | None = None, **kw: str) -> Page:
    return Page(
        url=normalize("http://127.0.0.1:9001" + path),
        title=kw.get("title", "Council meeting"),
        text=kw.get("text", ARTICLE),
        lang=kw.get("lang", "en"),
        notice=notice,
    )


def old_html(title: str, text: str, lang: str = "en") -> str:
    return (
        f'<html lang="{lang}"><head><title>{title}</title></head><body><table><tr><td>Menu'
        f'</td><td><div id="content"><h2>{title}</h2><p>{text}</p></div></td></tr></table>'
        "</body></html>"
    )


MENU = " ".join(
    f"Section{i} Topic{i}" for i in range(40)
)  # an old layout's menu, on every page of the archive, as long as an article
LONG_ARTICLE = (
    "The city council met on Tuesday evening to discuss the new market square. Residents "
    "asked for more trees, benches and a fountain near the bakery. The council agreed to "
    "publish three designs before the summer holidays. A public vote on the designs will "
    "take place in September, and the winning design will be built next spring."
)


def chrome_page(title: str, text: str) -> str:
    """An old page without main/article/#content: the menu is part of its text."""
    return (
        f"<html><head><title>{title}</title></head><body><table><tr><td>{MENU}</td>"
        f"<td><p>{text}</p></td></tr></table></body></html>"
    )


def answer(
    url: str,
    status: int | None = 200,
    *,
    html: str | None = None,
    hops: tuple[Hop, ...] = (),
    error_kind: str | None = None,
) -> LegacyPage:
    text = html if html is not None else old_html("Council meeting - Archive", ARTICLE)
    final = hops[-1].location if hops else url
    return legacy_page(
        Response(
            url=url,
            final_url=final,
            status=status,
            hops=hops,
            content_type="text/html" if status else "",
            text=text if status else None,
            size=len(text.encode()),
            error="refused" if error_kind else None,
            error_kind=error_kind,
        )
    )


def codes(findings: list[Finding]) -> list[str]:
    return [f.code for f in findings]


class TestNaming:
    def test_upgraded_pages_follow_the_pattern_and_the_scope(self) -> None:
        pages = [
            page("/en/articles/a/"),
            page("/en/"),
            page("/en/articles/a/"),
            Page("http://127.0.0.1:9999/en/articles/x/"),
        ]
        assert [p.url for p in upgraded_pages(site(), pages)] == [pages[0].url]

    def test_without_upgraded_pattern_every_page_of_the_site_counts(self) -> None:
        pages = [page("/en/articles/a/"), page("/en/")]
        assert len(upgraded_pages(site(upgraded=None), pages)) == 2

    def test_upgraded_matches_the_decoded_greek_path(self) -> None:
        greek = site(upgraded="^/el/άρθρα/", new="http://127.0.0.1:9001/el/")
        pages = [page("/el/%CE%AC%CF%81%CE%B8%CF%81%CE%B1/x/"), page("/el/news/")]
        assert len(upgraded_pages(greek, pages)) == 1

    @pytest.mark.parametrize(
        ("template", "expected"),
        [
            ("/en/News/{slug}.html", "http://127.0.0.1:9002/en/News/meeting.html"),
            ("News/{1}.html", "http://127.0.0.1:9002/en/News/meeting.html"),
            ("https://old.example.org/{slug}", "https://old.example.org/meeting"),
        ],
    )
    def test_pattern_templates_resolve_against_the_legacy_origin(
        self, template: str, expected: str
    ) -> None:
        s = site(pattern=(r"^/en/articles/(?P<slug>[^/]+)/$", template))
        assert pattern_url(s, page().url) == expected

    def test_pattern_with_greek_groups_gives_an_encoded_url(self) -> None:
        s = site(
            new="http://127.0.0.1:9001/el/",
            upgraded=None,
            pattern=(r"^/el/άρθρα/(?P<slug>[^/]+)/$", "/el/αρχείο/{slug}.html"),
        )
        url = pattern_url(s, normalize("http://127.0.0.1:9001/el/άρθρα/θέατρο/"))
        assert url == normalize("http://127.0.0.1:9002/el/αρχείο/θέατρο.html")

    def test_pattern_naming_an_unknown_group_gives_nothing(self) -> None:
        s = site(pattern=(r"^/en/articles/(?P<slug>[^/]+)/$", "/en/{nope}.html"))
        assert pattern_url(s, page().url) is None

    def test_l200_when_no_notice_and_no_pattern(self) -> None:
        named = name_counterpart(site(), page())
        findings = naming_findings(site(), named)
        assert codes(findings) == ["L200"]
        assert findings[0].url == page().url
        assert findings[0].details["legacy"] is None

    def test_l200_when_the_notice_links_the_page_itself(self) -> None:
        named = name_counterpart(site(), page(notice="http://127.0.0.1:9001/en/articles/meeting/"))
        record, findings = judge(site(), page(), named, None)
        assert codes(findings) == ["L200"]
        assert not record.healthy

    def test_pattern_alone_names_a_counterpart(self) -> None:
        s = site(pattern=(r"^/en/articles/(?P<slug>[^/]+)/$", "/en/News/{slug}.html"))
        named = name_counterpart(s, page())
        assert named.legacy == "http://127.0.0.1:9002/en/News/meeting.html"
        assert naming_findings(s, named) == []

    def test_l205_when_notice_and_pattern_disagree(self) -> None:
        s = site(pattern=(r"^/en/articles/(?P<slug>[^/]+)/$", "/en/News/{slug}.html"))
        named = name_counterpart(s, page(notice="http://127.0.0.1:9002/en/News/2018.html"))
        findings = naming_findings(s, named)
        assert codes(findings) == ["L205"]
        assert findings[0].details["legacy"] == "http://127.0.0.1:9002/en/News/2018.html"
        assert named.legacy == named.notice

    def test_notice_and_pattern_agreeing_in_another_spelling(self) -> None:
        s = site(pattern=(r"^/en/articles/(?P<slug>[^/]+)/$", "/en/News/{slug}.html"))
        named = name_counterpart(s, page(notice="http://127.0.0.1:9002/en/News/./meeting.html"))
        assert naming_findings(s, named) == []


LEGACY = "http://127.0.0.1:9002/en/News/meeting.html"
UPGRADED = normalize("http://127.0.0.1:9001/en/articles/meeting/")


def named(legacy: str | None = LEGACY) -> Named:
    return Named(UPGRADED, legacy, None)


class TestJudge:
    def test_a_genuine_old_version_is_healthy(self) -> None:
        record, findings = judge(site(), page(), named(), answer(LEGACY))
        assert findings == []
        assert record.healthy and record.status == 200
        assert record.similarity is not None and record.similarity > 0.8

    def test_l200_record_has_no_legacy(self) -> None:
        record, findings = judge(site(), page(), named(None), None)
        assert codes(findings) == ["L200"]
        assert record.legacy is None and not record.healthy

    @pytest.mark.parametrize(
        ("status", "error_kind"), [(404, None), (500, None), (410, None), (None, "connect")]
    )
    def test_l201_when_the_legacy_page_does_not_answer_2xx(
        self, status: int | None, error_kind: str | None
    ) -> None:
        record, findings = judge(
            site(), page(), named(), answer(LEGACY, status, error_kind=error_kind)
        )
        assert codes(findings) == ["L201"]
        assert findings[0].url == UPGRADED and findings[0].details["legacy"] == LEGACY
        assert findings[0].details["site"] == "en"  # the report files it under its site
        assert record.status == status and not record.healthy

    @pytest.mark.parametrize(
        "location",
        [
            "http://127.0.0.1:9002/",
            "http://127.0.0.1:9002/en/",
            "http://127.0.0.1:9002/en/index.html",
        ],
    )
    def test_l202_when_sent_to_a_home_page(self, location: str) -> None:
        hops = (Hop(LEGACY, 302, location),)
        _, findings = judge(site(), page(), named(), answer(LEGACY, hops=hops))
        assert codes(findings) == ["L202"]
        assert findings[0].details["kind"] == "home"

    def test_redirect_to_another_archive_page_is_not_a_home_page(self) -> None:
        hops = (Hop(LEGACY, 301, "http://127.0.0.1:9002/en/News/2018/meeting.html"),)
        _, findings = judge(site(), page(), named(), answer(LEGACY, hops=hops))
        assert findings == []

    def test_l202_when_alike_to_the_hosts_answer_for_a_missing_url(self) -> None:
        sorry = old_html("Archive", "Sorry, we have lost this one. Try the search box.")
        probe_at = "http://127.0.0.1:9002/en/linkcheck-probe-x.html"
        probe = Probe(probe_at, answer(probe_at, html=sorry))
        _, findings = judge(site(), page(), named(), answer(LEGACY, html=sorry), probe)
        assert codes(findings) == ["L202"]
        assert findings[0].details["kind"] == "probe"

    def test_l202_when_it_says_not_found_in_its_language(self) -> None:
        text = old_html("Δεν βρέθηκε", "Η σελίδα που ζητήσατε δεν βρέθηκε.", "el")
        _, findings = judge(site(), page(lang="el"), named(), answer(LEGACY, html=text))
        assert codes(findings) == ["L202"]
        assert findings[0].details["kind"] == "phrase"

    def test_an_article_about_missing_things_is_not_a_soft_404(self) -> None:
        """The phrase alone does not condemn a page that matches the upgraded article."""
        text = "The report on lost property not found by the police. " * 3
        upgraded = page(title="Lost property not found", text=text)
        legacy = answer(LEGACY, html=old_html("Lost property not found", text))
        _, findings = judge(site(), upgraded, named(), legacy)
        assert findings == []

    def test_a_soft_404_host_does_not_condemn_its_real_pages(self) -> None:
        sorry = old_html("Archive", "Sorry, we have lost this one.")
        probe_at = "http://127.0.0.1:9002/en/linkcheck-probe-x.html"
        probe = Probe(probe_at, answer(probe_at, html=sorry))
        _, findings = judge(site(), page(), named(), answer(LEGACY), probe)
        assert findings == []

    def test_an_old_layout_with_a_big_menu_still_matches(self) -> None:
        """Menus around the old text (no main/#content) do not make it another article."""
        legacy = answer(LEGACY, html=chrome_page("Council meeting - Archive", LONG_ARTICLE))
        record, findings = judge(site(), page(text=LONG_ARTICLE), named(), legacy)
        assert findings == []
        assert record.similarity is not None and record.similarity >= 0.5

    def test_soft_404_host_with_big_menus(self) -> None:
        """On a host whose every page has the same big menu, only the missing one is L202."""
        probe_at = "http://127.0.0.1:9002/en/linkcheck-probe-x.html"
        sorry = chrome_page("Archive", "Sorry, /en/linkcheck-probe-x.html is not here.")
        probe = Probe(probe_at, answer(probe_at, html=sorry))
        lost = answer(
            LEGACY, html=chrome_page("Archive", "Sorry, /en/News/meeting.html is not here.")
        )
        real = answer(LEGACY, html=chrome_page("Council meeting - Archive", LONG_ARTICLE))
        upgraded = page(text=LONG_ARTICLE)
        _, lost_findings = judge(site(), upgraded, named(), lost, probe)
        _, real_findings = judge(site(), upgraded, named(), real, probe)
        assert codes(lost_findings) == ["L202"]
        assert lost_findings[0].details["kind"] == "probe"
        assert real_findings == []

    def test_l203_when_the_legacy_page_is_another_article(self) -> None:
        other = old_html("Tram line seven", "Tram line seven takes a detour through the east.")
        record, findings = judge(site(), page(), named(), answer(LEGACY, html=other))
        assert codes(findings) == ["L203"]
        assert record.similarity is not None and record.similarity < 0.5
        assert findings[0].details["similarity"] == record.similarity

    def test_l203_threshold_comes_from_the_site(self) -> None:
        half = old_html("Council meeting", "The city council met on Tuesday. Other words here.")
        _, strict = judge(site(min_similarity=0.95), page(), named(), answer(LEGACY, html=half))
        _, lenient = judge(site(min_similarity=0.05), page(), named(), answer(LEGACY, html=half))
        assert codes(strict) == ["L203"] and lenient == []

    def test_l204_when_the_legacy_url_redirects_back(self) -> None:
        hops = (Hop(LEGACY, 301, UPGRADED),)
        record, findings = judge(site(), page(), named(), answer(LEGACY, hops=hops))
        assert codes(findings) == ["L204"]
        assert findings[0].details["hops"] == [str(hops[0])]
        assert not record.healthy

    def test_l204_even_when_the_loop_is_cut_by_the_fetcher(self) -> None:
        hops = (Hop(LEGACY, 301, UPGRADED + "#top"), Hop(UPGRADED, 301, LEGACY))
        legacy = answer(LEGACY, None, hops=hops, error_kind="loop")
        _, findings = judge(site(), page(), named(), legacy)
        assert codes(findings) == ["L204"]

    def test_robots_excluded_counterpart_is_not_called_broken(self) -> None:
        _, findings = judge(site(), page(), named(), answer(LEGACY, None, error_kind="robots"))
        assert codes(findings) == ["C106"]


class TestHelpers:
    def test_probe_url_stays_in_the_archive_folder_with_the_same_extension(self) -> None:
        assert (
            probe_url(site(), LEGACY, "abc") == "http://127.0.0.1:9002/en/linkcheck-probe-abc.html"
        )

    def test_probe_url_outside_the_legacy_prefix_goes_to_the_root(self) -> None:
        url = probe_url(site(), "http://127.0.0.1:9003/old/x/", "abc")
        assert url == "http://127.0.0.1:9003/linkcheck-probe-abc/"

    def test_redirects_back_ignores_fragments_and_spelling(self) -> None:
        response = Response(LEGACY, UPGRADED, 200, (Hop(LEGACY, 301, UPGRADED + "#x"),))
        assert redirects_back(response, UPGRADED)
        assert not redirects_back(Response(UPGRADED, UPGRADED, 200), UPGRADED)

    def test_a_home_page_named_directly_is_not_a_redirect_to_home(self) -> None:
        home = "http://127.0.0.1:9002/en/"
        assert not is_home(site(), Response(home, home, 200))


# --------------------------------------------------------------------------- against servers

ServerSpec = dict[str, tuple[int, str, str]]
"""path → (status, body or Location, content type)."""


def legacy_app(spec: ServerSpec, *, soft_404: str | None = None) -> web.Application:
    """A server for both sites: upgraded pages under /en/, the archive under /old/en/."""

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text="User-agent: *\nAllow: /\n")
        if path in spec:
            status, body, content_type = spec[path]
            if 300 <= status < 400:
                return web.Response(status=status, headers={"Location": body})
            return web.Response(
                status=status, body=body.encode(), headers={"Content-Type": content_type}
            )
        if soft_404 is not None and path.startswith("/old/"):
            return web.Response(text=soft_404, content_type="text/html")
        return web.Response(status=404, text="<title>Not found</title>", content_type="text/html")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


class Served:
    """The site under test on a live server, and pair_site run against it."""

    def __init__(self, server: TestServer, *, pattern: tuple[str, str] | None = None) -> None:
        self.origin = str(server.make_url("/")).rstrip("/")
        self.site = site(new=self.origin + "/en/", legacy=self.origin + "/old/en/", pattern=pattern)

    def url(self, path: str) -> str:
        return normalize(self.origin + path)

    def page(self, path: str, notice: str | None, **kw: str) -> Page:
        return Page(
            url=self.url(path),
            title=kw.get("title", "Council meeting"),
            text=kw.get("text", ARTICLE),
            lang=kw.get("lang", "en"),
            notice=self.url(notice) if notice else None,
        )

    async def pair(self, pages: list[Page]) -> tuple[list[PairRecord], list[Finding]]:
        settings = Settings(retries=0, timeout=5, rate=1000)
        async with Fetcher(settings) as fetcher:
            return await pair_site(self.site, pages, fetcher, probe_token="t0k")


GOOD = old_html("Council meeting - Archive", ARTICLE)
HTML = "text/html; charset=utf-8"


class TestPairSite:
    async def test_l200_page_without_notice(self, aiohttp_server: ServerFactory) -> None:
        served = Served(await aiohttp_server(legacy_app({})))
        records, findings = await served.pair([served.page("/en/articles/a/", None)])
        assert codes(findings) == ["L200"]
        assert records[0].legacy is None

    async def test_l201_legacy_page_missing(self, aiohttp_server: ServerFactory) -> None:
        served = Served(await aiohttp_server(legacy_app({})))
        records, findings = await served.pair([served.page("/en/articles/a/", "/old/en/a.html")])
        assert codes(findings) == ["L201"]
        assert findings[0].url == served.url("/en/articles/a/")
        assert findings[0].details["legacy"] == served.url("/old/en/a.html")
        assert records[0].status == 404

    async def test_l201_legacy_host_down(self, aiohttp_server: ServerFactory) -> None:
        served = Served(await aiohttp_server(legacy_app({})))
        dead = normalize("http://127.0.0.1:9/old/en/a.html")  # discard port: refused
        page = Page(served.url("/en/articles/a/"), "Council meeting", ARTICLE, "en", notice=dead)
        records, findings = await served.pair([page])
        assert codes(findings) == ["L201"]
        assert records[0].status is None

    async def test_l202_soft_404_host(self, aiohttp_server: ServerFactory) -> None:
        sorry = old_html("Page introuvable", "Désolé, la page demandée est introuvable.", "fr")
        app = legacy_app({"/old/en/b.html": (200, GOOD, HTML)}, soft_404=sorry)
        served = Served(await aiohttp_server(app))
        pages = [
            served.page("/en/articles/a/", "/old/en/lost.html"),
            served.page("/en/articles/b/", "/old/en/b.html"),
        ]
        records, findings = await served.pair(pages)
        assert [(f.code, f.url) for f in findings] == [("L202", pages[0].url)]
        assert records[0].status == 200 and not records[0].healthy
        assert records[1].healthy

    async def test_l202_redirect_to_home(self, aiohttp_server: ServerFactory) -> None:
        app = legacy_app(
            {"/old/en/a.html": (302, "/old/en/", ""), "/old/en/": (200, "<p>Archive</p>", HTML)}
        )
        served = Served(await aiohttp_server(app))
        _, findings = await served.pair([served.page("/en/articles/a/", "/old/en/a.html")])
        assert codes(findings) == ["L202"]
        assert findings[0].details["kind"] == "home"

    async def test_l203_other_article(self, aiohttp_server: ServerFactory) -> None:
        other = old_html("Tram line seven", "Tram line seven takes a detour through the east.")
        served = Served(await aiohttp_server(legacy_app({"/old/en/a.html": (200, other, HTML)})))
        records, findings = await served.pair([served.page("/en/articles/a/", "/old/en/a.html")])
        assert codes(findings) == ["L203"]
        assert records[0].similarity is not None and records[0].similarity < 0.5

    async def test_l204_redirect_back(self, aiohttp_server: ServerFactory) -> None:
        app = legacy_app(
            {
                "/old/en/a.html": (301, "/en/articles/a/", ""),
                "/en/articles/a/": (200, "<title>Council meeting</title>", HTML),
            }
        )
        served = Served(await aiohttp_server(app))
        _, findings = await served.pair([served.page("/en/articles/a/", "/old/en/a.html")])
        assert codes(findings) == ["L204"]

    async def test_l205_notice_and_pattern_disagree(self, aiohttp_server: ServerFactory) -> None:
        app = legacy_app({"/old/en/2018-a.html": (200, GOOD, HTML)})
        pattern = (r"^/en/articles/(?P<slug>[^/]+)/$", "/old/en/{slug}.html")
        served = Served(await aiohttp_server(app), pattern=pattern)
        records, findings = await served.pair(
            [served.page("/en/articles/a/", "/old/en/2018-a.html")]
        )
        assert codes(findings) == ["L205"]
        assert records[0].legacy == served.url("/old/en/2018-a.html")

    async def test_greek_page_in_iso_8859_7_declared_in_meta(
        self, aiohttp_server: ServerFactory
    ) -> None:
        """A legacy page whose charset is only in <meta> is decoded and matched."""
        title, text = (
            "Το θέατρο ανοίγει ξανά",
            "Το δημοτικό θέατρο ανοίγει ξανά μετά από δύο χρόνια.",
        )
        body = (
            '<html lang="el"><head><meta http-equiv="Content-Type" '
            'content="text/html; charset=iso-8859-7">'
            f"<title>{title}</title></head><body><p>{text}</p></body></html>"
        )

        async def old(request: web.Request) -> web.Response:
            return web.Response(
                body=body.encode("iso-8859-7"), headers={"Content-Type": "text/html"}
            )

        app = legacy_app({})
        app.router.add_get("/old/el/θέατρο.html", old)
        served = Served(await aiohttp_server(app))
        page = served.page("/en/articles/a/", "/old/el/θέατρο.html", title=title, text=text)
        records, findings = await served.pair([page])
        assert findings == []
        assert records[0].similarity is not None and records[0].similarity > 0.9

    async def test_each_legacy_url_is_fetched_once(self, aiohttp_server: ServerFactory) -> None:
        hits: list[str] = []

        async def count(request: web.Request) -> web.Response:
            hits.append(request.path)
            return web.Response(text=GOOD, content_type="text/html")

        app = web.Application()
        app.router.add_get("/old/en/a.html", count)
        served = Served(await aiohttp_server(app))
        pages = [served.page(f"/en/articles/{n}/", "/old/en/a.html") for n in "xyz"]
        records, _ = await served.pair(pages)
        assert len(records) == 3
        assert hits.count("/old/en/a.html") == 1


class TestAcceptance:
    def test_an_l_finding_is_accepted_by_its_legacy_url(self) -> None:
        """DESIGN §3: `accept: {code: L201, url: 'https://old.example.org/en/News/2009/*'}`."""
        import datetime as dt

        from linkcheck.config import Accept, Position
        from linkcheck.run import apply_policy

        accept = Accept(
            "L201", "http://127.0.0.1:9002/en/News/*", None, "restoring", Position("f", 1, 1)
        )
        _, findings = judge(site(), page(), named(), answer(LEGACY, 404))
        other = make_finding("L201", UPGRADED, "x", legacy="http://127.0.0.1:9003/x.html")
        kept = apply_policy([*findings, other], Settings(accept=(accept,)), dt.date(2026, 1, 1))
        assert kept[0].details["accepted"]["why"] == "restoring"
        assert "accepted" not in kept[1].details
