"""nginx rules generated from the validated redirect map (DESIGN.md §2, §4, NGINX.md).

The export keeps nginx's precedence equal to the map's. One combined table per host holds the
status, the query-string mode and the target in one value (`301q:https://...`), keyed on the
decoded request path `$uri`: exact keys (nginx tries them first, whatever their place in the
file), then regex keys in map order (the first match wins). A small `map $host` picks the
host's table; host keys are punycode because `$host` is. The server part guards against CR/LF
in `$uri` (a decoded capture would otherwise copy it into `Location`) and turns the value into
a `return` with a literal status: one `if` per status and query mode used.

Safety does not rest on the validator alone: every key and value is written inside double
quotes with `\\` and `"` escaped, a literal `$` in a target becomes `%24`, and anything that
cannot be written safely or read the same by nginx (control characters, invalid UTF-8, a
query in an exact source, a regex construct PCRE reads otherwise, a `$N` beyond the groups)
is refused: it becomes an R307 finding and is left out of the file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import lru_cache

from linkcheck import __version__
from linkcheck.config import Config, Rule
from linkcheck.findings import Finding, make_finding
from linkcheck.redirects.validate import validate
from linkcheck.urls import UrlError, decoded_path, host_of, normalize

__all__ = [
    "NginxExport",
    "NginxRule",
    "Refusal",
    "build_nginx",
    "nginx_problems",
    "nginx_rule",
    "refusal_findings",
    "regex_scope",
    "rejected_rules",
    "render_nginx",
    "server_conf_path",
    "static_findings",
]

VARIABLE = "linkcheck_redirect"
"""The variable the server part reads: `STATUS MODE : TARGET`, or `410`."""

_MODES = {"q": "$is_args$args", "a": "$linkcheck_amp_args", "d": ""}
"""Query-string modes: keep (`?` + args), keep joined with `&` (target has `?`), drop."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_BAD_TARGET = re.compile(r"[\s\x00-\x1f\x7f]")
_UNQUOTABLE = re.compile(r"[\x00-\x1f\x7f\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CAPTURE_REF = re.compile(r"\$(\d?)")
_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?\Z|\[[0-9a-f:.]+\]\Z")
_UNSAFE = re.compile(r"[;{}\"'$\s\x00-\x1f\x7f]")
_CAPTURE = re.compile(r"\$[1-9]")
_REGEX_BRACES = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_REGEX_DOLLAR = re.compile(r"\$(?=\)|\||\Z)")
_RESERVED_KEYS = frozenset({"default", "hostnames", "include", "volatile"})
# `^https?://host(:port)?` written as a regex: the host must be literal (dots escaped).
_ABSOLUTE_REGEX = re.compile(
    r"\^?(?:https?|https\?|http\(s\)\?|\(https\?\)|\(\?:https\?\))(?::|\\:)(?:/|\\/){2}"
    r"(?P<host>(?:[A-Za-z0-9.-]|\\\.|\\-)+)(?P<port>(?::|\\:)[0-9]+)?(?P<rest>(?:/|\\/).*)\Z",
    re.DOTALL,
)
# Constructs that PCRE reads otherwise than Python, or that nginx exposes differently.
_PCRE_TRAPS = (
    (re.compile(r"\(\?P?<(?![=!])"), "named groups"),
    (re.compile(r"\(\?<[=!]"), "look-behind"),
    (re.compile(r"\(\?[a-zA-Z-]+[):]"), "inline flags"),
    (re.compile(r"(?<!\\)[*+?}][+]"), "possessive quantifiers"),
    (re.compile(r"\\[uUNZ]"), r"Python-only escapes (\u, \U, \N, \Z)"),
    (re.compile(r"(?<!\\)\{,"), "`{,n}` quantifiers"),
    (re.compile(r"\(\?P[=>]"), "Python-only group references"),
)


@dataclass(frozen=True, slots=True)
class NginxRule:
    """One map entry as nginx will see it: the host's table, the key, the value."""

    host: str
    key: str
    regex: bool
    value: str
    rule: Rule
    quoted_key: str = ""
    quoted_value: str = ""


@dataclass(frozen=True, slots=True)
class Refusal:
    """A rule left out of the export, and why (an R307 finding)."""

    rule: Rule
    reason: str


@dataclass(frozen=True, slots=True)
class NginxExport:
    """The two parts of the export and what went into them."""

    http: str
    server: str
    rules: tuple[NginxRule, ...]
    refused: tuple[Refusal, ...]


class _Refused(Exception):
    """Internal: this rule cannot be written safely."""


# --------------------------------------------------------------------------- quoting


def quote(text: str) -> str:
    """`text` as one double-quoted nginx token: only `\\` and `"` need escaping there.

    nginx's parser turns `\\\\` into `\\` and `\\"` into `"` and keeps every other
    character, but `\\t`, `\\r`, `\\n` would become control characters: doubling every
    backslash keeps regexes such as `\\d` intact. Control characters are refused before.
    """
    if _UNQUOTABLE.search(text):
        raise _Refused("control character or invalid UTF-8")
    if "\\" not in text and '"' not in text:
        return f'"{text}"'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _comment(text: str) -> str:
    """Text safe inside a `#` comment (one line, printable)."""
    return _CONTROL.sub("?", _SURROGATE.sub("?", text))


# --------------------------------------------------------------------------- one rule


def regex_scope(rule: Rule, origin: str | None) -> tuple[str, str]:
    """(host, path regex) of a regex rule: an absolute regex names its host, a relative one
    applies to the host of `defaults.origin` only. Raises ValueError when not expressible."""
    match = _ABSOLUTE_REGEX.match(rule.source)
    if match:
        host = match["host"].replace("\\", "").lower()
        return _checked_host(host), "^" + match["rest"]
    if rule.source.lower().lstrip("^").startswith(("http", "(")) and "://" in rule.source:
        raise ValueError("an absolute regex must start with a literal scheme and host")
    if origin is None:
        raise ValueError("a relative regex needs `defaults.origin` to know its host")
    return _checked_host(host_of(origin)), rule.source


def _host_of(url: str) -> str:
    """`urls.host_of` for a normalised URL, without a full parse (hot in big maps)."""
    netloc = url.partition("://")[2].partition("/")[0].rpartition("@")[2]
    if netloc.startswith("["):
        return netloc.partition("]")[0] + "]"
    return netloc.partition(":")[0]


@lru_cache(maxsize=1024)
def _checked_host(host: str) -> str:
    if host.endswith("."):
        host = host[:-1]
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValueError(f"host {host!r} is not a valid international name") from exc
    host = host.lower()
    if not _HOST.match(host) or host in _RESERVED_KEYS:
        raise ValueError(f"host {host!r} cannot be an nginx map key")
    return host


def exact_key(from_url: str) -> str:
    """The `$uri` an exact source arrives as: decoded UTF-8, dot segments resolved, `//`
    merged (nginx's `merge_slashes`)."""
    raw = "/" + from_url.partition("://")[2].partition("/")[2]  # normalised: no urlsplit needed
    raw = raw.partition("?")[0].partition("#")[0]
    path = raw if "%" not in raw and "/." not in raw else decoded_path(raw)
    if "//" in path:
        path = re.sub("/{2,}", "/", path)
    if _SURROGATE.search(path):
        raise _Refused("the path is not valid UTF-8 once decoded")
    if _CONTROL.search(path):
        raise _Refused("the decoded path holds a control character")
    return path


def _check_regex(pattern: str) -> int:
    """Refuse what PCRE reads otherwise; return the number of groups."""
    try:
        compiled = re.compile(pattern)
    except re.error as exc:
        raise _Refused(f"regex does not compile: {exc}") from exc
    for trap, what in _PCRE_TRAPS:
        if trap.search(pattern):
            raise _Refused(f"{what} are read differently by nginx's PCRE")
    if not pattern.isascii() and re.search(r"\[[^\]]*[^\x00-\x7f]|[^\x00-\x7f][*+?{]", pattern):
        raise _Refused(
            "a non-ASCII letter in a character class or before a quantifier: nginx matches "
            "bytes, not letters"
        )
    if _CONTROL.search(pattern):
        raise _Refused("control character in the regex")
    return compiled.groups


def _target(rule: Rule, groups: int | None) -> str:
    """The value's target: absolute, `$` only as a capture reference `$1`-`$9`."""
    target = rule.to_url
    if target is None:
        raise _Refused("no resolvable target")
    if not target.isascii() or _BAD_TARGET.search(target):
        raise _Refused("control character or space in the target")
    if "$" in target.partition("://")[2].partition("/")[0]:
        raise _Refused("a `$` in the target's host: a capture there could send readers anywhere")
    if "$" not in target:
        return target
    parts: list[str] = []
    last = 0
    for ref in _CAPTURE_REF.finditer(target):
        parts.append(target[last : ref.start()])
        digit = ref.group(1)
        if groups is None or not digit:
            parts.append("%24")  # a literal dollar: nginx would read a variable
            last = ref.start() + 1
            continue
        if digit == "0" or int(digit) > groups:
            raise _Refused(f"${digit} in the target names no group of the regex")
        parts.append(ref.group(0))
        last = ref.end()
    parts.append(target[last:])
    return "".join(parts)


def nginx_rule(rule: Rule, origin: str | None) -> NginxRule:
    """`rule` as a map entry; raises ValueError with the reason when it cannot be exported."""
    try:
        return _nginx_rule(rule, origin)
    except _Refused as exc:
        raise ValueError(str(exc)) from None


def _written(rule: Rule) -> None:
    """DESIGN.md R307: `;`, braces, quotes, whitespace, control characters and a `$` that is
    no capture reference are refused as written (percent-encode them), so that no entry can
    even look like a directive; a regex source may use braces as quantifiers and `$` as its
    anchor."""
    source = rule.source
    if rule.regex:
        source = _REGEX_BRACES.sub("", source.replace("\\{", "").replace("\\}", ""))
        source = _REGEX_DOLLAR.sub("", source)
    for what, text in (("source", source), ("target", rule.target or "")):
        if what == "target" and rule.regex:
            text = _CAPTURE.sub("", text)
        bad = _UNSAFE.search(text)
        if bad:
            raise _Refused(f"{bad.group(0)!r} in the {what}: percent-encode it")


# Text that needs no refusal, escaping or decoding anywhere below: plain ASCII URL characters
# without `%`, `$`, quotes, `;`, braces, backslashes, spaces or controls.
_PLAIN = re.compile(r"[A-Za-z0-9\-._~!&()*+,=:@/]*\Z")
_PLAIN_TARGET = re.compile(r"[A-Za-z0-9\-._~!&()*+,=:@/%?]*\Z")


def _plain_exact(rule: Rule) -> NginxRule | None:
    """The common case of big maps, an exact rule written in plain ASCII, without the
    general checks (same result, several times faster); None when it is not that case."""
    from_url, target = rule.from_url, rule.to_url
    if rule.regex or from_url is None or not _PLAIN.match(rule.source):
        return None
    path = "/" + from_url.partition("://")[2].partition("/")[2]
    if not _PLAIN.match(path) or "//" in path or "/." in path:
        return None
    if rule.gone:
        value = "410"
    elif (
        target is None
        or not _PLAIN_TARGET.match(target)
        or not _PLAIN_TARGET.match(rule.target or "")
    ):
        return None
    else:
        mode = "d" if rule.query == "drop" else ("a" if "?" in target else "q")
        value = f"{rule.status}{mode}:{target}"
    try:
        host = _checked_host(_host_of(from_url))
    except ValueError:
        return None
    return NginxRule(host, path, False, value, rule, f'"{path}"', f'"{value}"')


def _nginx_rule(rule: Rule, origin: str | None) -> NginxRule:
    return _plain_exact(rule) or _general_rule(rule, origin)


def _general_rule(rule: Rule, origin: str | None) -> NginxRule:
    _written(rule)
    if rule.regex:
        try:
            host, pattern = regex_scope(rule, origin)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        groups: int | None = _check_regex(pattern)
        key = pattern
    else:
        if rule.from_url is None:
            raise _Refused("no resolvable source")
        if "?" in rule.from_url:
            raise _Refused("a query string in an exact source: nginx keys on the path only")
        try:
            host = _checked_host(_host_of(rule.from_url))
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        key = exact_key(rule.from_url)
        groups = None
    if rule.gone:
        value = "410"
    else:
        target = _target(rule, groups)
        mode = "d" if rule.query == "drop" else ("a" if "?" in target else "q")
        value = f"{rule.status}{mode}:{target}"
    # Quoted once here, where a refusal is still possible; the file gets exactly these.
    quoted_key = quote("~" + key if rule.regex else key)
    return NginxRule(host, key, rule.regex, value, rule, quoted_key, quote(value))


# --------------------------------------------------------------------------- whole map


def _pow2(n: int) -> int:
    size = 1
    while size < n:
        size *= 2
    return size


def _hash_sizes(keys: Collection[str], longest: int) -> tuple[int, int]:
    """`map_hash_bucket_size` must exceed the longest key (+18) and hold a bucket's keys;
    `map_hash_max_size` leaves room for a sparse table (NGINX.md: 100,000 keys need 512 and
    262144)."""
    count = max(len(keys), 1)
    bucket = max(64, _pow2(longest + 32))
    if count > 10_000:
        bucket = max(bucket, 512)
    elif count > 1_000:
        bucket = max(bucket, 256)
    max_size = max(2048, _pow2(count * 2))
    return bucket, max_size


def build_nginx(config: Config, *, exclude: Collection[int] = ()) -> NginxExport:
    """Both parts of the export for the rules of `config` that are valid and expressible.

    `exclude` holds rule indexes to leave out as well (entries the validator rejected, R307).
    """
    origin = config.defaults.origin
    per_host: dict[str, tuple[list[NginxRule], list[NginxRule]]] = {}
    seen: dict[tuple[str, str], tuple[Rule, str]] = {}
    refused: list[Refusal] = []
    exported: list[NginxRule] = []
    for rule in config.rules:
        if not rule.valid or rule.index in exclude:
            continue
        try:
            entry = _nginx_rule(rule, origin)
        except _Refused as exc:
            refused.append(Refusal(rule, str(exc)))
            continue
        exact, regexes = per_host.setdefault(entry.host, ([], []))
        if entry.regex:
            regexes.append(entry)
        else:
            # nginx compares exact keys ASCII case-insensitively; the first entry wins.
            key = entry.key
            folded = (entry.host, key.lower() if key.isascii() else key.encode().lower().decode())
            earlier = seen.get(folded)
            if earlier is not None:
                first, first_key = earlier
                # The very same key is the validator's R301/R302 (reported once, there).
                differ = first.status != rule.status or first.to_url != rule.to_url
                if differ and first_key != key:
                    refused.append(
                        Refusal(
                            rule,
                            f"same nginx key as line {first.position.line} (nginx compares "
                            "paths ignoring ASCII case); the first entry wins",
                        )
                    )
                continue
            seen[folded] = (rule, key)
            exact.append(entry)
        exported.append(entry)
    http = _http_part(config, per_host, len(exported))
    server = _server_part(config, exported)
    return NginxExport(http, server, tuple(exported), tuple(refused))


def _header(config: Config, part: str, where: str) -> list[str]:
    files = ", ".join(_comment(os.fspath(f)) for f in (config.files or (config.path,)))
    return [
        f"# linkcheck {__version__}: nginx redirect rules, {part} part.",
        f"# Generated from {files}; do not edit: change the map and regenerate.",
        f"# {where}",
    ]


def _http_part(
    config: Config, per_host: dict[str, tuple[list[NginxRule], list[NginxRule]]], count: int
) -> str:
    keys = [e.key for exact, regexes in per_host.values() for e in (*exact, *regexes)]
    longest = max((len(k.encode()) for k in keys), default=0)
    bucket, max_size = _hash_sizes(keys, longest)
    lines = _header(
        config,
        "http",
        "Include inside `http { }`, before the server that includes the .server.conf part. "
        "Remove any other map_hash_* setting from the http block.",
    )
    lines.append(f"# {count} rules for {len(per_host)} host(s).")
    lines += [
        f"map_hash_bucket_size {bucket};",
        f"map_hash_max_size {max_size};",
        "",
        "# The request's query string joined with `&`, for targets that have one already.",
        'map $args $linkcheck_amp_args { "" ""; default "&$args"; }',
    ]
    names: dict[str, str] = {}
    for number, (host, (exact, regexes)) in enumerate(sorted(per_host.items())):
        name = f"linkcheck_h{number}"
        names[host] = name
        lines += [
            "",
            f"# host {host}: exact paths, then regexes in map order",
            f"map $uri ${name} {{",
        ]
        lines += [f"    {e.quoted_key} {e.quoted_value};" for e in (*exact, *regexes)]
        lines.append("}")
    lines += ["", "# Which host's table applies.", f"map $host ${VARIABLE} {{", '    default "";']
    lines += [f"    {quote(host)} ${name};" for host, name in names.items()]
    lines += ["}", ""]
    return "\n".join(lines)


def _server_part(config: Config, exported: Iterable[NginxRule]) -> str:
    lines = _header(
        config,
        "server",
        "Include inside each `server { }` that serves these hosts, before any `location`.",
    )
    lines += [
        "# A decoded CR/LF in the path would reach the Location header through a capture.",
        'if ($uri ~ "[\\r\\n]") { return 400; }',
    ]
    used = sorted({e.value.partition(":")[0] for e in exported})
    for code in used:
        if code == "410":
            lines.append(f'if (${VARIABLE} = "410") {{ return 410; }}')
            continue
        status, mode = code[:3], code[3:]
        lines.append(
            f'if (${VARIABLE} ~ "^{status}{mode}:(.*)$") {{ return {status} $1{_MODES[mode]}; }}'
        )
    lines.append("")
    return "\n".join(lines)


def render_nginx(config: Config) -> tuple[str, str]:
    """(http part, server part) for the valid, expressible rules of `config`."""
    export = validated_export(config)[1]
    return export.http, export.server


def rejected_rules(config: Config, findings: Iterable[Finding]) -> frozenset[int]:
    """Indexes of the rules that `findings` reject (R300/R307, matched by `file:line`)."""
    lines = {f.source for f in findings if f.code in ("R300", "R307")}
    return frozenset(r.index for r in config.rules if r.position.file_line in lines)


def validated_export(config: Config) -> tuple[list[Finding], NginxExport]:
    """The validator's findings plus an R307 for every remaining rule the export refuses,
    and the export of what is left: what `check`, `nginx` and `export` report before anything
    is checked live or written."""
    findings = validate(config)
    export = build_nginx(config, exclude=rejected_rules(config, findings))
    return findings + refusal_findings(config, export.refused), export


def static_findings(config: Config) -> list[Finding]:
    """The findings of `validated_export` alone."""
    return validated_export(config)[0]


def nginx_problems(config: Config) -> list[Finding]:
    """R307 for every valid rule the export must leave out, with the reason."""
    return refusal_findings(config, build_nginx(config).refused)


def refusal_findings(config: Config, refused: Iterable[Refusal]) -> list[Finding]:
    """The R307 findings of an export's refusals."""
    return [
        make_finding(
            "R307",
            refusal.rule.from_url or _source_url(refusal.rule, config),
            f"not exported to nginx: {refusal.reason}",
            source=refusal.rule.position.file_line,
        )
        for refusal in refused
    ]


def _source_url(rule: Rule, config: Config) -> str:
    if rule.source.startswith("/") and config.defaults.origin:
        try:
            return normalize(config.defaults.origin + rule.source)
        except UrlError:
            pass
    return rule.source


def server_conf_path(path: str) -> str:
    """`x.conf` → `x.server.conf` (any other name gets `.server.conf` appended)."""
    return (
        path[: -len(".conf")] + ".server.conf" if path.endswith(".conf") else path + ".server.conf"
    )
