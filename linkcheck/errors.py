"""The exception tree of linkcheck.

Every error the package raises derives from `LinkcheckError`; each stage turns the failures
of its edge into findings or into one of these, never into a bare traceback::

    LinkcheckError
    ├── ConfigError            the configuration cannot be used at all (exit code 2)
    │   └── ConfigSyntaxError  YAML that does not parse, binary or oversized files
    ├── ExportError            a map cannot be written out (errors remain, unwritable file)
    └── ImportFormatError      a redirect list cannot be imported (encoding, no CSV header)

Problems inside a usable configuration (a bad rule, an unknown key) are findings (R300),
not exceptions: the rest of the map is still validated. Network trouble is never raised
either: the fetcher answers with a `Response` that carries `error` and `error_kind`.
"""

from __future__ import annotations


class LinkcheckError(Exception):
    """Base of every error raised by linkcheck."""


class ConfigError(LinkcheckError):
    """The configuration cannot be used; the message names file:line:column when known."""


class ConfigSyntaxError(ConfigError):
    """The file is not YAML we can read (syntax, encoding, size)."""


class ExportError(LinkcheckError):
    """The validated map cannot be exported (errors remain, or the output cannot be written)."""


class ImportFormatError(LinkcheckError):
    """A redirect list cannot be imported at all (not text, no CSV header, unknown format)."""
