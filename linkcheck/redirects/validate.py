"""Static validation of the redirect map: R300-R308, no network, fast at 100,000 rules.

`validate(config)` is pure: it takes the loaded `Config` and returns findings, the loader's
R300 problems included. Everything is judged the way nginx will read the exported map
(../shared/NGINX.md): exact keys are tried before regexes and compare ASCII
case-insensitively, regexes are tried in file order and the first match wins, a `$` in a value
is a variable. Sources are compared in the normalised form of `urls.py`, so a Greek path
written raw and the same path percent-encoded are one source.

The graph checks (chains R303, loops R304) walk the redirect graph once with memoisation:
each URL has at most one successor (the exact rule for it, else the first regex that captures
it), so the whole map is a functional graph and every node is visited once. Targets are
matched against all regex rules at once through one combined alternation, tried in file order.
Rules with R300 or R307 are reported and then left out of the other checks, as they are left
out of the export.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple
from urllib.parse import unquote

from linkcheck.config import Config, Position, Rule, compile_regex
from linkcheck.findings import Finding, make_finding
from linkcheck.redos import exponential_risk
from linkcheck.urls import UrlError, normalize

__all__ = ["REGEX_META", "literal_of", "substitute", "validate"]

MAX_WALK = 64
"""Most regex hops followed on one path (regex rules can generate new URLs forever)."""

# --------------------------------------------------------------------------- R307 helpers

# In an exact source or any target: what would end or escape a quoted nginx value.
_UNSAFE_VALUE = re.compile(r"[;{}\"'`\\\s\x00-\x1f\x7f-\x9f$]")
# In a regex source: braces and backslashes are regex syntax, `$` an anchor.
_UNSAFE_REGEX = re.compile(r"[;\"'`\s\x00-\x1f\x7f-\x9f]")
_UNSAFE_TARGET = re.compile(_UNSAFE_VALUE.pattern.replace("$", ""))  # `$N` judged apart
_BRACED_VAR = re.compile(r"\$\{[0-9]+\}")
# Characters a normalised URL keeps as they are (so a prefix of them reads the same encoded).
_PLAIN_PREFIX = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NGINX_VAR = re.compile(r"\$(?:\{([0-9]+)\}|([0-9])|)")
_INLINE_FLAGS = re.compile(r"\(\?[aiLmsux-]+[:)]")
_POSSESSIVE = re.compile(r"[*+?}]\+")
_LANGUAGE = re.compile(r"[a-z]{2}(?:[-_][a-z]{2,4})?\Z")


def _describe_chars(text: str, pattern: re.Pattern[str]) -> str:
    names = {";": "`;`", "{": "`{`", "}": "`}`", "$": "`$`", "\\": "a backslash", "`": "a backtick"}
    found: list[str] = []
    for char in pattern.findall(text):
        if char in "\"'":
            name = "a quote"
        elif char.isspace():
            name = "whitespace"
        elif char < " " or "\x7f" <= char <= "\x9f":
            name = "a control character"
        else:
            name = names.get(char, repr(char))
        if name not in found:
            found.append(name)
    return ", ".join(found)


def _scan_regex(pattern: str) -> tuple[str, list[str]]:
    """(the pattern with escapes and classes blanked, PCRE-vs-Python differences seen)."""
    out: list[str] = []
    problems: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in ("w", "W", "b", "B"):
                problems.append(
                    f"`\\{escaped}` counts Greek and Cyrillic letters as word characters in "
                    "Python but not in nginx (PCRE without UTF); write [A-Za-z0-9_] or [^/]"
                )
            elif escaped in ("u", "U", "N"):
                problems.append(f"`\\{escaped}` escapes are Python-only; write the character")
            out.append("_")
            i += 2
            continue
        if char == "[":
            j = i + 1
            if pattern[j : j + 1] == "^":
                j += 1
            if pattern[j : j + 1] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                if pattern[j] == "\\":
                    j += 1
                elif not pattern[j].isascii():
                    problems.append(
                        "a non-ASCII letter in a character class: nginx matches it byte by "
                        "byte (PCRE without UTF); use an alternation (α|β)"
                    )
                j += 1
            out.append("_")
            i = j + 1
            continue
        if not char.isascii() and pattern[i + 1 : i + 2] in ("*", "+", "?", "{"):
            problems.append(
                f"a quantifier after {char!r} repeats only its last byte in nginx; "
                f"group it: ({char})"
            )
        out.append(char)
        i += 1
    cleaned = "".join(out)
    if "(?P<" in cleaned or "(?P=" in cleaned:
        problems.append("named groups `(?P<name>...)` are read differently by nginx")
    if "(?<=" in cleaned or "(?<!" in cleaned:
        problems.append("look-behind `(?<=...)`/`(?<!...)` differs between PCRE and Python")
    if "(?>" in cleaned:
        problems.append("atomic groups `(?>...)` differ between PCRE and Python")
    if _POSSESSIVE.search(cleaned):
        problems.append("possessive quantifiers (`*+`, `++`, `?+`) differ between PCRE and Python")
    if _INLINE_FLAGS.search(cleaned):
        problems.append("inline flags such as `(?i)` are read differently by nginx")
    return cleaned, list(dict.fromkeys(problems))


def substitute(template: str, match: re.Match[str]) -> str:
    """`template` with nginx's `$N` / `${N}` replaced by the match's groups (missing = empty)."""
    if "$" not in template:
        return template

    def group(m: re.Match[str]) -> str:
        number = m.group(1) or m.group(2)
        if number is None:
            return m.group(0)
        index = int(number)
        if index > (match.re.groups or 0):
            return ""
        return match.group(index) or ""

    return _NGINX_VAR.sub(group, template)


# --------------------------------------------------------------------------- the context


@dataclass(slots=True)
class _Regex:
    """A usable regex rule, compiled once; `prefix` starts every match ("" if unknown)."""

    rule: Rule
    compiled: re.Pattern[str]
    whole_url: bool
    prefix: str = ""


@dataclass(slots=True)
class _Matcher:
    """All regex rules of one kind (path or whole URL), answering "which matches first?".

    Anchored regexes are indexed by their literal prefix (`^/en/news/...` under
    `/en/news/`), so a subject is only tried against the few whose prefix it starts with;
    the others (no literal prefix) are tried through one combined alternation in file order.
    """

    regexes: list[_Regex]
    by_prefix: dict[str, list[_Regex]] = field(default_factory=dict)
    lengths: tuple[int, ...] = ()
    always: list[_Regex] = field(default_factory=list)
    combined: re.Pattern[str] | None = None
    markers: dict[int, _Regex] = field(default_factory=dict)
    plain: int = 0  # if > 0, every prefix is spelt alike encoded and decoded, this long at most
    heads: set[str] = field(default_factory=set)  # every start of every prefix

    def __post_init__(self) -> None:
        for regex in self.regexes:
            if regex.prefix:
                self.by_prefix.setdefault(regex.prefix, []).append(regex)
            else:
                self.always.append(regex)
        self.lengths = tuple(sorted({len(prefix) for prefix in self.by_prefix}))
        if self.by_prefix and not self.always and all(map(_PLAIN_PREFIX.match, self.by_prefix)):
            self.plain = self.lengths[-1]
            self.heads = {p[:i] for p in self.by_prefix for i in range(len(p) + 1)}
        if len(self.always) > 1:
            self._combine()

    def _combine(self) -> None:
        parts: list[str] = []
        group = 0
        for regex in self.always:
            pattern = regex.rule.source
            if re.search(r"\\[1-9]|\(\?P=|\(\?[aiLmsux]+\)", pattern):
                return  # back-references and global flags cannot be combined
            group += regex.compiled.groups + 1
            self.markers[group] = regex
            parts.append(f"(?s:.*?)(?:{pattern})()")
        try:
            self.combined = re.compile("|".join(parts))
        except (re.error, RecursionError, OverflowError):
            self.combined = None
            self.markers.clear()

    def _candidates(self, subject: str) -> list[_Regex]:
        found: list[_Regex] = []
        for length in self.lengths:
            if length > len(subject):
                break
            listed = self.by_prefix.get(subject[:length])
            if listed:
                found.extend(listed)
        return found

    def rejects(self, encoded: str) -> bool:
        """Cheap certainty that no regex matches, from the still-encoded subject: decoding
        changes nothing before its first `%`, and no prefix can start there."""
        if self.plain == 0:
            return False
        escape = encoded.find("%", 0, self.plain)
        if escape < 0:
            return not self._candidates(encoded)
        return encoded[:escape] not in self.heads and not self._candidates(encoded[:escape])

    def first(self, subject: str) -> _Regex | None:
        """The first regex in file order that matches `subject` (what nginx picks)."""
        best: _Regex | None = None
        candidates = self._candidates(subject) if self.lengths else []
        if len(candidates) > 1:
            candidates.sort(key=lambda regex: regex.rule.index)
        for regex in candidates:
            if regex.compiled.search(subject):
                best = regex
                break
        if self.always:
            other = self._first_always(subject)
            if other is not None and (best is None or other.rule.index < best.rule.index):
                best = other
        return best

    def _first_always(self, subject: str) -> _Regex | None:
        if self.combined is not None:
            match = self.combined.match(subject)
            if match is None or match.lastindex is None:
                return None
            return self.markers[match.lastindex]
        for regex in self.always:
            if regex.compiled.search(subject):
                return regex
        return None


@dataclass(frozen=True, slots=True)
class _Step:
    """One hop of the graph: from a URL, `rule` sends to `target` (None: declared gone)."""

    target: str | None
    rule: Rule
    target_key: str = ""


class _Context:
    """What every check needs: the origin, the finding factory, the lookup of successors."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.origin = config.defaults.origin
        self.origin_host = _host(self.origin) if self.origin else None
        self.findings: list[Finding] = []
        self.exact: dict[str, Rule] = {}
        self.paths = _Matcher([])
        self.urls = _Matcher([])
        self._succ: dict[str, _Step | None] = {}
        self.to_keys: dict[int, str] = {}
        self.regex_parts: dict[int, tuple[re.Pattern[str] | None, str]] = {}
        self.from_keys: dict[int, str] = {}
        self.on_origin = self.origin + "/" if self.origin else ""

    def url_of(self, rule: Rule) -> str:
        if rule.from_url:
            return rule.from_url
        source = rule.source
        if rule.regex or self.origin is None or not source.startswith("/"):
            return source
        return self.origin + source

    def add(self, code: str, rule: Rule, message: str, **details: Any) -> None:
        self.add_at(code, rule, rule.position, message, **details)

    def add_at(self, code: str, rule: Rule, where: Position, message: str, **details: Any) -> None:
        """A finding on `rule` (its `file:line` is the source) pointing at `where` in it."""
        self.findings.append(
            make_finding(
                code,
                self.url_of(rule),
                message,
                source=rule.position.file_line,
                column=where.column,
                position=str(where),
                **details,
            )
        )

    def absolute(self, text: str, base: str | None = None) -> str | None:
        """`text` (absolute, or a path on `base` / the origin) normalised; None if unusable."""
        try:
            if text[:7].lower() == "http://" or text[:8].lower() == "https://":
                return normalize(text).partition("#")[0]
            base = base or self.origin
            if text.startswith("/") and base:
                return normalize(base + text).partition("#")[0]
        except UrlError:
            return None
        return None

    def regex_for(self, url: str) -> tuple[_Regex, str] | None:
        """The regex rule nginx would apply to `url` if no exact key matches, and its subject."""
        best: tuple[_Regex, str] | None = None
        if self.paths.regexes and (not self.on_origin or url.startswith(self.on_origin)):
            encoded = url[len(self.on_origin) - 1 :] if self.on_origin else ""
            if encoded and self.paths.rejects(encoded.partition("?")[0]):
                return self._url_regex(url, None)
            subject = _decoded(url)
            found = self.paths.first(subject)
            if found is not None:
                best = (found, subject)
        return self._url_regex(url, best)

    def _url_regex(self, url: str, best: tuple[_Regex, str] | None) -> tuple[_Regex, str] | None:
        if self.urls.regexes:
            subject = _origin(url) + _decoded(url)
            found = self.urls.first(subject)
            if found is not None and (best is None or found.rule.index < best[0].rule.index):
                best = (found, subject)
        return best

    def apply(self, regex: _Regex, subject: str, url: str) -> str | None:
        """The target `regex`'s rule gives for `subject` (absolute), None if unusable."""
        match = regex.compiled.search(subject)
        if match is None or regex.rule.target is None:
            return None
        produced = substitute(regex.rule.target, match)
        base = _origin(url) if regex.whole_url else None
        return self.absolute(produced, base)

    def successor(self, url: str, key: str) -> _Step | None:
        """Where nginx sends `url` (whose `_key` is `key`) next: its exact rule, else a regex."""
        if key in self._succ:
            return self._succ[key]
        step: _Step | None = None
        rule = self.exact.get(key)
        if rule is not None:
            step = _Step(rule.to_url, rule, self.to_keys.get(rule.index, ""))
        else:
            found = self.regex_for(url)
            if found is not None:
                regex, subject = found
                target = None if regex.rule.gone else self.apply(regex, subject, url)
                if target is not None or regex.rule.gone:
                    step = _Step(target, regex.rule, _key(target) if target else "")
        self._succ[key] = step
        return step


def _host(url: str) -> str:
    start = url.find("//") + 2
    end = url.find("/", start)
    netloc = url[start:] if end < 0 else url[start:end]
    return netloc.rpartition("@")[2].split(":", 1)[0]


def _origin(url: str) -> str:
    end = url.find("/", url.find("//") + 2)
    return url if end < 0 else url[:end]


def _decoded(url: str) -> str:
    """The decoded path of a normalised URL (what nginx's `$uri` holds)."""
    start = url.find("/", url.find("//") + 2)
    if start < 0:
        return "/"
    path = url[start:].partition("?")[0]
    return unquote(path, errors="surrogateescape") if "%" in path else path


def _key(url: str) -> str:
    """How nginx looks a URL up among exact keys: decoded, no query, ASCII case ignored."""
    head = url.partition("?")[0]
    if "%" not in head:
        return head.lower()
    return _ascii_lower(unquote(head, errors="surrogateescape"))


def _ascii_lower(text: str) -> str:
    raw = text.encode("utf-8", "surrogateescape")
    return raw.lower().decode("utf-8", "surrogateescape")  # bytes.lower: ASCII only


# --------------------------------------------------------------------------- the checks


def validate(config: Config) -> list[Finding]:
    """Every static finding of the map (R300-R308), sorted by file, line and column."""
    ctx = _Context(config)
    ctx.findings.extend(config.problems)
    usable = _safety(ctx, [rule for rule in config.rules if rule.valid])
    exact, regexes = _repeats(ctx, usable)
    exact, keys = _case_collisions(ctx, exact)
    ctx.from_keys = {rule.index: keys[rule.index] for rule in exact}
    ctx.to_keys = {rule.index: _key(rule.to_url) for rule in exact if rule.to_url}
    ctx.exact = {ctx.from_keys[rule.index]: rule for rule in exact if rule.from_url}
    ctx.paths = _Matcher([r for r in regexes if not r.whole_url])
    ctx.urls = _Matcher([r for r in regexes if r.whole_url])
    _self_redirects(ctx, exact)
    starts = _graph_starts(ctx, exact, regexes)
    _unreachable(ctx, regexes)
    _walk(ctx, starts)
    _languages(ctx, exact, regexes)
    return sorted(ctx.findings, key=_order)


def _order(finding: Finding) -> tuple[str, int, int, str]:
    """File, line, column (of `details.position` where given, else `source`), code."""
    where = str(finding.details.get("position") or finding.source or "")
    parts = where.rsplit(":", 2)
    if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
        return (parts[0], int(parts[1]), int(parts[2]), finding.code)
    file, _, line = where.rpartition(":")
    if line.isdigit():
        return (file, int(line), 0, finding.code)
    return (where, 0, 0, finding.code)


def _safety(ctx: _Context, rules: list[Rule]) -> list[Rule]:
    """R307 for values nginx would read otherwise or that could inject; the rest goes on."""
    usable: list[Rule] = []
    for rule in rules:
        reasons: list[str] = []
        if rule.regex:
            compiled = _compile(rule.source)
            scan = _scan_regex(rule.source)
            ctx.regex_parts[rule.index] = (compiled, scan[0])
            if _UNSAFE_REGEX.search(rule.source):
                reasons.append(
                    f"`from` holds {_describe_chars(rule.source, _UNSAFE_REGEX)}; "
                    "percent-encoding does not apply to regexes: use \\x3B-style escapes"
                )
            if rule.source.startswith("~"):
                reasons.append(
                    "`from` starts with `~`, nginx's regex marker; here `regex: true` marks a "
                    "regex and the `~` would have to match literally: drop it"
                )
            reasons.extend(scan[1])
            if rule.target is not None:
                reasons.extend(_regex_target_problems(rule.target, compiled))
        else:
            if _UNSAFE_VALUE.search(rule.source):
                reasons.append(
                    f"`from` holds {_describe_chars(rule.source, _UNSAFE_VALUE)}; "
                    "percent-encode it (e.g. %3B, %20, %24)"
                )
            elif (
                rule.from_url and "%" in rule.from_url and _CONTROL.search(_decoded(rule.from_url))
            ):
                reasons.append("`from` decodes to a control character; nginx refuses it")
            if rule.target is not None and _UNSAFE_VALUE.search(rule.target):
                reasons.append(
                    f"`to` holds {_describe_chars(rule.target, _UNSAFE_VALUE)}; "
                    "percent-encode it (e.g. %3B, %20, %24)"
                )
        risk = exponential_risk(rule.source) if rule.regex else None
        if risk is not None:
            ctx.add(
                "R307",
                rule,
                "regex can take exponential time on some URLs (nested quantifiers: a group "
                f"repeated `{risk}` holds a repeat that can match all of it); rewrite it, "
                "e.g. `(a+)+` as `a+`, `(.*x)*` as `(?:[^x]*x)*`",
                exponential=True,
            )
        if reasons:
            ctx.add("R307", rule, "not safe for nginx: " + "; ".join(reasons))
        elif risk is None:
            usable.append(rule)
    return usable


def _compile(pattern: str) -> re.Pattern[str] | None:
    try:
        return compile_regex(pattern)
    except re.error:  # pragma: no cover - the loader already reported it (R300)
        return None


def _regex_target_problems(target: str, compiled: re.Pattern[str] | None) -> list[str]:
    reasons: list[str] = []
    plain = _BRACED_VAR.sub("", target)
    if _UNSAFE_TARGET.search(plain):
        reasons.append(f"`to` holds {_describe_chars(plain, _UNSAFE_TARGET)}; percent-encode it")
    groups = compiled.groups if compiled is not None else 0
    for match in _NGINX_VAR.finditer(target):
        number = match.group(1) or match.group(2)
        if number is None:
            reasons.append("`to` holds a `$` that is not a capture ($1..$9); write %24")
        elif int(number) > groups:
            reasons.append(f"`to` uses ${number} but the regex has only {groups} group(s)")
    return list(dict.fromkeys(reasons))


def _same(a: Rule, b: Rule) -> bool:
    return (a.to_url or a.target, a.status, a.query) == (b.to_url or b.target, b.status, b.query)


def _repeats(ctx: _Context, rules: list[Rule]) -> tuple[list[Rule], list[_Regex]]:
    """R301/R302 for every later entry with the same source; returns the first of each."""
    first: dict[tuple[bool, str], Rule] = {}
    exact: list[Rule] = []
    regexes: list[_Regex] = []
    for rule in rules:
        key = (rule.regex, rule.source if rule.regex else (rule.from_url or rule.source))
        earlier = first.get(key)
        if earlier is None:
            first[key] = rule
            if not rule.regex:
                exact.append(rule)
                continue
            compiled, cleaned = ctx.regex_parts[rule.index]
            if compiled is not None:
                whole = bool(re.match(r"\^?https?://", rule.source, re.IGNORECASE))
                prefix = _literal_prefix(rule.source, cleaned) or ""
                regexes.append(_Regex(rule, compiled, whole, prefix))
            continue
        where = earlier.position
        details = {"first": where.line, "first_file": where.file, "first_position": str(where)}
        if _same(rule, earlier):
            ctx.add(
                "R301", rule, f"duplicate of the rule at {where.file_line}; delete it", **details
            )
        else:
            declared = _declared(earlier)
            ctx.add(
                "R302",
                rule,
                f"conflicts with the rule at {where.file_line}, which sends the same source "
                f"{declared}; keep only the right one",
                **details,
            )
    return exact, regexes


def _declared(rule: Rule) -> str:
    if rule.gone:
        return "to 410 Gone"
    return f"to {rule.target} ({rule.status})"


def _case_collisions(ctx: _Context, exact: list[Rule]) -> tuple[list[Rule], dict[int, str]]:
    """R307 for sources that only letter case (or NFC/NFD) tells apart: nginx and people
    disagree there. Also R300 for `examples` on an exact rule, where they mean nothing.

    Returns the rules kept and every source's nginx key (`_key`), decoded here only once.
    """
    seen: dict[str, Rule] = {}
    kept: list[Rule] = []
    keys: dict[int, str] = {}
    for rule in exact:
        if rule.examples:
            ctx.add_at(
                "R300",
                rule,
                rule.examples[0].position,
                "`examples` only apply to regex rules (`regex: true`); this rule is exact",
            )
        url = rule.from_url or ""
        head = url.partition("?")[0]
        if "%" in head:
            decoded = unquote(head, errors="surrogateescape")
            keys[rule.index] = _ascii_lower(decoded)
            folded = unicodedata.normalize("NFC", decoded).casefold()
        else:
            folded = keys[rule.index] = head.lower()
        earlier = seen.get(folded)
        if earlier is None:
            seen[folded] = rule
            kept.append(rule)
            continue
        where = earlier.position
        details = {"first": where.line, "first_file": where.file, "first_position": str(where)}
        if keys[rule.index] == keys[earlier.index]:
            message = (
                f"nginx reads this source and the one at {where.file_line} as one key (it "
                f"decodes the path and ignores ASCII case): {earlier.source} / {rule.source}; "
                "keep one spelling"
            )
        else:
            message = (
                f"differs from the source at {where.file_line} only in the case of non-ASCII "
                f"letters or in Unicode normalisation (NFC/NFD) ({earlier.source} / "
                f"{rule.source}): nginx treats them as different paths, readers do not; keep "
                "one spelling"
            )
        ctx.add("R307", rule, message, **details)
    return kept, keys


def _self_redirects(ctx: _Context, exact: list[Rule]) -> None:
    """R305: the target is the source itself (as nginx looks it up)."""
    for rule in exact:
        if rule.to_url is None or rule.from_url is None:
            continue
        if rule.to_url == rule.from_url:
            ctx.add("R305", rule, f"redirects to itself ({rule.target}); an endless loop")
        elif ctx.to_keys[rule.index] == ctx.from_keys[rule.index]:
            ctx.add(
                "R305",
                rule,
                f"the target {rule.target} reaches this same rule again in nginx (exact keys "
                "are compared decoded, without the query string, ignoring ASCII case): an "
                "endless loop",
            )


class _Start(NamedTuple):
    """A walk of the graph: `rule` sends to `url` (looked up as `key`); findings go to `where`."""

    rule: Rule
    url: str
    key: str
    where: Position
    example: str | None = None


def _graph_starts(ctx: _Context, exact: list[Rule], regexes: list[_Regex]) -> list[_Start]:
    """Where walks begin: exact rules' targets, regex rules' literal and example targets.

    Examples are checked here too (R300 when the regex does not produce the declared target).
    """
    keys = ctx.to_keys
    starts = [
        _Start(rule, rule.to_url, keys[rule.index], rule.position)
        for rule in exact
        if rule.to_url is not None and keys[rule.index] != ctx.from_keys[rule.index]
    ]
    for regex in regexes:
        rule = regex.rule
        if rule.target is not None and "$" not in rule.target:
            literal = ctx.absolute(rule.target)
            if literal is not None:
                starts.append(_Start(rule, literal, _key(literal), rule.position))
        for example in rule.examples:
            produced = _check_example(ctx, regex, example.source, example.target, example.position)
            if produced is not None and "$" in (rule.target or ""):
                starts.append(_Start(rule, produced, _key(produced), rule.position, example.source))
    return starts


def _check_example(
    ctx: _Context, regex: _Regex, source: str, target: str, where: Position
) -> str | None:
    """The target the rule produces for an example source, or None (R300 given) if wrong."""
    rule = regex.rule
    url = ctx.absolute(source)
    if url is None:
        ctx.add_at("R300", rule, where, f"example `from` {source!r} is not a usable URL or path")
        return None
    subject = _origin(url) + _decoded(url) if regex.whole_url else _decoded(url)
    if not regex.whole_url and ctx.origin_host and _host(url) != ctx.origin_host:
        ctx.add_at(
            "R300",
            rule,
            where,
            f"example `from` {source!r} is not on {ctx.origin}, the only host a path regex "
            "applies to",
        )
        return None
    match = regex.compiled.search(subject)
    if match is None:
        ctx.add_at(
            "R300", rule, where, f"example `from` {source!r} does not match the rule's regex"
        )
        return None
    if rule.gone:
        return None
    produced = ctx.apply(regex, subject, url)
    expected = ctx.absolute(target, _origin(url) if regex.whole_url else None)
    if produced is None or expected is None or produced != expected:
        ctx.add_at(
            "R300",
            rule,
            where,
            f"example: the rule sends {source} to "
            f"{produced or substitute(rule.target or '', match)}, not to {target} as the example "
            "says",
            produced=produced,
            expected=expected,
        )
        return None
    return produced


def _unreachable(ctx: _Context, regexes: list[_Regex]) -> None:
    """R306: regex rules (or examples of them) that nginx never hands to the rule."""
    prefixes: dict[tuple[bool, str], _Regex] = {}
    for regex in regexes:
        rule = regex.rule
        literal = literal_of(rule.source)
        if literal is not None:
            url = literal if regex.whole_url else ctx.absolute(literal)
            owner = ctx.exact.get(_key(url)) if url else None
            if owner is not None:
                where = owner.position
                ctx.add(
                    "R306",
                    rule,
                    f"this regex matches only {literal}, and the exact rule at "
                    f"{where.file_line} for it always wins in nginx; delete one",
                    first=where.line,
                    first_file=where.file,
                )
                continue
        prefix = regex.prefix if rule.source.startswith("^") else None
        shadow = _shadowing(prefixes, regex.whole_url, prefix) if prefix is not None else None
        if shadow is not None:
            where = shadow.rule.position
            ctx.add(
                "R306",
                rule,
                f"never reached: the earlier regex at {where.file_line} ({shadow.rule.source}) "
                "matches every path this one matches, and nginx takes the first match; move "
                "this rule above it",
                first=where.line,
                first_file=where.file,
            )
            continue
        catch_all = _catch_all_prefix(rule.source)
        if catch_all is not None:
            prefixes.setdefault((regex.whole_url, catch_all[0]), regex)
        for example in rule.examples:
            _example_taken(ctx, regex, example.source, example.target, example.position)


def _example_taken(ctx: _Context, regex: _Regex, source: str, target: str, where: Position) -> None:
    """R306 when an example's source is handled by another rule, with another outcome."""
    url = ctx.absolute(source)
    if url is None:
        return
    owner = ctx.exact.get(_key(url))
    expected = ctx.absolute(target, _origin(url) if regex.whole_url else None)
    if owner is not None and owner.to_url == expected and owner.status == regex.rule.status:
        return  # the exact rule does what the example says: nothing is lost
    if owner is not None:
        ctx.add_at(
            "R306",
            regex.rule,
            where,
            f"example {source} never reaches this rule: the exact rule at "
            f"{owner.position.file_line} for it is tried first in nginx",
            first=owner.position.line,
            first_file=owner.position.file,
        )
        return
    found = ctx.regex_for(url)
    if found is not None and found[0].rule.index < regex.rule.index:
        earlier = found[0].rule.position
        ctx.add_at(
            "R306",
            regex.rule,
            where,
            f"example {source} never reaches this rule: the earlier regex at "
            f"{earlier.file_line} matches it first",
            first=earlier.line,
            first_file=earlier.file,
        )


REGEX_META = frozenset(".^$*+?()[]{}|\\")
"""The characters that are regex syntax unless escaped (also used by the importers)."""
_TAILS = ("", ".*", "(.*)", ".*$", "(.*)$", ".+", "(.+)", ".+$", "(.+)$")


def literal_of(pattern: str) -> str | None:
    """The one string an anchored literal regex `^...$` matches, else None."""
    if not (pattern.startswith("^") and pattern.endswith("$")) or pattern.endswith("\\$"):
        return None
    prefix, length = _read_literal(pattern, 1)
    if length != len(pattern) - 1:
        return None
    return prefix


def _read_literal(pattern: str, start: int) -> tuple[str, int]:
    """The literal text from `start` up to the first regex construct, and where it stops."""
    out: list[str] = []
    i = start
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped and not escaped.isalnum() and escaped.isascii():
                out.append(escaped)
                i += 2
                continue
            break
        if char in REGEX_META:
            break
        out.append(char)
        i += 1
    if i < len(pattern) and pattern[i] in "*?{" and out:
        out.pop()  # the quantifier makes the last character optional
    return "".join(out), i


def _literal_prefix(pattern: str, cleaned: str) -> str | None:
    """What every match of an anchored regex starts with (None if unanchored or alternation)."""
    if not pattern.startswith("^") or "|" in cleaned:
        return None
    return _read_literal(pattern, 1)[0]


def _catch_all_prefix(pattern: str) -> tuple[str, bool] | None:
    """For `^P`, `^P(.*)$`..., the literal P and whether one more character is needed."""
    if not pattern.startswith("^"):
        return None
    prefix, stop = _read_literal(pattern, 1)
    if stop < len(pattern) and pattern[stop] in "*?{":
        return None
    tail = pattern[stop:]
    if tail not in _TAILS:
        return None
    return prefix, "+" in tail


def _shadowing(
    prefixes: Mapping[tuple[bool, str], _Regex], whole_url: bool, prefix: str
) -> _Regex | None:
    """An earlier catch-all regex whose literal prefix starts every match of `prefix`."""
    for end in range(len(prefix) + 1):
        found = prefixes.get((whole_url, prefix[:end]))
        if found is None:
            continue
        needs_more = _catch_all_prefix(found.rule.source)
        if needs_more is not None and (not needs_more[1] or end < len(prefix)):
            return found
    return None


def _walk(ctx: _Context, starts: Iterable[_Start]) -> None:
    """R303 and R304 in one pass over the functional graph (memoised: each URL once)."""
    outcome: dict[str, _Outcome] = {}
    loops_reported: set[frozenset[int]] = set()  # by the rules in them: endless walks repeat
    for start in starts:
        key = start.key
        first = ctx.successor(start.url, key)
        if first is None:
            continue  # the target is final: the common case
        result = outcome.get(key) or _follow(ctx, start.url, key, outcome)
        rule = start.rule
        if result.loop is not None:
            cycle = result.loop
            members = frozenset(cycle.members)
            if members not in loops_reported and not _is_self_loop(cycle):
                loops_reported.add(members)
                _report_loop(ctx, cycle)
            if rule.index not in cycle.members:
                ctx.add_at(
                    "R303",
                    rule,
                    start.where,
                    f"the target {start.url} leads into a redirect loop "
                    f"(see {cycle.head.position.file_line})",
                    final=None,
                    via=first.rule.position.file_line,
                )
            continue
        if result.hops == 0:
            continue
        via = first.rule.position.file_line
        what = f"example {start.example}: " if start.example else ""
        if result.final is None:
            ctx.add_at(
                "R303",
                rule,
                start.where,
                f"{what}the target {start.url} is declared gone (410) by the rule at {via}",
                final=None,
                via=via,
                gone=True,
            )
            continue
        ctx.add_at(
            "R303",
            rule,
            start.where,
            f"{what}the target {start.url} is redirected again by the rule at {via} "
            f"({result.hops} more hop{'s' if result.hops > 1 else ''}); point this rule at "
            f"{result.final}",
            final=result.final,
            via=via,
            hops=result.hops + 1,
        )


@dataclass(eq=False, slots=True)
class _Cycle:
    """A loop of rules, reported once at its earliest rule."""

    urls: list[str]
    rules: list[Rule]
    members: set[int]
    endless: bool = False  # no URL repeats: each hop makes a new one (`^/(.*)$` -> `/x/$1`)

    @property
    def head(self) -> Rule:
        return min(self.rules, key=lambda rule: rule.index)


@dataclass(frozen=True, slots=True)
class _Outcome:
    """Where following a URL ends: a final URL (None if gone), or a loop; hops to get there."""

    final: str | None
    hops: int
    loop: _Cycle | None = None


def _follow(ctx: _Context, url: str, key: str, outcome: dict[str, _Outcome]) -> _Outcome:
    path: list[tuple[str, str, _Step]] = []  # (url, its key, where it goes)
    on_path: dict[str, int] = {}
    current: str | None = url
    result: _Outcome
    regex_hops = 0  # only regex rules make new URLs; exact chains end or cycle
    while True:
        if current is None:
            result = _Outcome(None, 0)
            break
        known = outcome.get(key)
        if known is not None:
            result = known
            break
        if key in on_path:
            members = path[on_path[key] :]
            cycle = _Cycle(
                [u for u, _, _ in members],
                [step.rule for _, _, step in members],
                {step.rule.index for _, _, step in members},
            )
            result = _Outcome(None, 0, cycle)
            for _, k, _ in members:
                outcome[k] = result
            del path[on_path[key] :]
            break
        step = ctx.successor(current, key)
        if step is None:
            result = _Outcome(current, 0)
            outcome[key] = result
            break
        regex_hops += step.rule.regex
        if regex_hops > MAX_WALK:  # regex rules feeding themselves new URLs forever
            tail = [s.rule for _, _, s in path[-MAX_WALK // 2 :]]
            rules = list({rule.index: rule for rule in tail if rule.regex}.values())
            indexes = {rule.index for rule in rules}
            result = _Outcome(None, 0, _Cycle([u for u, _, _ in path[:3]], rules, indexes, True))
            break
        on_path[key] = len(path)
        path.append((current, key, step))
        current, key = step.target, step.target_key
    for _, k, _ in reversed(path):
        if result.loop is None:
            result = _Outcome(result.final, result.hops + 1)
        outcome[k] = result
    return result


def _is_self_loop(cycle: _Cycle) -> bool:
    """A one-rule cycle of an exact rule is the R305 self-redirect, already reported."""
    return len(cycle.rules) == 1 and not cycle.rules[0].regex


def _report_loop(ctx: _Context, cycle: _Cycle) -> None:
    head = cycle.head
    if cycle.endless:
        where = [rule.position.file_line for rule in cycle.rules]
        ctx.add(
            "R304",
            head,
            f"endless redirect: {'the regex rules' if len(where) > 1 else 'the regex rule'} at "
            f"{', '.join(where)} {'keep' if len(where) > 1 else 'keeps'} matching "
            f"{'their' if len(where) > 1 else 'its'} own targets, each hop a new URL "
            f"({' -> '.join(cycle.urls)} -> ...)",
            cycle=cycle.urls,
            rules=where,
            endless=True,
        )
        return
    start = cycle.rules.index(head)
    rules = cycle.rules[start:] + cycle.rules[:start]
    urls = cycle.urls[start:] + cycle.urls[:start]
    where = [rule.position.file_line for rule in rules]
    shown = " -> ".join([*urls, urls[0]])
    ctx.add(
        "R304",
        head,
        f"redirect loop through {len(rules)} rule{'s' if len(rules) > 1 else ''} "
        f"({', '.join(where)}): {shown}",
        cycle=urls,
        rules=where,
    )


# --------------------------------------------------------------------------- R308


class _Languages:
    """The language of a URL: its site, or its first path segment when that is a code."""

    def __init__(self, config: Config) -> None:
        self.prefixes: list[tuple[str, str]] = []
        codes: set[str] = set()
        for site in config.sites:
            codes.add(site.name.lower())
            for prefix in (site.new, site.legacy):
                if prefix:
                    self.prefixes.append((prefix, site.name.lower()))
                    segment = _first_segment(prefix)
                    if segment and _LANGUAGE.match(segment):
                        codes.add(segment)
        self.prefixes.sort(key=lambda item: -len(item[0]))
        self.codes = codes
        self.by_origin: dict[str, list[tuple[str, str]]] = {}
        for prefix, name in self.prefixes:
            self.by_origin.setdefault(_origin(prefix), []).append((prefix, name))

    def of(self, url: str) -> str | None:
        segment = _first_segment(url)
        if segment and _LANGUAGE.match(segment) and (not self.codes or segment in self.codes):
            return segment
        for prefix, name in self.by_origin.get(_origin(url), ()):
            if url.startswith(prefix) or url + "/" == prefix:
                return name
        return None


def _first_segment(url: str) -> str | None:
    start = url.find("/", url.find("//") + 2) if "//" in url else 0
    if start < 0:
        return None
    end = url.find("/", start + 1)
    if end < 0:
        return None
    return url[start + 1 : end].lower()


def _languages(ctx: _Context, exact: list[Rule], regexes: list[_Regex]) -> None:
    """R308: the rule sends a page of one language to another (a `note:` says it is meant)."""
    languages = _Languages(ctx.config)
    of: Callable[[str], str | None] = languages.of
    for rule in exact:
        source, target = rule.from_url, rule.to_url
        if not source or not target or rule.note:
            continue
        cut = source.find("/", source.find("/", 8) + 1) + 1
        if cut and source[:cut] == target[:cut]:
            continue  # same origin and first path segment: same language
        _compare(ctx, rule, of(source), of(target))
    for regex in regexes:
        rule = regex.rule
        if rule.target is None or rule.note or not rule.source.startswith("^"):
            continue
        literal = _read_literal(rule.source, 1)[0]
        source = literal if regex.whole_url else (ctx.origin or "") + literal
        head = rule.target.split("$", 1)[0]
        target = ctx.absolute(head) if head else None
        if target is not None:
            _compare(ctx, rule, of(source), of(target))


def _compare(ctx: _Context, rule: Rule, source: str | None, target: str | None) -> None:
    if source is None or target is None or source == target:
        return
    ctx.add(
        "R308",
        rule,
        f"sends a page of language {source!r} to language {target!r} ({rule.target}); "
        "add a `note:` if that is intended",
        from_language=source,
        to_language=target,
    )
