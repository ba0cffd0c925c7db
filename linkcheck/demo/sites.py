"""The demo's web servers: one aiohttp.web server per language site, and the legacy archive.

All listen on 127.0.0.1 and are told apart by port: `linkcheck demo` binds free ports
(port 0), `python -m linkcheck.demo serve` the fixed ports of the top-level `redirects.yaml`
(8601 en, 8602 fr, 8603 el, 8604 archive). Sockets are bound before the applications are
built, so every page can link to the others with their real ports.

What the servers do wrong on purpose is listed in `planted.py`; everything else (the
redirects of the map, hreflang, fragments, encodings) is meant to be right.
"""

from __future__ import annotations

import contextlib
import html
import re
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from aiohttp import web

from linkcheck.demo.content import EL, EN, FR, LANGUAGES, Article, Language
from linkcheck.urls import normalize

__all__ = ["FIXED_PORTS", "Ports", "serve"]

HOST = "127.0.0.1"


@dataclass(frozen=True, slots=True)
class Ports:
    """The port of each demo server."""

    en: int
    fr: int
    el: int
    old: int

    def of(self, code: str) -> int:
        port: int = getattr(self, code)
        return port

    def origin(self, code: str) -> str:
        return f"http://{HOST}:{self.of(code)}"

    def url(self, code: str, path: str) -> str:
        """Absolute, normalised (ASCII, percent-encoded) URL of `path` on server `code`."""
        return normalize(self.origin(code) + path)


FIXED_PORTS = Ports(en=8601, fr=8602, el=8603, old=8604)
"""The ports written in the top-level `redirects.yaml`."""

_Handler = Callable[[web.Request], web.StreamResponse]
ROBOTS = "User-agent: *\nAllow: /\n"
CSS = "body { font-family: sans-serif; max-width: 40em; margin: auto; }\n"
LEGACY_NOTE = {
    "en": "Archived page from the old web site.",
    "fr": "Page archivée de l'ancien site web.",
    "el": "Σελίδα από τον παλιό ιστότοπο.",
}
NOT_FOUND = {
    "en": ("Not found", "The page you asked for was not found on this server."),
    "fr": ("Page introuvable", "Désolé, la page demandée est introuvable."),
    "el": ("Δεν βρέθηκε", "Η σελίδα που ζητήσατε δεν βρέθηκε."),
}
ARTICLE_ID = {"en": "article", "fr": "article", "el": "κείμενο"}

# Redirects the new sites really perform; the map in demo.yaml declares the same ones.
EXACT_REDIRECTS: dict[str, dict[str, tuple[int, str]]] = {
    "en": {"/en/News/2018/meeting.html": (301, "/en/articles/meeting/")},
    "fr": {"/fr/vieux/velo.html": (301, "/fr/articles/velo/")},
    "el": {"/el/παλιά/θέατρο.html": (302, "/el/άρθρα/θέατρο/")},
}
REGEX_REDIRECTS: dict[str, tuple[tuple[re.Pattern[str], int, str], ...]] = {
    "en": ((re.compile(r"^/en/old/(.+)\.html$"), 301, r"/en/articles/\1/"),),
}
GONE: dict[str, frozenset[str]] = {"en": frozenset({"/en/News/removed.html"})}

# Extra links on the home pages: planted problems and correct fragment links.
HOME_LINKS: dict[str, tuple[tuple[str, str], ...]] = {
    "en": (
        ("/en/News/2018/meeting.html", "The council meeting (old address)"),  # C102
        ("/en/articles/missing-page/", "Last year's carnival"),  # C100
        ("/en/articles/meeting/#article", "Read the meeting report"),
    ),
    "fr": (("/fr/vieux/velo.html", "Les pistes cyclables (ancienne adresse)"),),  # C102
    "el": (
        ("/el/άρθρα/θέατρο/#πρόγραμμα", "Το πρόγραμμα του θεάτρου"),  # C103
        ("/el/άρθρα/θέατρο/#κείμενο", "Το θέατρο ανοίγει ξανά"),
    ),
}


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _html(body: str, status: int = 200) -> web.Response:
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def _redirect(status: int, location: str) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


# --------------------------------------------------------------------------- new sites


def _new_page(lang: Language, title: str, main: str, after: str = "", head: str = "") -> str:
    return (
        f'<!doctype html>\n<html lang="{lang.code}"><head><meta charset="utf-8">'
        f'<title>{_esc(title)}</title><link rel="stylesheet" href="/static/site.css">{head}'
        f'</head>\n<body><header><a href="/{lang.code}/">{_esc(lang.home_title)}</a></header>\n'
        f"{main}\n{after}<footer>{_esc(lang.home_title)}</footer></body></html>\n"
    )


def home_page(lang: Language, ports: Ports) -> str:
    """A language site's home page: every article, the extra links, hreflang alternates."""
    alternates = "".join(
        f'<link rel="alternate" hreflang="{other.code}" '
        f'href="{_esc(ports.url(other.code, f"/{other.code}/"))}">'
        for other in LANGUAGES
    )
    items = "".join(
        f'<li><a href="{_esc(lang.article_path(a.slug))}">{_esc(a.title)}</a></li>'
        for a in lang.articles
    )
    extra = "".join(
        f'<li><a href="{_esc(href)}">{_esc(text)}</a></li>' for href, text in HOME_LINKS[lang.code]
    )
    main = (
        f'<main id="home"><h1>{_esc(lang.home_title)}</h1><p>{_esc(lang.home_intro)}</p>'
        f"<ul>{items}</ul><ul>{extra}</ul></main>"
    )
    return _new_page(lang, lang.home_title, main, head=alternates)


def article_page(lang: Language, index: int, ports: Ports) -> str:
    """An upgraded article: its text, a link to the next one, the notice to the old page."""
    article = lang.articles[index]
    following = lang.articles[(index + 1) % len(lang.articles)]
    main = (
        f'<main id="{ARTICLE_ID[lang.code]}"><h1>{_esc(article.title)}</h1>'
        f"<p>{_esc(article.text)}</p>"
        f'<p><a href="{_esc(lang.article_path(following.slug))}">{_esc(following.title)}</a>'
        "</p></main>"
    )
    notice = ""
    if article.legacy is not None:
        legacy = ports.url("old", article.legacy)
        notice = (
            f'<aside class="old-pages"><a href="{_esc(legacy)}">{_esc(lang.notice)}</a></aside>\n'
        )
    return _new_page(lang, article.title, main, notice)


def new_site(lang: Language, ports: Ports) -> web.Application:
    """The upgraded site of one language, with the redirects of the map."""
    pages = {f"/{lang.code}/": home_page(lang, ports)}
    for i, article in enumerate(lang.articles):
        pages[lang.article_path(article.slug)] = article_page(lang, i, ports)
    exact = EXACT_REDIRECTS.get(lang.code, {})
    patterns = REGEX_REDIRECTS.get(lang.code, ())
    gone = GONE.get(lang.code, frozenset())
    sitemap = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(f"  <url><loc>{_esc(ports.url(lang.code, path))}</loc></url>\n" for path in pages)
        + "</urlset>\n"
    )
    title, text = NOT_FOUND[lang.code]
    missing = _new_page(lang, title, f"<main><h1>{_esc(title)}</h1><p>{_esc(text)}</p></main>")

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text=ROBOTS, content_type="text/plain")
        if path == "/static/site.css":
            return web.Response(text=CSS, content_type="text/css")
        if path == "/sitemap.xml":
            return web.Response(text=sitemap, content_type="application/xml")
        if path in pages:
            return _html(pages[path])
        if path in exact:
            status, target = exact[path]
            return _redirect(status, ports.url(lang.code, target))
        for pattern, status, template in patterns:
            match = pattern.match(path)
            if match:
                return _redirect(status, ports.url(lang.code, match.expand(template)))
        if path in gone:
            return _html(_new_page(lang, "Gone", "<main><h1>Gone</h1></main>"), 410)
        return _html(missing, 404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


# --------------------------------------------------------------------------- the archive


def _old_page(code: str, title: str, body: str, charset: str = "utf-8") -> str:
    """The old layout: a table, a menu, the text in `#content`; charset only in <meta>."""
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n'
        f'<html lang="{code}"><head>'
        f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">'
        f"<title>{_esc(title)}</title></head>\n"
        '<body bgcolor="#ffffff"><table><tr>'
        f'<td class="menu"><a href="/{code}/">Archive</a></td>'
        f'<td><div id="content">{body}</div></td></tr></table></body></html>\n'
    )


def legacy_page(lang: Language, article: Article) -> bytes:
    """The old version of an article, in its own encoding."""
    title = f"{article.legacy_title or article.title} - {lang.archive_title}"
    text = article.legacy_text or article.text
    body = (
        f"<h2>{_esc(article.legacy_title or article.title)}</h2><p>{_esc(text)}</p>"
        f"<p><i>{_esc(LEGACY_NOTE[lang.code])}</i></p>"
    )
    return _old_page(lang.code, title, body, article.encoding).encode(article.encoding)


def archive_home(lang: Language) -> str:
    items = "".join(
        f'<li><a href="{_esc(a.legacy)}">{_esc(a.title)}</a></li>'
        for a in lang.articles
        if a.legacy is not None and a.archived
    )
    return _old_page(
        lang.code, lang.archive_title, f"<h2>{_esc(lang.archive_title)}</h2><ul>{items}</ul>"
    )


def archive(ports: Ports) -> web.Application:
    """The legacy archive: old versions of the articles, and the planted archive problems.

    - /en/News/budget.html redirects back to the upgraded page (L204);
    - /en/News/harbour.html is missing, answered 404 (L201);
    - under /fr/, every missing page is answered 200 "Page introuvable" (L202, soft 404);
    - /el/αρχείο/λιμάνι.html redirects to the Greek archive's home page (L202).
    """
    pages: dict[str, tuple[bytes, str]] = {}
    homes = "".join(
        f'<li><a href="/{lang.code}/">{lang.archive_title}</a></li>' for lang in LANGUAGES
    )
    pages["/"] = (_old_page("en", "Archive", f"<ul>{homes}</ul>").encode(), "utf-8")
    for lang in LANGUAGES:
        pages[f"/{lang.code}/"] = (archive_home(lang).encode(), "utf-8")
        for article in lang.articles:
            if article.legacy is not None and article.archived:
                pages[article.legacy] = (legacy_page(lang, article), article.encoding)
    redirects = {
        "/en/News/budget.html": (301, ports.url("en", EN.article_path("budget"))),
        "/el/αρχείο/λιμάνι.html": (302, ports.url("old", "/el/")),
    }
    soft_title, soft_text = NOT_FOUND["fr"]
    soft = _old_page(
        "fr",
        f"{soft_title} - {FR.archive_title}",
        f"<h2>{_esc(soft_title)}</h2><p>{_esc(soft_text)} "
        'Elle a peut-être été déplacée. <a href="/fr/">Retour aux archives</a></p>',
    )
    title, text = NOT_FOUND["en"]
    missing = _old_page("en", title, f"<h2>{_esc(title)}</h2><p>{_esc(text)}</p>")

    async def handle(request: web.Request) -> web.Response:
        path = request.path
        if path == "/robots.txt":
            return web.Response(text=ROBOTS, content_type="text/plain")
        if path in pages:
            body, charset = pages[path]
            if charset == "utf-8":
                return web.Response(body=body, content_type="text/html", charset="utf-8")
            # Old servers: no charset in the header, only in the page's <meta>.
            return web.Response(body=body, headers={"Content-Type": "text/html"})
        if path in redirects:
            status, location = redirects[path]
            return _redirect(status, location)
        if path.startswith("/fr/"):
            return _html(soft)  # a "not found" page with status 200
        return _html(missing, 404)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


# --------------------------------------------------------------------------- serving


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextlib.asynccontextmanager
async def serve(ports: Ports | None = None) -> AsyncIterator[Ports]:
    """Serve the four demo servers; yields their ports (free ones unless `ports` is given).

    Raises OSError when a fixed port is taken.
    """
    wanted = ports or Ports(0, 0, 0, 0)
    sockets: list[socket.socket] = []
    try:
        for code in ("en", "fr", "el", "old"):
            sockets.append(_bind(wanted.of(code)))
    except OSError:
        for sock in sockets:
            sock.close()
        raise
    actual = Ports(*(sock.getsockname()[1] for sock in sockets))
    apps = [new_site(lang, actual) for lang in (EN, FR, EL)] + [archive(actual)]
    runners: list[web.AppRunner] = []
    try:
        for app, sock in zip(apps, sockets, strict=True):
            runner = web.AppRunner(app, access_log=None)
            await runner.setup()
            runners.append(runner)
            await web.SockSite(runner, sock).start()
        yield actual
    finally:
        for runner in runners:
            await runner.cleanup()
        for sock in sockets:
            sock.close()
