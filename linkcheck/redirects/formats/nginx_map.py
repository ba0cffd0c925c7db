"""nginx `map` files: the http part `linkcheck nginx` writes, and plain `key value;` maps.

Every `map SOURCE $variable { ... }` block is read. A value is a target (`/new/`), or a
status and a target in one value (`"301:/new/"`, `"301 /new/"`, the combined table
NGINX.md recommends), or a bare status (`"410"`). When the value names no status, the
variable's name may (`$redirect_302`), else 301. Keys starting with `~` are regexes; a map
over `$host$uri` (keys such as `example.org/path`) gives absolute `https://` sources.

Not translated, each reported with its line: `~*` keys (ASCII-only case-insensitive regexes
have no equivalent in our map), values holding nginx variables other than `$1`..`$9`,
`include`, and directives other than `map`/`map_hash_*` (the server part's guards belong to
`linkcheck nginx`, not to the map).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from linkcheck.redirects.formats._common import (
    STATUSES,
    Untranslatable,
    attach_notes,
    decode_letters,
    literal_of,
    regex_of_literal,
)
from linkcheck.redirects.formats.interface import Comment, Entry, ImportResult, Skipped

__all__ = ["read"]

_COMBINED = re.compile(r"(\d{3})([qad]?)(?:\s*[:| ]\s*(.*))?\Z", re.DOTALL)
_QUIET = {"map_hash_bucket_size", "map_hash_max_size", "hostnames", "volatile"}


@dataclass(frozen=True, slots=True)
class _Token:
    text: str
    line: int
    kind: str  # "word", "quoted", "punct", "comment"


_TOKEN = re.compile(
    r"""(?P<nl>\n)|(?P<ws>[^\S\n]+)|(?P<comment>\#[^\n]*)|(?P<punct>[;{}])"""
    r"""|(?P<quoted>"(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?)|(?P<word>[^\s;{}"']+)""",
    re.DOTALL,
)
_UNESCAPE = re.compile(r"\\([\"'\\])")


def _tokens(text: str) -> list[_Token]:
    """nginx's tokens: a `#` starts a comment only where a token could start."""
    out: list[_Token] = []
    line = 1
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        value = match.group()
        if kind == "nl":
            line += 1
        elif kind == "comment":
            out.append(_Token(value[1:].strip(), line, "comment"))
        elif kind == "punct" or kind == "word":
            out.append(_Token(value, line, kind))
        elif kind == "quoted":
            body = value[1:-1] if len(value) > 1 and value[-1] == value[0] else value[1:]
            out.append(_Token(_UNESCAPE.sub(r"\1", body), line, "quoted"))
            line += value.count("\n")
    return out


@dataclass(frozen=True, slots=True)
class _Map:
    source: str
    variable: str
    line: int
    body: list[_Token]


def read(text: str, origin: str | None = None) -> ImportResult:
    """Entries of every `map` block, comments in order, and what was not translated.

    A `map $host $x { "host" $table; }` block (as `linkcheck nginx` writes) says which host
    each table serves: its entries become absolute sources on that host, or paths when the
    host is `origin`'s.
    """
    tokens = _tokens(text)
    lines = text.splitlines()
    blocks: list[_Map | Comment] = []
    skipped: list[Skipped] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "comment":
            blocks.append(Comment(token.text, token.line))
            i += 1
            continue
        statement, i = _statement(tokens, i)
        words = [t for t in statement if t.kind != "comment"]
        if not words:
            continue
        head = words[0]
        if head.text == "map" and words[-1].text == "{":
            args = [w.text for w in words[1:-1]]
            end = _block_end(tokens, i)
            body = tokens[i:end]
            i = end + 1
            if len(args) != 2:
                skipped.append(
                    Skipped(head.line, _line(lines, head.line), "map needs two variables")
                )
                continue
            blocks.append(_Map(args[0], args[1].lstrip("$"), head.line, body))
        elif words[-1].text == "{":
            end = _block_end(tokens, i)
            skipped.append(
                Skipped(head.line, _line(lines, head.line), f"`{head.text}` block is not a map")
            )
            i = end + 1
        elif head.text not in _QUIET:
            skipped.append(
                Skipped(head.line, _line(lines, head.line), f"`{head.text}` is not a map")
            )
    hosts = _table_hosts(blocks)
    items: list[Entry | Comment] = []
    notices: set[str] = set()
    for block in blocks:
        if isinstance(block, Comment):
            items.append(block)
        elif block.variable in hosts and block.variable not in _HELPERS:
            host = hosts[block.variable]
            prefix = "" if origin and _host(origin) == host else f"https://{host}"
            if prefix:
                notices.add(f"entries for host {host} were imported as https:// URLs")
            _read_map(block, prefix, lines, items, skipped, notices)
        elif _is_selector(block) or block.variable in _HELPERS:
            continue
        else:
            _read_map(block, None, lines, items, skipped, notices)
    if origin:
        items = [_readable(item, origin) for item in items]
    skipped.sort(key=lambda s: s.line)
    return ImportResult(tuple(attach_notes(items)), tuple(skipped), tuple(sorted(notices)))


_HELPERS = {"linkcheck_amp_args"}


def _readable(item: Entry | Comment, origin: str) -> Entry | Comment:
    """Targets as people write them: a path on `origin`'s host, letters not escapes."""
    if not isinstance(item, Entry) or item.target is None:
        return item
    target = item.target
    base = origin.rstrip("/")
    if target.lower().startswith(base.lower() + "/"):
        target = target[len(base) :]
    return replace(item, target=decode_letters(target))


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0].lower()


def _is_selector(block: _Map) -> bool:
    """A `map $host` whose values are variables: it picks a table per host."""
    return block.source in ("$host", "$http_host") and all(
        t.text.startswith("$") or t.text in ("default", "", "hostnames")
        for t in block.body
        if t.kind != "punct" and t.kind != "comment" and t.kind == "word"
    )


def _table_hosts(blocks: list[_Map | Comment]) -> dict[str, str]:
    """Table variable → host, from the selector maps."""
    out: dict[str, str] = {}
    for block in blocks:
        if not isinstance(block, _Map) or not _is_selector(block):
            continue
        i = 0
        while i < len(block.body):
            statement, i = _statement(block.body, i)
            words = [t for t in statement if t.kind != "punct"]
            if len(words) == 2 and words[1].text.startswith("$") and words[0].text != "default":
                out.setdefault(words[1].text[1:], words[0].text.lower())
    return out


def _line(lines: list[str], number: int) -> str:
    return lines[number - 1].strip() if 0 < number <= len(lines) else ""


def _statement(tokens: list[_Token], i: int) -> tuple[list[_Token], int]:
    """Tokens up to and including the next `;` or `{` (or a stray `}`)."""
    out: list[_Token] = []
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.kind == "comment":
            continue
        out.append(token)
        if token.kind == "punct":
            break
    return out, i


def _block_end(tokens: list[_Token], i: int) -> int:
    depth = 1
    while i < len(tokens):
        if tokens[i].kind == "punct" and tokens[i].text == "{":
            depth += 1
        elif tokens[i].kind == "punct" and tokens[i].text == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return len(tokens)


def _read_map(
    block: _Map,
    prefix: str | None,
    lines: list[str],
    items: list[Entry | Comment],
    skipped: list[Skipped],
    notices: set[str],
) -> None:
    """Entries of one table; `prefix` is the scheme and host of a per-host table."""
    body = block.body
    by_host = prefix is not None or "$host" in block.source or "$http_host" in block.source
    if prefix is None:
        prefix = "" if "$scheme" in block.source else "https://"
        if by_host and prefix:
            notices.add("map keys over $host were imported as https:// URLs")
    named = re.search(r"(30[12378]|410)", block.variable)
    default_status = int(named.group(1)) if named else 301
    i = 0
    while i < len(body):
        token = body[i]
        if token.kind == "comment":
            items.append(Comment(token.text, token.line))
            i += 1
            continue
        statement, i = _statement(body, i)
        words = [t for t in statement if t.kind != "punct"]
        if not words:
            continue
        line = words[0].line
        if statement[-1].text != ";":
            skipped.append(Skipped(line, _line(lines, line), "expected `key value;`"))
            continue
        key = words[0]
        if key.kind == "word" and key.text in _QUIET | {"default"}:
            continue
        if key.kind == "word" and key.text == "include":
            skipped.append(Skipped(line, _line(lines, line), "`include` is not followed"))
            continue
        if len(words) != 2:
            skipped.append(Skipped(line, _line(lines, line), "expected `key value;`"))
            continue
        try:
            items.append(_entry(key, words[1].text, default_status, by_host, prefix))
        except Untranslatable as exc:
            skipped.append(Skipped(line, _line(lines, line), str(exc)))


def _entry(key: _Token, value: str, default_status: int, by_host: bool, prefix: str) -> Entry:
    text = key.text
    if key.kind == "word" and text.startswith("\\~"):
        text = text[1:]
        regex = False
    elif text.startswith("~*"):
        raise Untranslatable("`~*` (case-insensitive regex) has no equivalent in the map")
    else:
        regex = text.startswith("~")
        text = text[1:] if regex else text
    status, target, query = default_status, value, "keep"
    combined = _COMBINED.match(value.strip())
    if combined:
        status = int(combined.group(1))
        query = "drop" if combined.group(2) == "d" else "keep"
        target = (combined.group(3) or "").strip()
    if status not in STATUSES:
        raise Untranslatable(f"status {status} is not one of 301, 302, 303, 307, 308, 410")
    if re.search(r"\$(?!\d)", target):
        raise Untranslatable("the value uses nginx variables; only $1..$9 translate")
    if by_host and prefix:
        if regex:
            if not text.startswith("^"):
                raise Untranslatable("a regex for one host must start with ^")
            text = regex_of_literal(prefix)[:-1] + text[1:]
        else:
            text = prefix + text
    if regex:
        literal = literal_of(text)
        if literal is not None:
            text, regex = literal, False
    if status == 410:
        return Entry(text, None, 410, key.line, regex=regex)
    if not target:
        raise Untranslatable(f"a {status} redirect needs a target")
    return Entry(text, target, status, key.line, regex=regex, query=query)
