"""HTML → `model.Page`: links, element ids, title, text digest, language, hreflang, notice.

Pure and forgiving: it parses with lexbor (selectolax), which accepts any byte soup, and it
never raises for bad markup or bad URLs (a URL that cannot be normalised is skipped). Links
are made absolute against `<base href>` (or the page URL), normalised with `urls.resolve`
and split from their fragment; non-fetchable schemes (javascript:, mailto:, tel:, data:...)
are dropped. The counterpart notice link (the site's `counterpart.selector`) is reported in
`Page.notice` and left out of `Page.links`, because it yields L codes only, never C codes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal
from urllib.parse import unquote

from selectolax.lexbor import LexborHTMLParser, LexborNode

from linkcheck.model import Alternate, Link, Page
from linkcheck.urls import (
    UrlError,
    is_http,
    join_key,
    normalize,
    origin_of,
    resolve,
    split_fragment,
)

__all__ = [
    "DIGEST_CHARS",
    "DIGEST_WORDS",
    "ExtractCache",
    "Found",
    "extract",
    "extract_ids",
    "main_text",
    "selector_problem",
]

DIGEST_WORDS = 2000
"""Words of main text kept for similarity (title/text comparison with legacy pages)."""

DIGEST_CHARS = 16_000
"""Characters of main text (and of a legacy page's title) kept: the start of an article."""
_MAIN = ("main", "article", "[role=main]", "#content")
_LINK_SELECTOR = (
    "a[href], area[href], link[href], img[src], img[srcset], script[src], "
    "source[src], source[srcset], iframe[src]"
)
MAX_MALFORMED = 100
"""Malformed references kept per page (C110); a page of garbage needs no more to be fixed."""
MAX_REFERENCE = 300
"""Characters of a malformed reference kept."""
_SKIP_SCHEMES = ("javascript:", "mailto:", "tel:", "data:", "about:", "blob:")
_NOT_TEXT = ["script", "style", "noscript", "template", "svg"]


_SRCSET_TAGS = ("img", "source")
_BASE_TAG = re.compile(r"(?i)<base")
"""What the source of a page with a <base> element holds (the parser makes none without)."""

Found = tuple[tuple[str, str], str]
"""A link as `extract(found=...)` gives it: ((absolute URL, decoded fragment), element)."""

Answers = dict[str, tuple[str, str] | None]
"""Reference as written → its answer (`ExtractCache.resolve`), for the pages that share a
part of their base."""


class ExtractCache:
    """What one crawl's extractions share, so that a page costs little more than its parse.

    * The answers of `resolve`: pages of one site repeat the same references. The answer
      for a root-relative reference depends on the page only through its origin, for a
      plain relative one only through its folder (`urls.join_key`), and for a plain
      absolute http(s) URL not at all; so they are kept per origin (`site`, with the
      absolute ones) and per folder, keyed on the reference as written, and a repeated
      reference costs one or two dictionary lookups. Fragment-only, query-only and
      scheme-relative references, other schemes and odd spellings are not kept.

    At most `capacity` answers and folders are kept (all are dropped when full: a simple
    bound, like the 65,536 of the `lru_cache` it replaces). One per crawl.
    """

    def __init__(self, capacity: int = 65536) -> None:
        self.capacity = capacity
        self._answers: dict[tuple[bool, str, str], Answers] = {}
        self._origins: dict[str, str] = {}
        self._size = 0

    def answers(self, base: str) -> tuple[str, Answers, Answers]:
        """(origin, site, folder) for the references of a page whose base is `base`: its
        origin and the answers kept for it. Look a reference up in both, then `resolve` it.
        """
        root = join_key("/", base)  # the origin is a function of it, and cheaper to find
        origin = self._origins.get(root)
        if origin is None:
            origin = origin_of(base)
            self._count()
            self._origins[root] = origin
        return (
            origin,
            self._kept((True, root, origin)),
            self._kept((False, join_key("x", base), origin)),
        )

    def _kept(self, key: tuple[bool, str, str]) -> Answers:
        # (The root folder's key is its origin's root: the flag keeps the two apart.)
        answers = self._answers.get(key)
        if answers is None:
            self._count()  # a site of one page per folder must not grow it either
            answers = self._answers[key] = {}
        return answers

    def _count(self) -> None:
        if self._size >= self.capacity:
            self.clear()
        self._size += 1

    def resolve(
        self, site: Answers, folder: Answers, reference: str, base: str, origin: str
    ) -> tuple[str, str] | None:
        """(normalised absolute URL, decoded fragment) of a fetchable reference, else None;
        kept in `site` or `folder` (from `answers(base)`) when it depends on no more of the
        base than they do.

        A printable ASCII `#fragment` is split off first, and the answer for what precedes
        it is the one kept, so `page#a`, `page#b` and `page` share it.
        """
        stripped = reference.strip()
        if "#" in stripped:
            head, _, fragment = stripped.partition("#")
            if head and fragment.isascii() and fragment.isprintable():
                target = site.get(head, _MISSING)
                if target is _MISSING:
                    target = folder.get(head, _MISSING)
                    if target is _MISSING:
                        target = self.resolve(site, folder, head, base, origin)
                return None if target is None else (target[0], unquote(fragment))
        target = _absolute(stripped, join_key(stripped, base), origin)
        scope = _scope(stripped)
        if scope is not None:
            self._count()
            (site if scope == "site" else folder)[reference] = target
        return target

    def clear(self) -> None:
        for answers in self._answers.values():
            answers.clear()
        self._answers.clear()
        self._origins.clear()
        self._size = 0


_MISSING: tuple[str, str] = ("", "")
"""Not in a cache (compared by identity: no cached answer is this very tuple)."""


def _scope(key: str) -> Literal["site", "folder"] | None:
    """Where the answer of `_absolute` for the stripped reference `key` may be kept: per
    origin (`site`: root-relative references and plain absolute http(s) URLs), per page
    folder (`folder`: plain relative ones), or nowhere (None: it depends on more of the
    page URL). Follows `_absolute` and `urls.join_key`.
    """
    first = key[:1]
    if not first or first in "#?\\" or first <= " " or key.startswith("//"):
        return None
    if ":" not in key:
        return "site" if first == "/" else "folder"  # join_key(key, base): origin, folder
    if (
        key.startswith(("http://", "https://"))
        and key.isascii()
        and key.isprintable()
        and " " not in key
        and "\\" not in key
    ):
        return "site"  # _absolute normalises it alone
    return None


def extract(
    url: str,
    html: str,
    *,
    selector: str | None = None,
    digest: bool = True,
    depth: int = 0,
    cache: ExtractCache | None = None,
    found: list[Found] | None = None,
) -> Page:
    """The page found at `url` (normalised, no fragment) whose markup is `html`.

    `selector` picks the counterpart notice; `digest=False` skips the text digest (pages
    that are never compared); `cache` is the crawl's `ExtractCache` (without one, nothing
    is shared with other pages). With `found`, the links are appended to it as `Found`
    pairs ((url, fragment), element) and the page has none: the crawl indexes them and
    keeps the page without them, and making `Link` records it drops cost as much as
    finding them.
    """
    if cache is None:
        cache = ExtractCache()
    tree = LexborHTMLParser(html)
    # Most pages have no <base>: a scan of the source for one is cheaper than the query.
    base = _base(tree, url) if _BASE_TAG.search(html) else url
    origin, site, folder = cache.answers(base)
    resolve = cache.resolve
    notice_node = _notice_node(tree, selector) if selector else None
    notice: str | None = None
    if notice_node is not None:
        href = notice_node.attributes.get("href")
        target = resolve(site, folder, href, base, origin) if href else None
        notice = target[0] if target else None

    links: list[Link] = []
    alternates: list[Alternate] = []
    malformed: dict[str, str] = {}
    seen: set[Found] = set()
    kept = 0
    notice_id = notice_node.mem_id if notice_node is not None else None
    for node in tree.css(_LINK_SELECTOR):
        if notice_id is not None and node.mem_id == notice_id:
            continue
        tag = node.tag or ""
        attrs = node.attributes
        href = attrs.get("href")
        src = attrs.get("src")
        if tag in _SRCSET_TAGS and attrs.get("srcset"):
            references: Sequence[tuple[str, str]] = _references(tag, attrs)
        elif href:
            references = (("href", href), ("src", src)) if src else (("href", href),)
        elif src:
            references = (("src", src),)
        else:
            continue
        for attribute, reference in references:
            target = site.get(reference, _MISSING)
            if target is _MISSING:
                target = folder.get(reference, _MISSING)
                if target is _MISSING:
                    target = resolve(site, folder, reference, base, origin)
            if target is None:
                if len(malformed) < MAX_MALFORMED:
                    problem = _malformed(reference, base)
                    if problem is not None and reference not in malformed:
                        malformed[reference[:MAX_REFERENCE]] = problem
                continue
            link = (target, tag)
            seen.add(link)
            if len(seen) > kept:  # new on this page (one hash of the pair, not two)
                kept += 1
                if found is not None:
                    found.append(link)
                else:
                    rel = (attrs.get("rel") or "").lower()
                    links.append(Link(target[0], target[1], url, tag, attribute, rel))
            if tag == "link" and attrs.get("hreflang"):
                alternate = _alternate(attrs, target[0])
                if alternate is not None:
                    alternates.append(alternate)

    root = tree.root
    lang = ((root.attributes.get("lang") or "") if root is not None else "").strip()
    ids, title_node = _ids_and_title(tree)
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    text = main_text(tree) if digest else ""
    return Page(
        url=url,
        title=title[:1000],
        text=text,
        lang=lang[:35],
        ids=ids,
        links=tuple(links),
        alternates=tuple(alternates),
        notice=notice,
        depth=depth,
        malformed=tuple(malformed.items()),
    )


def extract_ids(tree_or_html: LexborHTMLParser | str) -> frozenset[str]:
    """Fragment targets of a page: element ids and `<a name>`, percent-decoded."""
    tree = LexborHTMLParser(tree_or_html) if isinstance(tree_or_html, str) else tree_or_html
    return _ids_and_title(tree)[0]


def _ids_and_title(tree: LexborHTMLParser) -> tuple[frozenset[str], LexborNode | None]:
    """`extract_ids` and the first `<title>`: one walk of the tree for both."""
    names: set[str] = set()
    title: LexborNode | None = None
    for node in tree.css("[id], a[name], title"):
        tag = node.tag
        if tag == "title" and title is None:
            title = node
        attrs = node.attributes
        for key in ("id", "name"):
            value = attrs.get(key)
            if value and (key == "id" or tag == "a"):
                names.add(value)
                if "%" in value:
                    names.add(unquote(value))
    return frozenset(names), title


def _alternate(attrs: dict[str, str | None], url: str) -> Alternate | None:
    """The `<link rel=alternate hreflang>` a `link` element is, if it is one."""
    if "alternate" not in (attrs.get("rel") or "").lower().split():
        return None
    return Alternate((attrs.get("hreflang") or "").strip(), url)


def _references(tag: str, attrs: dict[str, str | None]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for attribute in ("href", "src"):
        value = attrs.get(attribute)
        if value:
            out.append((attribute, value))
    srcset = attrs.get("srcset")
    if srcset and tag in ("img", "source"):
        for candidate in srcset.split(","):
            parts = candidate.split()
            if parts:
                out.append(("srcset", parts[0]))
    return out


def _absolute(reference: str, base: str, origin: str) -> tuple[str, str] | None:
    """(normalised absolute URL, decoded fragment) of a fetchable reference (without a
    printable `#fragment`: `ExtractCache.resolve` splits those), else None. `base` may be
    cut to the reference's `urls.join_key`, `origin` is the base's origin.

    Plain ASCII references that are root-relative, fragment-only or absolute are joined by
    concatenation and go through the (cached) `normalize`; simple paths too (`_join`); the
    rest through `urls.resolve` (cached on `urls.join_key`).
    """
    reference = reference.strip()
    if not reference:
        return None
    plain = (
        reference.isascii()
        and reference.isprintable()
        and " " not in reference
        and "\\" not in reference
    )
    try:
        first = reference[0]
        if plain and first == "/" and origin and not reference.startswith("//"):
            return split_fragment(normalize(origin + reference))
        if plain and first == "#":
            return split_fragment(base.partition("#")[0] + reference)
        head = reference[:11].lower()
        if head.startswith(_SKIP_SCHEMES):
            return None
        if plain and head.startswith(("http://", "https://")):
            return split_fragment(normalize(reference))
        absolute = _join(reference, base)
    except (UrlError, ValueError):
        return None
    if not is_http(absolute):
        return None
    return split_fragment(absolute)


# A folder (`urls.join_key` of a relative path) or an origin's root, in the simple forms
# where `urljoin` only appends a simple reference: lower-case http(s), no dot segment, no
# empty segment, no parameters, query or fragment.
_SIMPLE_FOLDER = re.compile(r"https?://[^/?#;\\\s\[\]]+(?:/[^/?#;\\\s.][^/?#;\\\s]*)*/\Z")
_SIMPLE_ROOT = re.compile(r"https?://[^/?#;\\\s\[\]]+/\Z")
# A path reference `urljoin` would append as it is: no scheme, fragment, parameters or
# backslash, no dot or empty segment, not ending with a bare `?`.
_SIMPLE_RELATIVE = re.compile(r"[^/?.:#;\\][^:#;\\]*\Z")
_SIMPLE_ROOTED = re.compile(r"/[^/:#;\\][^:#;\\]*\Z")


def _join(reference: str, base: str) -> str:
    """`urls.resolve(reference, base)` for a stripped reference without a fragment.

    The references of a site are mostly simple paths (`page.html`, `/el/άρθρα/...`), which
    `urljoin` appends to the base's folder or origin: that is done here by concatenation,
    the rest goes through `urls.resolve`. `base` is the reference's `urls.join_key`.
    """
    if (
        "//" not in reference
        and "/." not in reference
        and reference[-1] != "?"
        and reference.isprintable()
        and base.isascii()
    ):
        if reference[0] == "/":
            if _SIMPLE_ROOTED.match(reference) and _SIMPLE_ROOT.match(base):
                return normalize(base[:-1] + reference)
        elif _SIMPLE_RELATIVE.match(reference) and _SIMPLE_FOLDER.match(base):
            return normalize(base + reference)
    return resolve(reference, base)


def _malformed(reference: str, base: str) -> str | None:
    """Why a reference that was dropped is no URL at all (bad port, unclosed IPv6 bracket,
    host that cannot be encoded, no host); None when it was dropped for its scheme."""
    reference = reference.strip()
    if not reference or reference[:11].lower().startswith(_SKIP_SCHEMES):
        return None
    try:
        resolve(reference, base)
    except (UrlError, ValueError) as exc:
        reason = str(exc).split(": '", 1)[0].split(" in '", 1)[0]
        return reason if len(reason) <= 120 else reason[:117] + "..."
    return None


def _base(tree: LexborHTMLParser, url: str) -> str:
    node = tree.css_first("base[href]")
    if node is None:
        return url
    href = node.attributes.get("href")
    if not href:
        return url
    try:
        base = resolve(href, url)
    except (UrlError, ValueError):
        return url
    return base if is_http(base) else url


def selector_problem(selector: str) -> str | None:
    """Why the HTML parser cannot use `selector` (config validation), or None if it can."""
    if not selector.strip():
        return "empty CSS selector"
    try:
        LexborHTMLParser("<p></p>").css(selector)
    except Exception:  # selectolax raises its own error type for any unparsable selector
        return f"not a CSS selector the HTML parser understands: {selector[:80]!r}"
    return None


def _notice_node(tree: LexborHTMLParser, selector: str) -> LexborNode | None:
    """The first element of `selector` carrying an href (itself, or an `a` inside it)."""
    try:
        nodes = tree.css(selector)
    except Exception:  # a bad selector is a config problem, not a crash
        return None
    for node in nodes:
        if node.attributes.get("href"):
            return node
        inner = node.css_first("a[href]")
        if inner is not None:
            return inner
    return None


def main_text(tree: LexborHTMLParser) -> str:
    """The main text (`main`, `article`, `[role=main]`, `#content`, else the body) without
    scripts and styles, whitespace collapsed, first `DIGEST_WORDS` words.

    Upgraded and legacy pages are digested by this one function, so their layouts (the
    navigation around the article) do not make the same article look different.
    Strips the non-text elements from `tree`: call it last.
    """
    node = next((n for n in map(tree.css_first, _MAIN) if n is not None), None) or tree.body
    if node is None:
        return ""
    node.strip_tags(_NOT_TEXT)
    words = node.text(separator=" ")[: DIGEST_CHARS * 2].split()
    return " ".join(words[:DIGEST_WORDS])[:DIGEST_CHARS]
