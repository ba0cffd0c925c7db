"""The exception tree of linkcheck.

Every error the package raises derives from `LinkcheckError`; each stage turns the failures
of its edge into findings or into one of these, never into a bare traceback::

    LinkcheckError
    ├── ConfigError            the configuration cannot be used at all (exit code 2)
    │   └── ConfigSyntaxError  YAML that does not parse, binary or oversized files
    ├── FetchError             one request failed for good (network, TLS, timeout, protocol)
    │   └── TooManyRedirects   more hops than the limit, or a loop
    ├── ExportError            a map cannot be written out (errors remain, unwritable file)
    └── ImportFormatError      a redirect list cannot be imported (encoding, no CSV header)

Problems inside a usable configuration (a bad rule, an unknown key) are findings (R300),
not exceptions: the rest of the map is still validated.
"""

from __future__ import annotations


class LinkcheckError(Exception):
    """Base of every error raised by linkcheck."""


class ConfigError(LinkcheckError):
    """The configuration cannot be used; the message names file:line:column when known."""


class ConfigSyntaxError(ConfigError):
    """The file is not YAML we can read (syntax, encoding, size)."""


class FetchError(LinkcheckError):
    """A request failed after its retries; `kind` is a short machine-readable cause."""

    def __init__(self, message: str, *, url: str, kind: str = "network") -> None:
        super().__init__(message)
        self.url = url
        self.kind = kind


class TooManyRedirects(FetchError):
    """A redirect chain was longer than the hop limit or came back to a URL it had visited."""


class ExportError(LinkcheckError):
    """The validated map cannot be exported (errors remain, or the output cannot be written)."""


class ImportFormatError(LinkcheckError):
    """A redirect list cannot be imported at all (not text, no CSV header, unknown format)."""
