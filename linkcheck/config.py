"""`redirects.yaml` → a typed, immutable model (DESIGN.md §3).

Loading never raises for a problem inside a usable file: a bad redirect entry, an unknown
key, a wrong type become R300 findings (`Config.problems`) naming `file:line:column`, and the
rest of the file is still read. Only what makes the file unusable raises `ConfigError`:
unreadable, binary, empty or oversized files, YAML syntax errors, a top level that is not a
mapping, an unsupported `version`, an `include:` that cannot be read.

The YAML is composed into nodes (with libyaml when available) so that every value keeps its
position; nothing downstream sees raw dicts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import glob
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache, partial
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import yaml

from linkcheck.errors import ConfigError, ConfigSyntaxError
from linkcheck.extract import selector_problem
from linkcheck.findings import CATALOGUE, Finding, Severity, make_finding
from linkcheck.redos import exponential_risk
from linkcheck.urls import (
    UrlError,
    is_canonical,
    is_http,
    normalize,
    origin_of,
    split_credentials,
)

__all__ = [
    "MAX_CONFIG_BYTES",
    "REDIRECT_STATUSES",
    "Accept",
    "Config",
    "Counterpart",
    "Defaults",
    "Example",
    "LegacyPattern",
    "Position",
    "Rule",
    "Settings",
    "Site",
    "compile_regex",
    "load_config",
]

MAX_CONFIG_BYTES = 32 * 1024 * 1024
"""Largest config file read (a 100,000-rule map is about 8 MB)."""

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
GONE = 410
DEFAULT_USER_AGENT = "linkcheck/0.1 (+https://github.com/linkcheck/linkcheck)"

try:  # libyaml is several times faster on big maps; PyYAML wheels ship it.
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - only without libyaml
    _Loader = yaml.SafeLoader


@dataclass(frozen=True, slots=True)
class Position:
    """Where a value stands: 1-based line and column in `file`."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    @property
    def file_line(self) -> str:
        """`file:line`, the `source` of R findings."""
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Accept:
    """A known problem that does not fail CI until `until` (inclusive)."""

    code: str
    url: str
    until: dt.date | None
    why: str
    position: Position

    def matches(self, code: str, url: str) -> bool:
        """Same code (or `*`) and the URL matches the glob pattern."""
        from fnmatch import fnmatchcase

        return self.code in (code, "*") and fnmatchcase(url, self.url)

    def expired(self, today: dt.date) -> bool:
        return self.until is not None and today > self.until


SETTING_LIMITS: Mapping[str, int] = MappingProxyType(
    {"concurrency": 10_000, "per_host": 10_000, "retries": 100}
)
"""Upper bounds of settings whose typo (an extra zero or three) would exhaust the machine:
a worker per unit of concurrency, a retry loop per failing URL. Shared with the CLI."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Run settings; every field has its one default here. CLI options override them."""

    concurrency: int = 32
    per_host: int = 8
    rate: float = 20.0
    timeout: float = 15.0
    retries: int = 2
    max_pages: int = 50_000
    max_depth: int = 50
    max_per_pattern: int = 25
    """Same-shape pages (digits collapsed) crawled in a row along one chain of links, each
    found on the previous one: the budget against URL traps (see traps.py)."""
    max_hops: int = 10
    max_bytes: int = 10 * 1024 * 1024
    max_time: float | None = None
    user_agent: str = DEFAULT_USER_AGENT
    check_external: bool = False
    ignore: frozenset[str] = frozenset()
    exclude: tuple[re.Pattern[str], ...] = ()
    include_urls: tuple[re.Pattern[str], ...] = ()
    """When set, only URLs one of these matches are crawled or checked (seeds always are);
    named apart from the top-level `include:` (files of the map)."""
    accept: tuple[Accept, ...] = ()
    severity: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    credentials: Mapping[str, tuple[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    """Origin → (user, password), taken out of site URLs written `https://user:pw@host/`:
    sent (HTTP Basic) to that exact origin only, never kept in a URL or a report."""
    retry_backoff: float = 0.5
    """First retry waits about this many seconds (doubling, with jitter)."""
    max_retry_wait: float = 30.0
    """Cap on any single wait between retries, Retry-After included."""


TEMPLATE_FIELD = re.compile(r"\{(\w+)\}")
"""A `{name}` or `{1}` field of `counterpart.pattern.legacy` (filled by pairing.py)."""


@dataclass(frozen=True, slots=True)
class LegacyPattern:
    """`counterpart.pattern`: a regex over the decoded path and a legacy URL template."""

    match: re.Pattern[str]
    legacy: str


@dataclass(frozen=True, slots=True)
class Counterpart:
    """How an upgraded page names its previous version."""

    selector: str | None = None
    pattern: LegacyPattern | None = None
    min_similarity: float = 0.5


@dataclass(frozen=True, slots=True)
class Site:
    """One language site: `new` is the crawl scope and seed, `legacy` the archive prefix."""

    name: str
    new: str
    legacy: str | None = None
    seeds: tuple[str, ...] = ()
    upgraded: re.Pattern[str] | None = None
    counterpart: Counterpart | None = None
    robots: bool = True
    position: Position | None = None

    @property
    def pairs(self) -> bool:
        """Whether this site pairs upgraded pages (not crawl-only)."""
        return self.counterpart is not None or self.legacy is not None


@dataclass(frozen=True, slots=True)
class Defaults:
    status: int = 301
    origin: str | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """`examples:` of a regex rule: this source must be redirected to this target."""

    source: str
    target: str
    position: Position


@dataclass(frozen=True, slots=True)
class Rule:
    """One entry of the redirect map, in map order (`index` counts across includes).

    `source`/`target` are as written; `from_url`/`to_url` are their normalised absolute
    forms (None where not computable: regex sources, invalid entries, 410 rules' target).
    `problems` lists why the entry is invalid (R300); an invalid rule is reported but not
    checked live nor exported.
    """

    index: int
    source: str
    target: str | None
    status: int
    position: Position
    regex: bool = False
    query: str = "keep"
    note: str = ""
    examples: tuple[Example, ...] = ()
    from_url: str | None = None
    to_url: str | None = None
    valid: bool = True

    @property
    def gone(self) -> bool:
        return self.status == GONE


@dataclass(frozen=True, slots=True)
class Config:
    """The whole configuration, immutable."""

    path: str
    version: int
    settings: Settings
    sites: tuple[Site, ...]
    rules: tuple[Rule, ...]
    defaults: Defaults
    problems: tuple[Finding, ...] = ()
    files: tuple[str, ...] = ()

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)


@lru_cache(maxsize=16384)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """`re.compile` with a cache that holds a map's regex rules (re's own keeps 512), so the
    loader and the validator compile each one once. Raises re.error like re.compile."""
    return re.compile(pattern)


# --------------------------------------------------------------------------- reading YAML


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from exc
    if path.is_dir():
        raise ConfigError(f"{path}: is a directory, not a configuration file")
    if size > MAX_CONFIG_BYTES:
        raise ConfigSyntaxError(
            f"{path}: file is {size / 2**20:.1f} MiB, over the {MAX_CONFIG_BYTES // 2**20} MiB "
            "limit for one file; split the map with `include:`"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the configuration: {exc.strerror}") from exc
    if b"\x00" in data[:8192]:
        raise ConfigSyntaxError(f"{path}: binary file, not YAML text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigSyntaxError(f"{path}:{line}: not UTF-8 text ({exc.reason})") from exc
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise ConfigSyntaxError(f"{path}: the file is empty")
    return text


def _compose_text(path: Path, text: str) -> yaml.Node:
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigSyntaxError(f"{where}: YAML syntax error: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigSyntaxError(f"{path}: YAML error: {exc}") from exc
    if node is None:
        raise ConfigSyntaxError(f"{path}: the file is empty")
    return node


# --------------------------------------------------------------------------- node helpers

T = TypeVar("T")
_BOOL_TRUE = {"true", "yes", "on"}
_BOOL_FALSE = {"false", "no", "off"}
_INT = re.compile(r"[-+]?[0-9]+\Z")
_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?\Z")


class _Reader:
    """Walks composed nodes, converting scalars and collecting R300 problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Finding] = []
        self.line_offset = 0  # lines before a fragment composed on its own (fast path)

    def pos(self, node: yaml.Node) -> Position:
        line = node.start_mark.line + 1 + self.line_offset
        return Position(self.file, line, node.start_mark.column + 1)

    def problem(self, node: yaml.Node, message: str, url: str = "") -> None:
        where = self.pos(node)
        self.problems.append(
            make_finding(
                "R300",
                url or where.file_line,
                f"{message}",
                source=where.file_line,
                column=where.column,
                position=str(where),
            )
        )

    def mapping(self, node: yaml.Node, what: str) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping, not {_kind(node)}")
            return
        seen: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str):
                self.problem(key_node, f"{what}: keys must be plain names")
                continue
            if key in seen:
                self.problem(key_node, f"{what}: key {key!r} is given twice")
                continue
            seen[key] = key_node
            yield key, key_node, value_node

    def unknown(self, key_node: yaml.Node, key: str, what: str, known: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(key, known, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        self.problem(key_node, f"unknown key {key!r} in {what}{hint}")

    def string(self, node: yaml.Node, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith((":str", ":int", ":float")):
            return str(node.value)
        if isinstance(node, yaml.ScalarNode) and node.tag.endswith((":timestamp",)):
            return str(node.value)
        self.problem(node, f"{what} must be a string, not {_kind(node)}")
        return None

    def integer(
        self, node: yaml.Node, what: str, *, low: int | None = None, high: int | None = None
    ) -> int | None:
        if isinstance(node, yaml.ScalarNode) and _INT.match(node.value) and not node.style:
            value = int(node.value)
            if low is not None and value < low:
                self.problem(node, f"{what} must be at least {low}, not {value}")
                return None
            if high is not None and value > high:
                self.problem(node, f"{what} must be at most {high}, not {value}")
                return None
            return value
        self.problem(node, f"{what} must be a whole number, not {_describe(node)}")
        return None

    def number(self, node: yaml.Node, what: str, *, low: float = 0.0) -> float | None:
        if isinstance(node, yaml.ScalarNode) and _FLOAT.match(node.value) and not node.style:
            value = float(node.value)
            if value < low:
                self.problem(node, f"{what} must be at least {low:g}, not {value:g}")
                return None
            if value == float("inf"):  # 1e400: a timeout that never ends a stalled request
                self.problem(node, f"{what} must be a finite number, not {_describe(node)}")
                return None
            return value
        self.problem(node, f"{what} must be a number, not {_describe(node)}")
        return None

    def boolean(self, node: yaml.Node, what: str) -> bool | None:
        if isinstance(node, yaml.ScalarNode) and not node.style:
            low = node.value.lower()
            if low in _BOOL_TRUE:
                return True
            if low in _BOOL_FALSE:
                return False
        self.problem(node, f"{what} must be true or false, not {_describe(node)}")
        return None

    def strings(self, node: yaml.Node, what: str) -> list[tuple[str, yaml.Node]]:
        if isinstance(node, yaml.ScalarNode) and not node.style and node.value == "":
            return []
        if not isinstance(node, yaml.SequenceNode):
            value = self.string(node, what)
            return [(value, node)] if value is not None else []
        out = []
        for item in node.value:
            value = self.string(item, f"item of {what}")
            if value is not None:
                out.append((value, item))
        return out

    def regex(self, node: yaml.Node, what: str) -> re.Pattern[str] | None:
        text = self.string(node, what)
        if text is None:
            return None
        try:
            compiled = re.compile(text)
        except re.error as exc:
            self.problem(node, f"{what}: regex does not compile: {exc}")
            return None
        risk = exponential_risk(text)
        if risk is not None:
            # Python's re would hang the run (GIL held, SIGTERM too) on an unlucky URL.
            self.problem(
                node,
                f"{what}: regex can take exponential time on some URLs (nested quantifiers: "
                f"a group repeated `{risk}` holds a repeat that can match all of it); "
                "rewrite it, e.g. `(a+)+` as `a+`; it is not used",
            )
            return None
        return compiled

    def url(self, node: yaml.Node, what: str) -> str | None:
        text = self.string(node, what)
        if text is None:
            return None
        if not is_http(text):
            self.problem(node, f"{what} must be an absolute http(s) URL, not {_quoted(text)}")
            return None
        try:
            return normalize(text)
        except UrlError as exc:
            self.problem(node, f"{what}: {exc}")
            return None


_SHOWN = 80
"""Characters of a wrong value quoted in a message (a whole file must not end up in one)."""


def _quoted(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "...")


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    if node.tag.endswith(":null"):
        return "empty"
    return f"{node.tag.rsplit(':', 1)[-1]} {_quoted(node.value)}"


def _describe(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return _quoted(node.value) if node.value != "" else "empty"
    return _kind(node)


def _set(
    reader: _Reader,
    values: dict[str, Any],
    key: str,
    parse: Callable[[yaml.Node, str], T | None],
    node: yaml.Node,
    what: str,
) -> None:
    value = parse(node, what)
    if value is not None:
        values[key] = value


# --------------------------------------------------------------------------- sections

_SETTINGS_KEYS = (
    "concurrency", "per_host", "rate", "timeout", "retries", "max_pages", "max_depth",
    "max_hops", "max_bytes", "max_time", "user_agent", "check_external", "ignore", "exclude",
    "accept", "severity", "max_per_pattern", "include_urls",
)  # fmt: skip


def _settings(reader: _Reader, node: yaml.Node | None) -> Settings:
    if node is None or _is_null(node):
        return Settings()
    values: dict[str, Any] = {}
    for key, key_node, value in reader.mapping(node, "settings"):
        what = f"settings.{key}"
        if key in (
            "concurrency", "per_host", "max_pages", "max_depth", "max_hops", "max_bytes",
            "max_per_pattern",
        ):  # fmt: skip
            bounded = partial(reader.integer, low=1, high=SETTING_LIMITS.get(key))
            _set(reader, values, key, bounded, value, what)
        elif key == "retries":
            bounded = partial(reader.integer, low=0, high=SETTING_LIMITS["retries"])
            _set(reader, values, key, bounded, value, what)
        elif key in ("rate", "timeout", "max_time"):
            _set(reader, values, key, lambda n, w: reader.number(n, w, low=0.001), value, what)
        elif key == "user_agent":
            _set(reader, values, key, reader.string, value, what)
        elif key == "check_external":
            _set(reader, values, key, reader.boolean, value, what)
        elif key == "ignore":
            codes = []
            for code, item in reader.strings(value, what):
                if code not in CATALOGUE:
                    reader.problem(item, f"{what}: unknown finding code {code!r}")
                else:
                    codes.append(code)
            values[key] = frozenset(codes)
        elif key in ("exclude", "include_urls"):
            patterns = []
            for _text, item in reader.strings(value, what):
                compiled = reader.regex(item, f"item of {what}")
                if compiled is not None:
                    patterns.append(compiled)
            values[key] = tuple(patterns)
        elif key == "accept":
            values[key] = _accepts(reader, value)
        elif key == "severity":
            values[key] = MappingProxyType(_severities(reader, value))
        else:
            reader.unknown(key_node, key, "settings", _SETTINGS_KEYS)
    return Settings(**values)


def _severities(reader: _Reader, node: yaml.Node) -> dict[str, Severity]:
    out: dict[str, Severity] = {}
    for code, key_node, value in reader.mapping(node, "settings.severity"):
        if code not in CATALOGUE:
            reader.problem(key_node, f"settings.severity: unknown finding code {code!r}")
            continue
        text = reader.string(value, f"settings.severity.{code}")
        if text is None:
            continue
        try:
            out[code] = Severity(text.lower())
        except ValueError:
            reader.problem(value, f"settings.severity.{code} must be error, warning or info")
    return out


def _accepts(reader: _Reader, node: yaml.Node) -> tuple[Accept, ...]:
    if not isinstance(node, yaml.SequenceNode):
        reader.problem(node, f"settings.accept must be a list, not {_kind(node)}")
        return ()
    out = []
    for item in node.value:
        fields: dict[str, Any] = {"until": None, "why": "", "url": "*"}
        ok = True
        for key, key_node, value in reader.mapping(item, "settings.accept entry"):
            if key in ("code", "url", "why"):
                text = reader.string(value, f"accept.{key}")
                ok &= text is not None
                fields[key] = text
            elif key == "until":
                fields["until"] = _date(reader, value)
                ok &= fields["until"] is not None
            else:
                reader.unknown(
                    key_node, key, "settings.accept entry", ("code", "url", "until", "why")
                )
        code = fields.get("code")
        if code is None:
            reader.problem(item, "settings.accept entry needs a `code`")
            continue
        if code != "*" and code not in CATALOGUE:
            reader.problem(item, f"settings.accept: unknown finding code {code!r}")
            continue
        if ok:
            out.append(
                Accept(code, fields["url"], fields["until"], fields["why"], reader.pos(item))
            )
    return tuple(out)


def _date(reader: _Reader, node: yaml.Node) -> dt.date | None:
    text = reader.string(node, "accept.until")
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        reader.problem(node, f"accept.until must be a date YYYY-MM-DD, not {text!r}")
        return None


_SITE_KEYS = ("new", "legacy", "seeds", "upgraded", "counterpart", "robots")
_COUNTERPART_KEYS = ("selector", "pattern", "min_similarity")


def _sites(reader: _Reader, node: yaml.Node | None) -> tuple[Site, ...]:
    if node is None or _is_null(node):
        return ()
    sites = []
    for name, name_node, value in reader.mapping(node, "sites"):
        site = _site(reader, name, name_node, value)
        if site is not None:
            sites.append(site)
    return tuple(sites)


def _without_credentials(
    sites: tuple[Site, ...],
) -> tuple[tuple[Site, ...], dict[str, tuple[str, str]]]:
    """The sites with any `user:password@` taken out of their URLs, and origin → credentials.

    Kept in a URL, credentials would end up in every report and put the site's own links
    (resolved without them) outside its crawl scope.
    """
    credentials: dict[str, tuple[str, str]] = {}

    def clean(url: str) -> str:
        bare, pair = split_credentials(url)
        if pair is not None:
            credentials.setdefault(origin_of(bare), pair)
        return bare

    out = []
    for site in sites:
        if "@" in "".join((site.new, site.legacy or "", *site.seeds)):
            site = replace(
                site,
                new=clean(site.new),
                legacy=clean(site.legacy) if site.legacy else None,
                seeds=tuple(clean(seed) for seed in site.seeds),
            )
        out.append(site)
    return tuple(out), credentials


def _site(reader: _Reader, name: str, name_node: yaml.Node, node: yaml.Node) -> Site | None:
    values: dict[str, Any] = {}
    for key, key_node, value in reader.mapping(node, f"site {name!r}"):
        what = f"sites.{name}.{key}"
        if key in ("new", "legacy"):
            _set(reader, values, key, reader.url, value, what)
        elif key == "seeds":
            seeds = []
            for _text, item in reader.strings(value, what):
                url = reader.url(item, f"item of {what}")
                if url is not None:
                    seeds.append(url)
            values[key] = tuple(seeds)
        elif key == "upgraded":
            _set(reader, values, key, reader.regex, value, what)
        elif key == "robots":
            _set(reader, values, key, reader.boolean, value, what)
        elif key == "counterpart":
            values[key] = _counterpart(reader, value, what)
        else:
            reader.unknown(key_node, key, f"site {name!r}", _SITE_KEYS)
    if "new" not in values:
        reader.problem(name_node, f"site {name!r} needs a valid `new` URL; the site is skipped")
        return None
    return Site(name=name, position=reader.pos(name_node), **values)


def _counterpart(reader: _Reader, node: yaml.Node, what: str) -> Counterpart:
    values: dict[str, Any] = {}
    for key, key_node, value in reader.mapping(node, what):
        if key == "selector":
            selector = reader.string(value, f"{what}.selector")
            problem = selector_problem(selector) if selector is not None else None
            if problem is not None:
                reader.problem(value, f"{what}.selector: {problem}")
            elif selector is not None:
                values[key] = selector
        elif key == "min_similarity":
            number = reader.number(value, f"{what}.min_similarity", low=0.0)
            if number is not None and number > 1:
                reader.problem(value, f"{what}.min_similarity must be between 0 and 1")
            elif number is not None:
                values[key] = number
        elif key == "pattern":
            pattern = _legacy_pattern(reader, value, f"{what}.pattern")
            if pattern is not None:
                values[key] = pattern
        else:
            reader.unknown(key_node, key, what, _COUNTERPART_KEYS)
    return Counterpart(**values)


def _legacy_pattern(reader: _Reader, node: yaml.Node, what: str) -> LegacyPattern | None:
    match: re.Pattern[str] | None = None
    legacy: str | None = None
    for key, key_node, value in reader.mapping(node, what):
        if key == "match":
            match = reader.regex(value, f"{what}.match")
        elif key == "legacy":
            legacy = reader.string(value, f"{what}.legacy")
        else:
            reader.unknown(key_node, key, what, ("match", "legacy"))
    if match is None or legacy is None:
        if not any(p.details.get("position", "").startswith(reader.file) for p in reader.problems):
            reader.problem(node, f"{what} needs both `match` and `legacy`")
        return None
    unknown = [
        name
        for name in TEMPLATE_FIELD.findall(legacy)
        if not (name.isdigit() and int(name) <= match.groups) and name not in match.groupindex
    ]
    if unknown:
        groups = ", ".join(match.groupindex) or "none named"
        reader.problem(
            node,
            f"{what}.legacy uses {', '.join('{' + n + '}' for n in unknown)}, which "
            f"{what}.match does not capture (groups: {groups})",
        )
        return None
    return LegacyPattern(match, legacy)


def _defaults(reader: _Reader, node: yaml.Node | None) -> Defaults:
    if node is None or _is_null(node):
        return Defaults()
    values: dict[str, Any] = {}
    for key, key_node, value in reader.mapping(node, "defaults"):
        if key == "status":
            status = reader.integer(value, "defaults.status")
            if status is not None and status not in REDIRECT_STATUSES | {GONE}:
                reader.problem(
                    value, f"defaults.status {status} is not one of 301, 302, 303, 307, 308, 410"
                )
            elif status is not None:
                values[key] = status
        elif key == "origin":
            origin = reader.url(value, "defaults.origin")
            if origin is not None and split_credentials(origin)[1] is not None:
                reader.problem(value, f"defaults.origin {_PUBLISHED}")
                origin = split_credentials(origin)[0]
            if origin is not None:
                values[key] = origin.rstrip("/") if origin.count("/") == 3 else origin
        else:
            reader.unknown(key_node, key, "defaults", ("status", "origin"))
    return Defaults(**values)


# --------------------------------------------------------------------------- redirects

_RULE_KEYS = ("from", "to", "status", "regex", "query", "note", "examples")
_ABSOLUTE = re.compile(r"https?://", re.IGNORECASE)


class _RuleReader:
    """Reads redirect entries, numbering them across files in map order."""

    def __init__(self, defaults: Defaults) -> None:
        self.defaults = defaults
        self.rules: list[Rule] = []
        # A canonical origin plus an already canonical path is canonical: no normalising.
        self.canonical_origin = defaults.origin is not None and is_canonical(defaults.origin + "/")

    def read(self, reader: _Reader, node: yaml.Node) -> None:
        if _is_null(node):
            return
        if not isinstance(node, yaml.SequenceNode):
            reader.problem(node, f"redirects must be a list of entries, not {_kind(node)}")
            return
        for item in node.value:
            self.rules.append(self._rule(reader, item, len(self.rules)))

    def read_fast(self, reader: _Reader, items: tuple[_FastEntry | _Fragment, ...]) -> None:
        """The entries the fast path cut out, in order; the unusual ones go through YAML."""
        for item in items:
            if isinstance(item, _FastEntry):
                rule = self._fast_rule(reader.file, item, len(self.rules))
                if rule is not None:
                    self.rules.append(rule)
                    continue
                try:
                    node = yaml.compose(item.text, Loader=_Loader)
                except yaml.YAMLError as exc:  # pragma: no cover - the pattern is valid YAML
                    raise ConfigSyntaxError(f"{reader.file}:{item.line + 1}: {exc}") from exc
                if node is None:  # pragma: no cover - the line is an entry
                    continue
                item = _Fragment(item.line, node)
            reader.line_offset = item.line
            try:
                self.read(reader, item.node)
            finally:
                reader.line_offset = 0

    def _fast_rule(self, file: str, entry: _FastEntry, index: int) -> Rule | None:
        """The Rule `_rule` would build for a plainly valid entry; None if in any doubt."""
        source, target = entry.source, entry.target
        status = self.defaults.status if entry.status is None else entry.status
        if status == GONE:
            if target is not None:
                return None
        elif status not in REDIRECT_STATUSES or target is None or target.strip() == "":
            return None
        origin = self.defaults.origin
        if entry.regex:
            return self._fast_regex_rule(file, entry, index, status)
        from_url = self._fast_resolve(source, origin)
        if from_url is None:
            return None
        to_url: str | None = None
        if target is not None:
            to_url = self._fast_resolve(target, origin or _origin(from_url))
            if to_url is None:
                return None
        return Rule(
            index=index,
            source=source,
            target=target,
            status=status,
            position=Position(file, entry.line + 1, entry.column + 1),
            from_url=from_url,
            to_url=to_url,
        )

    def _fast_resolve(self, text: str, base: str | None) -> str | None:
        """`text` (an absolute URL, or a path on `base`) normalised; None when the fast path
        cannot say (no base, `//host` forms, anything else): the slow path decides then."""
        if text[:2] == "//":
            return None  # the slow path says why
        if text[:1] == "/":
            if base is None:
                return None
            if (
                base == self.defaults.origin
                and self.canonical_origin
                and (_CANONICAL_PATH.match(text))
            ):
                return base + text
            return _fast_normalized(base + text)
        return _fast_normalized(text) if _ABSOLUTE.match(text) else None

    def _fast_regex_rule(
        self, file: str, entry: _FastEntry, index: int, status: int
    ) -> Rule | None:
        """`_fast_rule` for `regex: true`: the regex must compile, the target resolve."""
        try:
            compile_regex(entry.source)
        except re.error:
            return None
        to_url: str | None = None
        if entry.target is not None:
            to_url = self._fast_resolve(entry.target, self.defaults.origin)
            if to_url is None:
                return None
        return Rule(
            index=index,
            source=entry.source,
            target=entry.target,
            status=status,
            position=Position(file, entry.line + 1, entry.column + 1),
            regex=True,
            to_url=to_url,
        )

    def _rule(self, reader: _Reader, node: yaml.Node, index: int) -> Rule:
        position = reader.pos(node)
        before = len(reader.problems)
        source: str | None = None
        target: str | None = None
        status: int | None = self.defaults.status
        status_node: yaml.Node = node
        regex = False
        query = "keep"
        note = ""
        examples: tuple[Example, ...] = ()
        has_to = False
        for key, key_node, value in reader.mapping(node, "redirect entry"):
            if key == "from":
                source = reader.string(value, "`from`")
            elif key == "to":
                has_to = not _is_null(value)
                target = reader.string(value, "`to`") if has_to else None
            elif key == "status":
                status_node = value
                status = reader.integer(value, "`status`")
                if status is not None and status not in REDIRECT_STATUSES | {GONE}:
                    reader.problem(
                        value,
                        f"status {status} is not one of 301, 302, 303, 307, 308, 410",
                        self._url_for(source),
                    )
                    status = None
            elif key == "regex":
                regex = bool(reader.boolean(value, "`regex`"))
            elif key == "query":
                text = reader.string(value, "`query`")
                if text is not None and text not in ("keep", "drop"):
                    reader.problem(value, f"`query` must be keep or drop, not {text!r}")
                elif text is not None:
                    query = text
            elif key == "note":
                note = reader.string(value, "`note`") or ""
            elif key == "examples":
                examples = self._examples(reader, value)
            else:
                reader.unknown(key_node, key, "redirect entry", _RULE_KEYS)
        if isinstance(node, yaml.MappingNode):
            self._check_shape(reader, node, status_node, source, target, status, has_to)
        from_url, to_url = None, None
        valid_so_far = len(reader.problems) == before
        if valid_so_far and source is not None:
            from_url, to_url = self._resolve(reader, node, source, target, regex, status)
        valid = len(reader.problems) == before
        # Give the problems of this entry the rule's URL and `file:line` (their exact place
        # stays in details.position), so reports and the export group them by entry.
        if not valid:
            url = self._url_for(source) if source is not None else ""
            for i in range(before, len(reader.problems)):
                problem = reader.problems[i]
                reader.problems[i] = Finding(
                    problem.code,
                    problem.severity,
                    url if url and problem.url == problem.source else problem.url,
                    problem.message,
                    position.file_line,
                    problem.details,
                )
        return Rule(
            index=index,
            source=source or "",
            target=target,
            status=status if status is not None else self.defaults.status,
            position=position,
            regex=regex,
            query=query,
            note=note,
            examples=examples,
            from_url=from_url,
            to_url=to_url,
            valid=valid,
        )

    def _check_shape(
        self,
        reader: _Reader,
        node: yaml.Node,
        status_node: yaml.Node,
        source: str | None,
        target: str | None,
        status: int | None,
        has_to: bool,
    ) -> None:
        if source is None:
            if not any(k.value == "from" for k, _ in node.value if isinstance(k, yaml.ScalarNode)):
                reader.problem(node, "redirect entry needs a `from`")
            return
        if source.strip() == "":
            reader.problem(node, "`from` is empty")
        if status == GONE and has_to:
            reader.problem(status_node, "a 410 (gone) rule takes no `to`", self._url_for(source))
        elif status in REDIRECT_STATUSES and not has_to:
            reader.problem(node, f"a {status} redirect needs a `to`", self._url_for(source))
        elif status in REDIRECT_STATUSES and target is not None and target.strip() == "":
            reader.problem(node, "`to` is empty", self._url_for(source))

    def _resolve(
        self,
        reader: _Reader,
        node: yaml.Node,
        source: str,
        target: str | None,
        regex: bool,
        status: int | None,
    ) -> tuple[str | None, str | None]:
        origin = self.defaults.origin
        from_url: str | None = None
        if regex:
            try:
                compile_regex(source)
            except re.error as exc:
                reader.problem(node, f"`from` regex does not compile: {exc}", self._url_for(source))
                return None, None
        elif _ABSOLUTE.match(source):
            from_url = _normalized(reader, node, source, "`from`")
        elif source.startswith("//"):
            reader.problem(node, _scheme_relative("from", source))
            return None, None
        elif source.startswith("/"):
            if origin is None:
                reader.problem(node, "a relative `from` needs `defaults.origin`")
                return None, None
            from_url = _normalized(reader, node, origin + source, "`from`")
        else:
            reader.problem(
                node, f"`from` must be an absolute URL or a path starting with '/', not {source!r}"
            )
            return None, None
        to_url: str | None = None
        if target is not None and status != GONE:
            if _ABSOLUTE.match(target):
                to_url = _normalized(reader, node, target, "`to`")
            elif target.startswith("//"):
                reader.problem(node, _scheme_relative("to", target))
            elif target.startswith("/"):
                base = origin or (from_url and _origin(from_url))
                if base is None:
                    reader.problem(node, "a relative `to` needs `defaults.origin`")
                else:
                    to_url = _normalized(reader, node, base + target, "`to`")
            else:
                reader.problem(
                    node,
                    f"`to` must be an absolute URL or a path starting with '/', not {target!r}",
                )
        return from_url, to_url

    def _url_for(self, source: str | None) -> str:
        if not source:
            return ""
        if _ABSOLUTE.match(source) or self.defaults.origin is None:
            return source
        return self.defaults.origin + source if source.startswith("/") else source

    def _examples(self, reader: _Reader, node: yaml.Node) -> tuple[Example, ...]:
        if not isinstance(node, yaml.SequenceNode):
            reader.problem(node, f"`examples` must be a list, not {_kind(node)}")
            return ()
        out = []
        for item in node.value:
            fields: dict[str, str | None] = {}
            for key, key_node, value in reader.mapping(item, "example"):
                if key in ("from", "to"):
                    fields[key] = reader.string(value, f"example `{key}`")
                else:
                    reader.unknown(key_node, key, "example", ("from", "to"))
            source, target = fields.get("from"), fields.get("to")
            if source is None or target is None:
                if "from" not in fields or "to" not in fields:
                    reader.problem(item, "an example needs both `from` and `to`")
                continue
            out.append(Example(source, target, reader.pos(item)))
        return tuple(out)


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _scheme_relative(key: str, value: str) -> str:
    """`//host/path` is another host to a browser (a Location written so is an open
    redirect) but a path with an empty segment to nginx and to a join with the origin."""
    return (
        f"`{key}` starts with '//', which browsers read as another host and nginx as a "
        f"path: write the full URL (https://host/...) or a single '/' ({_quoted(value)})"
    )


_PUBLISHED = (
    "holds a user name or password: every redirect would publish it (and every report "
    "show it); remove it"
)


def _normalized(reader: _Reader, node: yaml.Node, url: str, what: str) -> str | None:
    try:
        normalized = normalize(url).partition("#")[0]
    except UrlError as exc:
        reader.problem(node, f"{what}: {exc}")
        return None
    if split_credentials(normalized)[1] is not None:
        reader.problem(node, f"{what} {_PUBLISHED}")
        return None
    return normalized


def _fast_normalized(url: str) -> str | None:
    if "@" in url:
        return None  # credentials, or an @ in the path: the slow path decides
    if is_canonical(url):
        return url
    try:
        return normalize(url).partition("#")[0]
    except UrlError:
        return None


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag.endswith(":null")


# --------------------------------------------------------------------------- fast path
#
# PyYAML resolves every scalar in Python, which costs about 30 µs per one-line entry: 3 s for
# a 100,000-rule map. Almost every entry of a big map is one line in the form
# `- {from: X, to: Y, status: NNN}`, so those lines are recognised here with exact line and
# column and turned into Rules directly; everything else in the `redirects:` block (other
# keys, other orders, multi-line entries, anything the pattern does not fully understand,
# any entry that would be invalid) is composed by YAML on its own, with its line offset, and
# read by the ordinary code. The rest of the file (settings, sites) is composed by YAML with
# the block blanked out, so its line numbers stay true. Any doubt about the block as a whole
# (tabs, CR, anchors, flow style, several keys) means the whole file goes the YAML way.
# tests/test_config.py checks that both ways give identical models.

_PLAIN = r"(?:/|https?://)[^\s,\[\]{}'\"#:]*"
_SQUOTED = r"'(?:[^']|'')*'"
_VALUE = rf"(?:{_PLAIN}|{_SQUOTED})"
_FAST_ITEM = re.compile(
    rf"( *)- (\{{) *from: +({_VALUE}) *(?:, *to: +({_VALUE}) *)?(?:, *status: +([0-9]{{1,4}}) *)?"
    rf"(?:, *(regex): +true *)?(?:, *status: +([0-9]{{1,4}}) *)?\}} *(?: #.*)?\Z"
)
# A path that `urls.normalize` leaves as it is (no escape, no dot segment, safe characters).
_CANONICAL_PATH = re.compile(r"(?:/(?!\.)[A-Za-z0-9\-._~!$&()*+;=@]*)+\Z")
_ANCHOR = re.compile(r"(?:^|[\s,\[{])[&*]\S", re.MULTILINE)  # anchors, aliases
_ITEM_START = re.compile(r"( *)-(?: |\Z)")
_BLANK = re.compile(r" *(?:#.*)?\Z")
_KEY_LINE = re.compile(r"redirects: *(?: #.*)?\Z")
_KEY_LIKE = re.compile(r"^[\"']?redirects[\"']? *:", re.MULTILINE)
# What YAML refuses anywhere in a stream (non-printable characters) or reads specially.
_NOT_FAST = re.compile("[^\t\n\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|\t|\r")


@dataclass(frozen=True, slots=True)
class _FastEntry:
    """One recognised one-line entry; `text` is composed by YAML if it is not plainly valid."""

    line: int  # 0-based
    column: int  # 0-based, of the `{`
    source: str
    target: str | None
    status: int | None
    text: str
    regex: bool = False


@dataclass(frozen=True, slots=True)
class _Fragment:
    """An entry left to YAML, already composed (a sequence of one or more entries)."""

    line: int  # 0-based index of its first line
    node: yaml.Node


@dataclass(frozen=True, slots=True)
class _FastSplit:
    """The `redirects:` block cut out of a file; `rest` is None for a file that is only a list."""

    rest: str | None
    key_line: int
    items: tuple[_FastEntry | _Fragment, ...]


def _scalar(text: str) -> str:
    return text[1:-1].replace("''", "'") if text.startswith("'") else text


def _fast_split(text: str, *, bare_list: bool) -> _FastSplit | None:
    """Cut the `redirects:` block out of `text`, or None when the whole file needs YAML."""
    if "\r" in text:  # Windows line ends read alike; a lone CR is left to YAML
        text = text.replace("\r\n", "\n")
    if _NOT_FAST.search(text) or text.startswith("%") or "\n---" in text or "\n..." in text:
        return None
    lines = text.split("\n")
    first = next((i for i, ln in enumerate(lines) if not _BLANK.match(ln)), None)
    if first is None:
        return None
    if bare_list and lines[first].startswith("-"):
        key_line = first - 1
    else:
        if len(_KEY_LIKE.findall(text)) != 1:
            return None
        key_line = next((i for i, ln in enumerate(lines) if _KEY_LIKE.match(ln)), -1)
        if key_line < 0 or not _KEY_LINE.match(lines[key_line]):
            return None
    end, starts = _block(lines, key_line + 1)
    if not starts:
        return None
    if key_line < 0 and any(not _BLANK.match(ln) for ln in lines[end:]):
        return None
    items: list[_FastEntry | _Fragment] = []
    for n, start in enumerate(starts):
        stop = starts[n + 1] if n + 1 < len(starts) else end
        item = _fast_item(lines, start, stop)
        if item is None:
            return None
        items.append(item)
    if key_line < 0:
        return _FastSplit(None, key_line, tuple(items))
    rest = lines[:key_line] + ["redirects: []"] + [""] * (end - key_line - 1) + lines[end:]
    return _FastSplit("\n".join(rest), key_line, tuple(items))


def _block(lines: list[str], begin: int) -> tuple[int, list[int]]:
    """(index after the block of list items starting at `begin`, indexes of item lines)."""
    indent = -1
    prefix = "\0"  # what an item line starts with, once the first item is seen
    starts: list[int] = []
    for i in range(begin, len(lines)):
        line = lines[i]
        if line.startswith(prefix):
            starts.append(i)
            continue
        if _BLANK.match(line):
            continue
        width = len(line) - len(line.lstrip(" "))
        if indent < 0:
            if not _ITEM_START.match(line):
                return i, []
            indent, prefix = width, " " * width + "- "
        if width == indent and _ITEM_START.match(line):
            starts.append(i)
        elif width <= indent:
            if width == 0:
                return i, starts
            return i, []  # a dedent that is not the next top-level key: let YAML judge
    return len(lines), starts


def _fast_item(lines: list[str], start: int, stop: int) -> _FastEntry | _Fragment | None:
    while stop > start + 1 and _BLANK.match(lines[stop - 1]):
        stop -= 1
    if stop == start + 1:
        match = _FAST_ITEM.match(lines[start])
        if match:
            indent, _brace, source, target, status, regex, status_after = match.groups()
            if status is None or status_after is None:  # both: a repeated key, YAML's case
                status = status or status_after
                return _FastEntry(
                    start,
                    len(indent) + 2,
                    source if source[0] != "'" else _scalar(source),
                    target if target is None or target[0] != "'" else _scalar(target),
                    None if status is None else int(status),
                    lines[start],
                    regex is not None,
                )
    chunk = "\n".join(lines[start:stop])
    if _ANCHOR.search(chunk):
        return None  # anchors and aliases may reach across entries
    try:
        node = yaml.compose(chunk, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.SequenceNode):
        return None
    return _Fragment(start, node)


def _parse(path: Path, *, bare_list: bool) -> tuple[yaml.Node | None, _FastSplit | None]:
    """The composed file, with the `redirects:` block cut out when the fast path applies."""
    text = _read_text(path)
    split = _fast_split(text, bare_list=bare_list)
    if split is not None and split.rest is None:
        return None, split
    if split is not None and split.rest is not None:
        try:
            node = yaml.compose(split.rest, Loader=_Loader)
        except yaml.YAMLError:
            node = None
        if isinstance(node, yaml.MappingNode) and any(
            isinstance(k, yaml.ScalarNode)
            and k.value == "redirects"
            and k.start_mark.line == split.key_line
            and k.start_mark.column == 0
            and isinstance(v, yaml.SequenceNode)
            and not v.value
            for k, v in node.value
        ):
            return node, split
    return _compose_text(path, text), None


# --------------------------------------------------------------------------- top level

_TOP_KEYS = ("version", "settings", "sites", "redirects", "defaults", "include")


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read `path` (and its includes) into a `Config`; raises ConfigError if unusable."""
    file = Path(path)
    node, split = _parse(file, bare_list=False)
    name = str(path)
    reader = _Reader(name)
    if node is None or not isinstance(node, yaml.MappingNode):
        if node is None:  # pragma: no cover - a bare list is only read in included files
            raise ConfigError(f"{name}: the configuration must be a mapping, not a list")
        raise ConfigError(
            f"{name}:{node.start_mark.line + 1}:{node.start_mark.column + 1}: the configuration "
            f"must be a mapping with `version`, `sites`, `redirects`..., not {_kind(node)}"
        )
    sections: dict[str, yaml.Node] = {}
    for key, key_node, value in reader.mapping(node, "the configuration"):
        if key in _TOP_KEYS:
            sections[key] = value
        else:
            reader.unknown(key_node, key, "the configuration", _TOP_KEYS)
    version = _version(name, sections.get("version"))
    defaults = _defaults(reader, sections.get("defaults"))
    settings = _settings(reader, sections.get("settings"))
    sites, credentials = _without_credentials(_sites(reader, sections.get("sites")))
    if credentials:
        settings = replace(settings, credentials=MappingProxyType(credentials))
    rules = _RuleReader(defaults)
    if split is not None:
        rules.read_fast(reader, split.items)
    elif "redirects" in sections:
        rules.read(reader, sections["redirects"])
    includes = _includes(reader, file, sections.get("include"))  # its problems count too
    problems = list(reader.problems)
    files = [name]
    for include in includes:
        files.append(str(include))
        sub_reader = _Reader(str(include))
        sub, sub_split = _parse(include, bare_list=True)
        if sub is None and sub_split is not None:
            rules.read_fast(sub_reader, sub_split.items)
        elif isinstance(sub, yaml.MappingNode):
            for key, key_node, value in sub_reader.mapping(sub, f"included file {include}"):
                if key == "redirects" and sub_split is not None:
                    rules.read_fast(sub_reader, sub_split.items)
                elif key == "redirects":
                    rules.read(sub_reader, value)
                else:
                    sub_reader.unknown(key_node, key, "an included file", ("redirects",))
        elif sub is not None:
            rules.read(sub_reader, sub)
        problems.extend(sub_reader.problems)
    return Config(
        path=name,
        version=version,
        settings=settings,
        sites=sites,
        rules=tuple(rules.rules),
        defaults=defaults,
        problems=tuple(problems),
        files=tuple(files),
    )


def _version(file: str, node: yaml.Node | None) -> int:
    if node is None:
        return 1
    if isinstance(node, yaml.ScalarNode) and node.value == "1":
        return 1
    where = f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"
    raise ConfigError(f"{where}: unsupported configuration version {_describe(node)} (expected 1)")


def _includes(reader: _Reader, file: Path, node: yaml.Node | None) -> list[Path]:
    if node is None:
        return []
    out: list[Path] = []
    for pattern, item in reader.strings(node, "include"):
        full = file.parent / pattern
        matches = (
            sorted(glob.glob(str(full), recursive=True))
            if glob.has_magic(pattern)
            else ([str(full)])
        )
        if not matches:
            reader.problem(item, f"include {pattern!r} matches no file")
        for match in matches:
            path = Path(match)
            if not path.exists():
                raise ConfigError(f"{reader.pos(item)}: included file {pattern!r} does not exist")
            if path.resolve() == file.resolve() or path in out:
                continue
            out.append(path)
    return out
