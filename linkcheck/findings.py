"""The Finding record and the catalogue of finding codes, in one place.

Codes are a public contract (DESIGN.md §4): they are added at the end of a group, never
renumbered or renamed. Each entry carries its default severity, a one-line title and the help
text that `linkcheck explain`, the HTML report and the generated docs show.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class Severity(StrEnum):
    """How bad a finding is; the order matters for `--fail-on`."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse: info 0, warning 1, error 2."""
        return {"info": 0, "warning": 1, "error": 2}[self.value]


@dataclass(frozen=True, slots=True)
class CodeInfo:
    """One finding code: its default severity, title and help (what it means, how to fix)."""

    code: str
    severity: Severity
    title: str
    help: str
    example: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem, found once.

    `url` is the URL the finding is about (see DESIGN.md "Which URL a finding carries");
    `source` says where it comes from: the referring page for a link, `file:line` for a map
    entry; `details` holds code-specific data (`sources`, `legacy`, `first`, ...).
    """

    code: str
    severity: Severity
    url: str
    message: str
    source: str | None = None
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The JSON report shape of DESIGN.md §5."""
        return {
            "code": self.code,
            "severity": self.severity.value,
            "url": self.url,
            "message": self.message,
            "source": self.source,
            "details": dict(self.details),
        }


def _codes(*infos: CodeInfo) -> Mapping[str, CodeInfo]:
    return MappingProxyType({info.code: info for info in infos})


E, W, I = Severity.ERROR, Severity.WARNING, Severity.INFO  # noqa: E741 - a compact table

CATALOGUE: Mapping[str, CodeInfo] = _codes(
    CodeInfo(
        "C100",
        E,
        "broken link",
        "The link's target answers 4xx or 5xx. Fix the link, restore the target, or add a "
        "redirect for it to the map.",
    ),
    CodeInfo(
        "C101",
        E,
        "unreachable",
        "The target could not be reached after retries: DNS, connection, TLS or timeout "
        "failure. Check the host name and that the server is up.",
    ),
    CodeInfo(
        "C102",
        W,
        "link to a redirect",
        "The link's target redirects. Update the link to the final URL (shown in the "
        "details) to save a round trip and keep the map small.",
    ),
    CodeInfo(
        "C103",
        W,
        "missing fragment",
        "The `#id` after the URL names no element `id` (nor `<a name>`) on the target page. "
        "Fix the fragment or add the id to the target.",
    ),
    CodeInfo(
        "C104",
        W,
        "insecure link",
        "An `http://` resource is linked from an `https://` page. Link the https URL.",
    ),
    CodeInfo(
        "C105",
        I,
        "crawl limit reached",
        "The crawl stopped at a limit (max pages, depth, time or a per-pattern budget); "
        "some pages were not visited. Raise the limit if that was not intended.",
    ),
    CodeInfo(
        "C106",
        I,
        "not checked",
        "The URL was skipped: robots.txt disallows it, or an ignore/exclude rule matched. "
        "It is not broken; it was not looked at.",
    ),
    CodeInfo(
        "C107",
        E,
        "redirect loop",
        "Following the link's redirects loops, or takes more hops than the limit. Fix the "
        "redirects on the server or in the map.",
    ),
    CodeInfo(
        "C108",
        W,
        "response too large",
        "The decoded response exceeded the size cap and was not parsed (a compression bomb "
        "or a huge page). Its links were not followed.",
    ),
    CodeInfo(
        "C109",
        W,
        "unusable content",
        "The content cannot be used as declared: binary or undecodable data served as "
        "HTML. Fix the Content-Type or the charset on the server.",
    ),
    CodeInfo(
        "C110",
        E,
        "malformed link",
        "The link's address is no URL at all: a port out of range, an unclosed IPv6 "
        "bracket, a host name that cannot be encoded. No browser can follow it, so it is "
        "reported as it is written in the page (never fetched). Fix the href.",
    ),
    CodeInfo(
        "L200",
        E,
        "no legacy counterpart",
        "The upgraded page names no previous version: no notice link matched the site's "
        '`counterpart.selector` and no `counterpart.pattern` applies. Add the "links to the '
        'old web pages" notice to the page.',
    ),
    CodeInfo(
        "L201",
        E,
        "legacy counterpart unreachable",
        "The legacy page the upgraded page points to answers 4xx/5xx or cannot be reached: "
        "the old content is lost. Restore it on the legacy host or fix the link.",
    ),
    CodeInfo(
        "L202",
        E,
        "legacy counterpart is a soft 404",
        'The legacy page answers 200 but is a "not found" page (it looks like what the '
        "legacy host answers for a URL that surely does not exist, or says so in its "
        "language), or it sends readers to a home page. Restore the real old page.",
    ),
    CodeInfo(
        "L203",
        W,
        "legacy counterpart does not match",
        "The legacy page's title and text are too different from the upgraded page "
        "(similarity below `counterpart.min_similarity`): the notice probably links the "
        "wrong article.",
    ),
    CodeInfo(
        "L204",
        E,
        "legacy counterpart redirects back",
        "The legacy URL redirects to the upgraded page itself, so the old content is no "
        "longer reachable. Usually a redirect rule is too broad: exclude the archive from it.",
    ),
    CodeInfo(
        "L205",
        W,
        "counterpart sources disagree",
        "The notice link and the `counterpart.pattern` name different legacy URLs. One of "
        "them is wrong; fix the notice or the pattern.",
    ),
    CodeInfo(
        "R300",
        E,
        "invalid map entry",
        "The entry cannot be used: unknown key, wrong type, bad URL, status outside 301, 302, "
        "303, 307, 308, 410, a `to` on a 410 or none on a redirect, or a regex that does not "
        "compile. It is not checked live and not exported.",
        "mistake: - {from: /a.html, to: /b/, status: 310}      # no such redirect status\n"
        "         - {from: /c.html, to: /d/, stauts: 302}      # unknown key\n"
        "         - {from: '^/n/(\\d+)$', to: '/m/$1', regex: true,\n"
        "            examples: [{from: /n/7, to: /m/8}]}       # the regex gives /m/7\n"
        "fix:     - {from: /a.html, to: /b/, status: 301}\n"
        "         - {from: /c.html, to: /d/, status: 302}\n"
        "         - ... examples: [{from: /n/7, to: /m/7}]",
    ),
    CodeInfo(
        "R301",
        W,
        "duplicate rule",
        "The same source is listed again with the same target: the later entry is "
        "redundant. Delete it.",
        "mistake: - {from: /el/Νέα.html, to: /el/news/}                    # line 10\n"
        "         - {from: '/el/%CE%9D%CE%AD%CE%B1.html', to: /el/news/}  # line 900, same URL\n"
        "fix:     delete the later entry (line 900)",
    ),
    CodeInfo(
        "R302",
        E,
        "conflicting rules",
        "The same source is listed again with another target or status; only one can "
        "win (nginx keeps one key). Decide which is right and delete the other.",
        "mistake: - {from: /a.html, to: /b/}\n"
        "         - {from: /a.html, to: /c/, status: 302}\n"
        "fix:     keep only the entry that is right",
    ),
    CodeInfo(
        "R303",
        W,
        "redirect chain",
        "The target of this rule is itself redirected by another rule: readers take two "
        "hops. Point the rule at the final target, given in the details.",
        "mistake: - {from: /a.html, to: /b.html}\n"
        "         - {from: /b.html, to: /c/}\n"
        "fix:     - {from: /a.html, to: /c/}      # the final target (details.final)\n"
        "         - {from: /b.html, to: /c/}",
    ),
    CodeInfo(
        "R304",
        E,
        "redirect loop",
        "Following the rules comes back to where it started: browsers give up with "
        '"too many redirects". Break the cycle listed in the details.',
        "mistake: - {from: /a.html, to: /b/}\n"
        "         - {from: /b/, to: /a.html}\n"
        "fix:     point one of them at a page that is served (or delete it)",
    ),
    CodeInfo(
        "R305",
        E,
        "self-redirect",
        "Source and target are the same URL (after normalisation): an endless loop.",
        "mistake: - {from: /el/σελίδα/, to: '/el/%CF%83%CE%B5%CE%BB%CE%AF%CE%B4%CE%B1/'}\n"
        "         - {from: /About/, to: /about/}   # nginx keys ignore ASCII case\n"
        "fix:     point the rule at the new page, or delete it",
    ),
    CodeInfo(
        "R306",
        W,
        "unreachable rule",
        "nginx will never use this rule: an exact rule for the same path, or an earlier "
        "regex, always wins (nginx tries exact keys first, then regexes in file order).",
        "mistake: - {from: '^/en/(.*)$', to: '/new/$1', regex: true}\n"
        "         - {from: '^/en/news/(.*)$', to: '/news/$1', regex: true}   # never reached\n"
        "fix:     move the more specific regex above the broader one",
    ),
    CodeInfo(
        "R307",
        E,
        "not safe for nginx",
        "The value parses but nginx would read it differently or it could inject a "
        "directive: `;`, `{`, `}`, quotes, whitespace, control characters or an unescaped `$`"
        " in a source or target, a regex construct PCRE reads otherwise (named groups, "
        "look-behind, possessive forms, inline flags), a `$N` beyond the regex's groups, or "
        "keys that differ only in non-ASCII letter case. Also a regex that can take "
        "exponential time (nested quantifiers such as `(a+)+` or `(.*a){20}`): matched against "
        "an unlucky URL it would hang the check.",
        "mistake: - {from: '/a;return 200', to: /b/}\n"
        "         - {from: '^/p/(?P<id>\\d+)$', to: '/q/$2', regex: true}\n"
        "fix:     - {from: '/a%3Breturn%20200', to: /b/}     # percent-encode\n"
        "         - {from: '^/p/(\\d+)$', to: '/q/$1', regex: true}",
    ),
    CodeInfo(
        "R308",
        W,
        "redirect changes language",
        "The rule sends a page of one language (path prefix or host) to another language. "
        "Usually a copy-paste mistake; add `note:` if intended.",
        "mistake: - {from: /fr/vieux.html, to: /en/articles/old/}\n"
        "fix:     - {from: /fr/vieux.html, to: /fr/articles/vieux/}\n"
        "or:      - {from: /fr/vieux.html, to: /en/articles/old/, note: 'no French version'}",
    ),
    CodeInfo(
        "V400",
        E,
        "source does not redirect",
        "The map says this URL redirects, but the server serves content there. Deploy the "
        "rules (see `linkcheck nginx`) or remove the entry.",
    ),
    CodeInfo(
        "V401",
        W,
        "live status differs",
        "The server redirects with another status than the map declares (e.g. 302 instead "
        "of 301). Regenerate and deploy the rules.",
    ),
    CodeInfo(
        "V402",
        E,
        "live target differs",
        "The server redirects this source to another final target than the map declares.",
    ),
    CodeInfo(
        "V403",
        E,
        "redirect target broken",
        "The redirect's final answer is not 2xx: readers land on an error page.",
    ),
    CodeInfo(
        "V404",
        W,
        "extra hops",
        "The declared target is reached, but through more than one redirect.",
    ),
    CodeInfo(
        "V405",
        E,
        "live redirect loop",
        "Following the live redirects loops (or exceeds the hop limit).",
    ),
    CodeInfo(
        "V406",
        E,
        "gone rule not served as gone",
        "The map declares 410 Gone for this source, but the server answers otherwise.",
    ),
    CodeInfo(
        "H500",
        W,
        "hreflang without return link",
        "Page A declares page B as its language alternate, but B does not declare A back. "
        "Search engines ignore one-way alternates.",
    ),
    CodeInfo(
        "H501",
        E,
        "hreflang to a broken page",
        "A language alternate points to a page that answers 4xx/5xx or cannot be reached.",
    ),
)


def info(code: str) -> CodeInfo:
    """The catalogue entry of `code`; KeyError for an unknown code."""
    return CATALOGUE[code]


def make_finding(
    code: str,
    url: str,
    message: str,
    *,
    source: str | None = None,
    **details: Any,
) -> Finding:
    """A finding with the catalogue's default severity for `code`."""
    return Finding(code, CATALOGUE[code].severity, url, message, source, details)


def is_accepted(finding: Finding) -> bool:
    """Accepted findings (`accept:` in the map, see accept.py) are shown but never fail."""
    return bool(finding.details.get("accepted"))


def fails(findings: Iterable[Finding], fail_on: str) -> bool:
    """Whether a finding at or above `fail_on` (error, warning, never) remains unaccepted."""
    if fail_on == "never":
        return False
    level = Severity(fail_on).rank
    return any(f.severity.rank >= level and not is_accepted(f) for f in findings)
