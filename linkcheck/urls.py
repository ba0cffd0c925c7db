"""One URL normalisation, used everywhere.

Two spellings of one URL must compare equal: scheme and host case, default ports, dot
segments, IDN hosts (kept as punycode, the form nginx and DNS see) and percent-encoding (a
Greek path written raw and one written percent-encoded, with upper- or lower-case hex, are
one path). The canonical form is ASCII: bytes outside the unreserved set are percent-encoded
with upper-case hex, escapes of unreserved characters are decoded, and escapes of reserved
characters (`%2F`, `%3F`, `%23`, `%25`...) are kept, because decoding them would change the
URL's meaning. Fragments are split off (`split_fragment`).

Matching on paths (`upgraded`, `pattern.match`, regex rules) uses `decoded_path`, the UTF-8
path with every escape removed, which is what nginx's `$uri` holds.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

__all__ = [
    "HostScope",
    "UrlError",
    "decoded_path",
    "display",
    "host_of",
    "in_prefix",
    "is_canonical",
    "is_http",
    "join_key",
    "normalize",
    "origin_key",
    "origin_of",
    "path_of",
    "resolve",
    "scope_host",
    "split_credentials",
    "split_fragment",
    "unmap_url",
]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are in a path or query (RFC 3986 pchar plus '/' and '?').
_PATH_SAFE = _UNRESERVED | frozenset(b"!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset(b"?")
_ESCAPE = re.compile(rb"%([0-9A-Fa-f]{2})")
_CANONICAL_PATH = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/]*\Z")
_CANONICAL_QUERY = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*\Z")
_HEX = "0123456789ABCDEF"
# Runs of what a path (query) component must percent-encode; '%' is left for `_BAD_ESCAPE`.
_PATH_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/%]+")
_QUERY_UNSAFE_RUN = re.compile(r"[^A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+")
_CONTROLS = dict.fromkeys(range(0x20))  # str.translate table deleting C0 controls
_ANY_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})?")
# An escape that is not canonical: bare '%', lower-case hex, or an escaped unreserved byte.
_BAD_ESCAPE = re.compile(
    r"%(?:(?![0-9A-Fa-f]{2})|[0-9A-F][a-f]|[a-f][0-9A-Fa-f]|2[DE]|3[0-9]|[46][1-9A-F]|[57][0-9A]|5F|7E)"
)
# Already canonical: lower-case http(s) scheme and host, no default port (nor a leading zero
# in one), no userinfo, fragment or dot segment, only characters left as they are, and
# escapes that are upper-case and needed. Such URLs (most of a big redirect map, and of the
# links of a site served on a port) are returned as they are, without urlsplit.
_FAST_CANONICAL = re.compile(
    r"(?P<scheme>https?)://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::(?P<port>[1-9][0-9]{0,4}))?"
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]+)?\Z"
)
# An origin `normalize` leaves as it is (lower-case http(s) and host, no userinfo, a port
# without a leading zero), followed by the path; and what `urlsplit` would delete anywhere.
_CANONICAL_ORIGIN = re.compile(
    r"(?P<scheme>https?)://[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::(?P<port>[1-9][0-9]{0,4}))?(?=/)"
)
_SPLIT_REMOVES = re.compile(r"[\t\r\n]")
_NEEDLESS_ESCAPE = re.compile(r"%(?![0-9A-F]{2})|%(?:2[DE]|3[0-9]|[46][1-9A-F]|[57][0-9A]|5F|7E)")


class UrlError(ValueError):
    """The string is not a URL we can normalise (bad host, bad port)."""


def _fix_escape(match: re.Match[str]) -> str:
    pair = match.group(1)
    if pair is None:
        return "%25"  # a bare '%' is a literal percent sign
    value = int(pair, 16)
    return chr(value) if value in _UNRESERVED else f"%{pair.upper()}"


def _canonical_component(text: str, safe: frozenset[int]) -> str:
    """Percent-encoding made canonical for one path or query component.

    Each run of characters that must be encoded is encoded at once (UTF-8, upper-case
    `%XX`: what `quote` gives, without its Python call per byte), then, only when the text
    came with escapes of its own, one regex pass makes those canonical. The byte-by-byte
    loop remains for text UTF-8 cannot encode (lone surrogates) and other safe sets.
    """
    query = safe is _QUERY_SAFE
    fast = _CANONICAL_QUERY if query else _CANONICAL_PATH
    if fast.match(text):
        return text
    if safe is _PATH_SAFE or query:
        try:
            quoted = (_QUERY_UNSAFE_RUN if query else _PATH_UNSAFE_RUN).sub(_escape_run, text)
        except UnicodeEncodeError:
            return _canonical_component_slow(text, safe)
        # Escapes made here are upper-case and never of an unreserved byte: only the
        # text's own can be wrong (a bare '%', lower-case hex, an escaped letter).
        if "%" in text and _BAD_ESCAPE.search(quoted):
            return _ANY_ESCAPE.sub(_fix_escape, quoted)
        return quoted
    return _canonical_component_slow(text, safe)


def _escape_run(match: re.Match[str]) -> str:
    return "%" + match.group().encode("utf-8").hex("%").upper()


def _canonical_component_slow(text: str, safe: frozenset[int]) -> str:
    raw = text.encode("utf-8", "surrogatepass")
    out: list[str] = []
    i, n = 0, len(raw)
    while i < n:
        byte = raw[i]
        if byte == 0x25 and i + 2 < n and _ESCAPE.match(raw, i):
            value = int(raw[i + 1 : i + 3], 16)
            # Unreserved characters are decoded; everything else keeps an upper-case escape.
            out.append(
                chr(value) if value in _UNRESERVED else f"%{_HEX[value >> 4]}{_HEX[value & 15]}"
            )
            i += 3
            continue
        if byte in safe:
            out.append(chr(byte))
        else:
            out.append(f"%{_HEX[byte >> 4]}{_HEX[byte & 15]}")
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    if "/." not in path and not path.startswith("."):
        return path
    trailing = path.endswith(("/.", "/..", "/"))
    resolved = posixpath.normpath(path)
    if resolved.startswith("//"):
        resolved = "/" + resolved.lstrip("/")
    if resolved == ".":
        resolved = "/"
    if trailing and not resolved.endswith("/"):
        resolved += "/"
    return resolved


def _host(parts: SplitResult) -> str:
    host = parts.hostname or ""
    if not host:
        return ""
    host = host.rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise UrlError(f"invalid international host name: {parts.hostname!r}") from exc
    return host.lower()


@lru_cache(maxsize=65536)
def normalize(url: str) -> str:
    """The canonical absolute form of `url` (fragment kept as given, if any).

    Raises UrlError for an unusable host or port. Non-http(s) URLs are returned stripped
    but otherwise unchanged.
    """
    if is_canonical(url):
        return url
    url = url.strip()
    origin = _CANONICAL_ORIGIN.match(url)
    if origin is not None and _plain_origin(origin) and not _SPLIT_REMOVES.search(url):
        return _with_canonical_origin(origin[0], url[origin.end() :])
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        raise UrlError(f"not a URL: {url!r} ({exc})") from exc
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return url
    host = _host(parts)
    if not host:
        raise UrlError(f"URL without a host: {url!r}")
    try:
        port = parts.port
    except ValueError as exc:
        raise UrlError(f"invalid port in {url!r}") from exc
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.username or ""
        if parts.password:
            userinfo += ":" + parts.password
        netloc = f"{userinfo}@{netloc}"
    path = _remove_dot_segments(_canonical_component(parts.path, _PATH_SAFE)) or "/"
    query = _canonical_component(parts.query, _QUERY_SAFE) if parts.query else ""
    fragment = parts.fragment
    return urlunsplit((scheme, netloc, path, query, fragment))


def _plain_origin(origin: re.Match[str]) -> bool:
    """The origin matched (`_CANONICAL_ORIGIN`, `_FAST_CANONICAL`) is what `normalize`
    makes of it: no default or out-of-range port (the patterns refuse a zero-led one)."""
    port = origin["port"]
    return port is None or (int(port) != _DEFAULT_PORTS[origin["scheme"]] and int(port) <= 65535)


def _with_canonical_origin(origin: str, rest: str) -> str:
    """`normalize` of a URL whose origin is already canonical (`rest` starts with '/'):
    only its path and query are made canonical, without `urlsplit` and `urlunsplit`
    (most links of a site, spelled with raw non-ASCII or lower-case escapes)."""
    head, _, fragment = rest.partition("#")
    path, _, query = head.partition("?")
    out = origin + (_remove_dot_segments(_canonical_component(path, _PATH_SAFE)) or "/")
    if query:
        out += "?" + _canonical_component(query, _QUERY_SAFE)
    return out + "#" + fragment if fragment else out


def is_canonical(url: str) -> bool:
    """A cheap test that `normalize(url) == url` (False means "maybe not": normalise it)."""
    match = _FAST_CANONICAL.match(url)
    if match is None or "/." in url or not _plain_origin(match):
        return False
    return "%" not in url or _NEEDLESS_ESCAPE.search(url) is None


def resolve(reference: str, base: str) -> str:
    """`reference` made absolute against `base`, then normalised (fragment kept).

    A crawl resolves the same few thousand references from thousands of pages, and `urljoin`
    was the largest single cost of a crawl (issue 7 profile). The result depends on the base
    only through its origin (for `/path`), its folder (for `path` and `../path`) or the
    whole base (for `?query`, `#fragment` and the rest), so the work is cached on that key.
    """
    reference = reference.strip()
    if not reference.isascii():
        # urljoin copes with non-ASCII, but control characters are stripped as browsers do.
        reference = reference.translate(_CONTROLS)
    head, _, fragment = reference.partition("#")
    if not head:
        return _resolve_cached(reference, base)
    # The fragment is carried as it is, so `page#a` and `page#b` share one cache entry.
    joined = _resolve_cached(head, join_key(head, base))
    return f"{joined}#{fragment}" if fragment else joined


def join_key(reference: str, base: str) -> str:
    """The smallest part of `base` that `urljoin(base, reference)` depends on.

    `resolve(reference, join_key(reference, base)) == resolve(reference, base)`, so callers
    may cache what they derive from a resolved reference on `(reference, join_key(...))`.
    """
    first = reference[:1]
    if not first or first in "#?" or first <= " " or ":" in reference or first == "\\":
        return base
    if reference.startswith("//"):
        return base
    scheme_end = base.find("://")
    if scheme_end < 0:
        return base
    path_start = base.find("/", scheme_end + 3)
    if path_start < 0:
        return base
    if first == "/":
        return base[:path_start] + "/"
    # A plain relative path: only the base's folder counts (query and fragment do not).
    end = len(base)
    for mark in ("?", "#"):
        cut = base.find(mark, path_start)
        if 0 <= cut < end:
            end = cut
    return base[: base.rfind("/", path_start, end) + 1]


@lru_cache(maxsize=65536)
def _resolve_cached(reference: str, base: str) -> str:
    return normalize(urljoin(base, reference))


def split_fragment(url: str) -> tuple[str, str]:
    """(`url` without its fragment, the fragment percent-decoded)."""
    head, sep, fragment = url.partition("#")
    if not sep:
        return url, ""
    return head, unquote(fragment)


def split_credentials(url: str) -> tuple[str, tuple[str, str] | None]:
    """A normalised URL without its `user:password@`, and the (decoded) pair if it had one.

    Credentials written into a configured URL are kept apart from it, so that no URL built
    from it (links, reports) carries them and only their own origin is ever sent them.
    """
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    user = unquote(parts.username or "")
    password = unquote(parts.password or "")
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=netloc)), (user, password)


def is_http(url: str) -> bool:
    """An http or https URL (the only schemes linkcheck ever fetches)."""
    return url[:7].lower() == "http://" or url[:8].lower() == "https://"


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of a normalised URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def origin_key(url: str) -> str | None:
    """`scheme://netloc` as written, sliced without parsing, for per-origin caches.

    For a URL starting with `http://` or `https://` this is everything before the first
    `/`, `?` or `#` after the scheme: exactly the text `urlsplit` takes the netloc from,
    so every URL with the same key has the same `origin_of`. None for anything else
    (callers then take the slow path).
    """
    if url.startswith("http://"):
        start = 7
    elif url.startswith("https://"):
        start = 8
    else:
        return None
    end = len(url)
    for stop in "/?#":
        found = url.find(stop, start, end)
        if found >= 0:
            end = found
    return url[:end]


def host_of(url: str) -> str:
    """The host (punycode, lower-case, without port) of a normalised URL."""
    return (urlsplit(url).hostname or "").lower()


def path_of(url: str) -> str:
    """The (canonical, still encoded) path of a normalised URL."""
    return urlsplit(url).path or "/"


@lru_cache(maxsize=65536)
def decoded_path(url_or_path: str) -> str:
    """The fully percent-decoded UTF-8 path, dot segments resolved: what nginx's `$uri` holds."""
    path = url_or_path if url_or_path.startswith("/") else path_of(url_or_path)
    path = path.split("?", 1)[0].split("#", 1)[0]
    return _remove_dot_segments(unquote(path, errors="surrogateescape"))


def display(url: str) -> str:
    """A human-readable form: percent-encoded UTF-8 decoded back to letters (for reports)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host.startswith("xn--") or ".xn--" in host:
            try:
                shown = host.encode("ascii").decode("idna")
                url = url.replace(host, shown, 1)
            except UnicodeError:
                pass
        return unquote(url, errors="strict")
    except (UnicodeDecodeError, ValueError):
        return url


def in_prefix(url: str, prefix: str) -> bool:
    """Whether normalised `url` lies under normalised `prefix` (same origin, path prefix)."""
    if not url.startswith(origin_of(prefix)):
        return False
    prefix_path = path_of(prefix)
    path = path_of(url)
    if prefix_path.endswith("/"):
        return path.startswith(prefix_path) or path + "/" == prefix_path
    return path == prefix_path or path.startswith(prefix_path + "/")


def scope_host(url: str | None) -> str:
    """Lower-case host of an absolute http(s) URL, by string slicing (a hot path: every
    redirect hop is asked about); "" for anything else, or when the host is templated."""
    if not url or not url[:8].lower().startswith(("http://", "https://")):
        return ""
    netloc = url.partition("://")[2].partition("/")[0].partition("?")[0].partition("#")[0]
    netloc = netloc.rpartition("@")[2]
    host = netloc.partition("]")[0] + "]" if netloc.startswith("[") else netloc.partition(":")[0]
    return "" if "$" in host or "{" in host else host.lower().rstrip(".")


def unmap_url(url: str, remap: Sequence[tuple[str, str]]) -> str:
    """The configured (production) URL of a URL on a remapped staging copy (`--remap`)."""
    for source, target in remap:
        if url.startswith(target):
            return source + url[len(target) :]
    return url


@dataclass(frozen=True, slots=True)
class HostScope:
    """A Fetcher's `allowed` that keeps redirects on these hosts (any scheme or port).

    A value, not a closure, so that it can be sent to a Fetcher in another process.
    """

    hosts: frozenset[str]

    def __call__(self, url: str) -> bool:
        return scope_host(url) in self.hosts
