"""Pairing: every upgraded page with its legacy counterpart, judged (L200-L205).

An upgraded page names its previous version through the notice link ("links to the old web
pages", picked by `counterpart.selector` into `Page.notice`) and/or the site's
`counterpart.pattern` (a regex over the decoded path and a legacy URL template). The legacy
page is fetched (each URL once, however many pages name it) and judged, in this order:

- L204 it redirects back to the upgraded page itself (the old content is gone);
- L201 it does not answer 2xx (4xx/5xx, network failure, redirect loop);
- L202 it is a soft 404: sent to a home page, or a "not found" page served with 200 — alike
  to what the same legacy host answers for a URL that surely does not exist (one probe per
  host and folder), or saying "not found" in its language while not resembling the article;
- L203 its title and text are too different from the upgraded page's;
- L200 (no counterpart named) and L205 (notice and pattern disagree) need no fetch.

Everything but `pair_site` is a pure function over records, tested without a network.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from selectolax.lexbor import LexborHTMLParser

from linkcheck.config import Site
from linkcheck.extract import DIGEST_CHARS, main_text
from linkcheck.findings import Finding, make_finding
from linkcheck.model import Page, Response
from linkcheck.redos import MAX_SUBJECT
from linkcheck.report import PairRecord
from linkcheck.similarity import TextDigest, not_found_phrase, page_similarity
from linkcheck.urls import (
    UrlError,
    decoded_path,
    display,
    in_prefix,
    is_http,
    normalize,
    origin_of,
    path_of,
    resolve,
    split_fragment,
)

if TYPE_CHECKING:  # the Fetcher (and aiohttp) may live in the fetch process only
    from linkcheck.fetch import FetchClient

__all__ = [
    "LegacyPage",
    "Named",
    "Probe",
    "digest_html",
    "is_home",
    "judge",
    "name_counterpart",
    "naming_findings",
    "pair_site",
    "pattern_url",
    "probe_url",
    "redirects_back",
    "soft_404",
    "upgraded_pages",
]

PROBE_SPECIFIC_TERMS = 12
"""A legacy page with fewer terms of its own than the host's answer for a missing URL is
that answer (a soft 404); twice as many are allowed when the sizes are close too."""
PROBE_SIZE_RATIO = 0.1
"""Sizes within this ratio of each other are close."""
PHRASE_MAX_TERMS = 120
"""A "not found" phrase outside the title counts only on pages with fewer distinct terms."""
PHRASE_MAX_SIMILARITY = 0.6
"""A page this alike to the upgraded page is the real article, whatever it looks like."""
_HOME_FILES = ("", "index.html", "index.htm", "index.php", "default.htm", "default.aspx")
_TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")


# --------------------------------------------------------------------------- naming


@dataclass(frozen=True, slots=True)
class Named:
    """What an upgraded page names as its previous version, by each source."""

    page: str
    notice: str | None
    pattern: str | None

    @property
    def legacy(self) -> str | None:
        """The URL judged: the notice link (what readers follow), else the pattern's."""
        return self.notice or self.pattern


def upgraded_pages(site: Site, pages: Sequence[Page]) -> list[Page]:
    """The crawled pages of `site` that must have a counterpart, each once, in crawl order."""
    seen: set[str] = set()
    out: list[Page] = []
    for page in pages:
        if page.url in seen or not in_prefix(page.url, site.new):
            continue
        if site.upgraded is not None and (
            len(page.url) > MAX_SUBJECT or not site.upgraded.search(decoded_path(page.url))
        ):
            continue
        seen.add(page.url)
        out.append(page)
    return out


def _fill(template: str, match: re.Match[str]) -> str | None:
    """`template` with `{name}` / `{1}` replaced by the match's groups; None if one is unknown."""
    missing = False

    def group(field: re.Match[str]) -> str:
        nonlocal missing
        key = field.group(1)
        try:
            value = match.group(int(key) if key.isdigit() else key)
        except IndexError:  # no such group
            missing = True
            return ""
        return value or ""

    filled = _TEMPLATE_FIELD.sub(group, template)
    return None if missing else filled


def _absolute(reference: str, base: str | None) -> str | None:
    """`reference` as a normalised URL without fragment, or None if it cannot be one."""
    try:
        if is_http(reference):
            url = normalize(reference)
        elif base is None:
            return None
        else:
            url = resolve(reference, base)
    except UrlError:
        return None
    return split_fragment(url)[0] if is_http(url) else None


def pattern_url(site: Site, page_url: str) -> str | None:
    """The legacy URL `counterpart.pattern` gives for `page_url`, if it applies.

    The regex searches the decoded path; a template starting with `/` resolves against the
    origin of the site's `legacy` prefix, any other relative one against the prefix itself.
    """
    counterpart = site.counterpart
    if counterpart is None or counterpart.pattern is None:
        return None
    if len(page_url) > MAX_SUBJECT:
        return None  # user regexes never see such a URL (redos.py)
    match = counterpart.pattern.match.search(decoded_path(page_url))
    if match is None:
        return None
    filled = _fill(counterpart.pattern.legacy, match)
    if filled is None:
        return None
    if filled.startswith("/") and site.legacy is not None:
        return _absolute(filled, origin_of(site.legacy))
    return _absolute(filled, site.legacy)


def name_counterpart(site: Site, page: Page) -> Named:
    """The notice link and the pattern's URL for one upgraded page."""
    notice = _absolute(page.notice, page.url) if page.notice else None
    return Named(page.url, notice, pattern_url(site, page.url))


def naming_findings(site: Site, named: Named) -> list[Finding]:
    """L200 when nothing names a counterpart; L205 when notice and pattern disagree."""
    if named.legacy is not None and named.legacy == named.page:
        return [
            make_finding(
                "L200",
                named.page,
                "upgraded page names itself as its legacy counterpart",
                site=site.name,
                legacy=named.legacy,
            )
        ]
    if named.legacy is None:
        how = []
        if site.counterpart is not None and site.counterpart.selector:
            how.append(f"no link matches `{site.counterpart.selector}`")
        if site.counterpart is not None and site.counterpart.pattern is not None:
            how.append("the pattern does not apply")
        reason = "; ".join(how) or "the site has no counterpart selector or pattern"
        return [
            make_finding(
                "L200",
                named.page,
                f"upgraded page names no legacy counterpart ({reason})",
                site=site.name,
                legacy=None,
            )
        ]
    if named.notice and named.pattern and named.notice != named.pattern:
        return [
            make_finding(
                "L205",
                named.page,
                f"the notice links {display(named.notice)} but the pattern gives "
                f"{display(named.pattern)}",
                site=site.name,
                legacy=named.notice,
                notice=named.notice,
                pattern=named.pattern,
            )
        ]
    return []


# --------------------------------------------------------------------------- legacy pages


@dataclass(frozen=True, slots=True)
class LegacyPage:
    """A fetched legacy URL with what the judgement needs of its body."""

    response: Response
    digest: TextDigest | None
    lang: str = ""


def digest_html(html: str) -> tuple[TextDigest, str]:
    """(title and main text, `<html lang>`) of an HTML document.

    The main text is read as on upgraded pages (`extract.main_text`): old layouts differ
    from new ones in their navigation, not in the article.
    """
    tree = LexborHTMLParser(html)
    title_node = tree.css_first("title")
    title = " ".join(title_node.text().split()) if title_node is not None else ""
    root = tree.css_first("html")
    lang = (root.attributes.get("lang") or "") if root is not None else ""
    return TextDigest(title[:DIGEST_CHARS], main_text(tree)), lang


def legacy_page(response: Response) -> LegacyPage:
    """Wrap a response, digesting its body when it is HTML that was read.

    The body itself is dropped: a site's pairs keep digests only, so memory grows with the
    number of pages, not with their size.
    """
    if response.text is None or not response.is_html:
        return LegacyPage(replace(response, text=None), None)
    digest, lang = digest_html(response.text)
    return LegacyPage(replace(response, text=None), digest, lang)


@dataclass(frozen=True, slots=True)
class Probe:
    """What a legacy host answered for a URL that surely does not exist."""

    url: str
    page: LegacyPage

    @property
    def soft(self) -> bool:
        """The host answers 2xx for missing pages, so a 200 proves nothing by itself."""
        return self.page.response.ok


def probe_url(site: Site, legacy_url: str, token: str) -> str:
    """A surely-missing URL on the legacy URL's host, in the same archive and file type.

    Under the site's `legacy` prefix when the URL lies there (archives often have one error
    handler per section), else at the host's root; same extension as the legacy URL.
    """
    base = site.legacy if site.legacy and in_prefix(legacy_url, site.legacy) else None
    if base is None:
        base = origin_of(legacy_url) + "/"
    elif not path_of(base).endswith("/"):
        base += "/"
    last = path_of(legacy_url).rsplit("/", 1)[-1]
    ext = last[last.rfind(".") :] if "." in last[1:] else ("/" if not last else "")
    if not re.fullmatch(r"[./A-Za-z0-9]{0,10}", ext):
        ext = ""
    return normalize(f"{base}linkcheck-probe-{token}{ext}")


def redirects_back(response: Response, upgraded: str) -> bool:
    """Whether following the legacy URL passes through, or ends at, the upgraded page."""
    target = split_fragment(upgraded)[0]
    for hop in response.hops:
        if _same(hop.location, target):
            return True
    return bool(response.hops) and _same(response.final_url, target)


def _same(url: str, target: str) -> bool:
    try:
        return split_fragment(normalize(url))[0] == target
    except UrlError:
        return False


def is_home(site: Site, response: Response) -> bool:
    """Whether the legacy URL was redirected to a home page: the root of its origin or the
    site's `legacy` prefix (with or without an index file)."""
    if not response.hops:
        return False
    final = split_fragment(response.final_url)[0].split("?", 1)[0]
    requested = split_fragment(response.url)[0].split("?", 1)[0]
    if final == requested:
        return False
    homes = {origin_of(final) + "/"}
    if site.legacy:
        prefix = site.legacy if site.legacy.endswith("/") else site.legacy + "/"
        homes.add(prefix)
    candidates = {home + name for home in homes for name in _HOME_FILES}
    candidates |= {c.rstrip("/") for c in candidates}
    return final in candidates


def soft_404(
    legacy: LegacyPage, probe: Probe | None, similarity: float | None, langs: Sequence[str]
) -> dict[str, str] | None:
    """Why a 2xx legacy page is really a "not found" page, or None if it looks genuine.

    Evidence, strongest first: it is where the host sends a missing URL too, or it says
    hardly anything the host's answer for a missing URL (the probe) does not say; it says
    "not found" in its title, or in the text of a small page, in its language. Apart from
    the first, a page that resembles the upgraded article is never a soft 404.
    """
    response = legacy.response
    threshold = PHRASE_MAX_SIMILARITY
    if probe is not None and probe.soft and probe.page.response.url != response.url:
        theirs = probe.page.response
        if response.hops and theirs.hops and response.final_url == theirs.final_url:
            return {"kind": "probe", "why": "the host sends missing URLs to the same page"}
        ours, template = legacy.digest, probe.page.digest
        if ours is not None and template is not None:
            # What this page says that the host's "missing" answer does not: an article has
            # plenty, an error page only the echo of its URL.
            specific = len(ours.all_terms - template.all_terms)
            close_size = (
                response.size > 0
                and theirs.size > 0
                and abs(response.size - theirs.size) <= PROBE_SIZE_RATIO * theirs.size
            )
            few = specific < PROBE_SPECIFIC_TERMS or (
                close_size and specific < 2 * PROBE_SPECIFIC_TERMS
            )
            if few and (similarity is None or similarity < threshold):
                return {
                    "kind": "probe",
                    "why": "it is what the host answers for a URL that does not exist "
                    f"({specific} words of its own)",
                }
    if legacy.digest is None:
        return None
    if similarity is not None and similarity >= threshold:
        return None
    languages = [*langs, legacy.lang]
    phrase = not_found_phrase(legacy.digest.title, languages)
    if phrase is None and len(legacy.digest.all_terms) < PHRASE_MAX_TERMS:
        phrase = not_found_phrase(legacy.digest.text[:1000], languages)
    if phrase is not None:
        return {"kind": "phrase", "why": f"it says {phrase!r}", "phrase": phrase}
    return None


def _record(
    site: Site,
    named: Named,
    response: Response | None,
    similarity: float | None,
    healthy: bool,
) -> PairRecord:
    return PairRecord(
        site=site.name,
        upgraded=named.page,
        legacy=named.legacy,
        status=response.status if response is not None else None,
        similarity=similarity,
        healthy=healthy,
    )


def judge(
    site: Site,
    page: Page,
    named: Named,
    legacy: LegacyPage | None,
    probe: Probe | None = None,
) -> tuple[PairRecord, list[Finding]]:
    """The pair record and the L findings of one upgraded page (pure).

    `legacy` is the fetched counterpart (None only when nothing is named).
    """
    findings = naming_findings(site, named)
    if named.legacy is None or legacy is None or named.legacy == page.url:
        return _record(site, named, None, None, False), findings
    response = legacy.response
    url = named.legacy
    base: dict[str, Any] = {
        "site": site.name,
        "legacy": url,
        "status": response.status,
        "final_url": response.final_url,
    }
    hops = [str(hop) for hop in response.hops]
    if hops:
        base["hops"] = hops

    def found(code: str, message: str, **details: Any) -> tuple[PairRecord, list[Finding]]:
        findings.append(make_finding(code, page.url, message, **base, **details))
        return _record(site, named, response, similarity, False), findings

    similarity: float | None = None
    if response.error_kind == "robots":
        findings.append(
            make_finding(
                "C106",
                url,
                "legacy counterpart not checked: robots.txt disallows it",
                source=page.url,
                site=site.name,
                legacy=url,
            )
        )
        return _record(site, named, response, None, False), findings
    if redirects_back(response, page.url):
        return found("L204", f"the legacy page {display(url)} redirects back to this upgraded page")
    if response.error_kind == "scope" and response.hops:
        # It redirects to another host, not followed (`check_external` off): what it leads to
        # is unknown, so neither L201 nor a content judgement; said, not silent.
        findings.append(
            make_finding(
                "C106",
                url,
                f"legacy counterpart not checked: it redirects to {display(response.final_url)}, "
                "another host (settings.check_external is off)",
                source=page.url,
                site=site.name,
                legacy=url,
                final=response.final_url,
                hops=hops,
            )
        )
        return _record(site, named, response, None, False), findings
    if response.status is None or not response.ok:
        what = (
            f"answers {response.status}"
            if response.status is not None
            else f"cannot be reached ({response.error or response.error_kind or 'no answer'})"
        )
        return found(
            "L201",
            f"the legacy page {display(url)} {what}",
            error=response.error,
            error_kind=response.error_kind,
        )
    if is_home(site, response):
        return found(
            "L202",
            f"the legacy page {display(url)} redirects to the home page "
            f"{display(response.final_url)}",
            kind="home",
        )
    upgraded = TextDigest(page.title, page.text)
    if legacy.digest is not None:
        similarity = page_similarity(upgraded, legacy.digest)
    why = soft_404(legacy, probe, similarity, [page.lang])
    if why is not None:
        return found(
            "L202",
            f"the legacy page {display(url)} is a 'not found' page served with "
            f"{response.status}: {why['why']}",
            similarity=similarity,
            probe=probe.url if probe is not None else None,
            **{k: v for k, v in why.items() if k != "why"},
        )
    threshold = site.counterpart.min_similarity if site.counterpart is not None else 0.5
    if similarity is not None and similarity < threshold:
        return found(
            "L203",
            f"the legacy page {display(url)} does not match this page "
            f"(similarity {similarity:.2f} < {threshold:.2f})",
            similarity=similarity,
            threshold=threshold,
            legacy_title=legacy.digest.title if legacy.digest else "",
        )
    return _record(site, named, response, similarity, True), findings


# --------------------------------------------------------------------------- the fetching part


def _probe_for(site: Site, url: str, legacy: LegacyPage, token: str) -> str | None:
    """The probe URL a legacy page needs: only 2xx HTML answers can be soft 404s."""
    response = legacy.response
    if not response.ok or legacy.digest is None:
        return None
    return probe_url(site, url, token)


async def _load_all(
    fetcher: FetchClient, urls: Sequence[str], workers: int
) -> dict[str, LegacyPage]:
    """Fetch and digest every URL, `workers` at a time (the fetcher enforces the politeness
    limits; the pool only keeps tens of thousands of pending requests out of memory)."""
    found: dict[str, LegacyPage] = {}
    queue = iter(urls)

    async def worker() -> None:
        for url in queue:
            found[url] = legacy_page(await fetcher.fetch(url))

    await asyncio.gather(*(worker() for _ in range(min(workers, len(urls)))))
    return {url: found[url] for url in urls}


async def pair_site(
    site: Site,
    pages: Sequence[Page],
    fetcher: FetchClient,
    *,
    probe_token: str | None = None,
) -> tuple[list[PairRecord], list[Finding]]:
    """Pair every upgraded page of `site` with its legacy counterpart and judge the pairs.

    Each legacy URL is fetched once (concurrently; the fetcher enforces the politeness
    limits), then one probe per host and folder for hosts that answered 2xx. A crawl-only
    site (no `legacy`, no `counterpart`) yields nothing.
    """
    if not site.pairs:
        return [], []
    upgraded = upgraded_pages(site, pages)
    named = [name_counterpart(site, page) for page in upgraded]
    urls = list(dict.fromkeys(n.legacy for n in named if n.legacy and n.legacy != n.page))

    workers = max(1, fetcher.settings.concurrency * 2)
    legacy = await _load_all(fetcher, urls, workers)

    token = probe_token or secrets.token_hex(8)
    probe_of = {url: _probe_for(site, url, page, token) for url, page in legacy.items()}
    probe_urls = list(dict.fromkeys(p for p in probe_of.values() if p is not None))
    probe_pages = await _load_all(fetcher, probe_urls, workers)
    probes = {url: Probe(url, page) for url, page in probe_pages.items()}

    records: list[PairRecord] = []
    findings: list[Finding] = []
    for page, name in zip(upgraded, named, strict=True):
        chosen = legacy.get(name.legacy) if name.legacy else None
        probe_key = probe_of.get(name.legacy) if name.legacy else None
        record, found = judge(
            site, page, name, chosen, probes.get(probe_key) if probe_key else None
        )
        records.append(record)
        findings.extend(found)
    return records, findings
