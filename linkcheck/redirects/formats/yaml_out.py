"""Our YAML schema (DESIGN.md §3) written from imported entries, comments kept in order.

Each rule is one flow mapping on one line (`- {from: /a, to: /b}`), the way people write
maps by hand; `status` is written only when it differs from `defaults.status` (301).
Scalars are written plain only when they surely read back as the same string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from linkcheck.redirects.formats.interface import Comment, Entry

__all__ = ["render_yaml", "scalar"]

_PLAIN = re.compile(r"(?:https?://[\w.\-]+(?::\d+)?)?/[\w/.\-~%]*\Z|https?://[\w.\-]+(?::\d+)?\Z")


def scalar(text: str) -> str:
    """A YAML flow scalar that loads back as `text` exactly."""
    if _PLAIN.match(text) and not text.endswith(("-", ".")):
        return text
    if any(ord(ch) < 0x20 or ch in "\x7f\u2028\u2029\ufeff\x85" for ch in text):
        return json.dumps(text, ensure_ascii=False)
    return "'" + text.replace("'", "''") + "'"


def _entry(entry: Entry) -> str:
    fields = [f"from: {scalar(entry.source)}"]
    if entry.target is not None:
        fields.append(f"to: {scalar(entry.target)}")
    if entry.status != 301:
        fields.append(f"status: {entry.status}")
    if entry.regex:
        fields.append("regex: true")
    if entry.query != "keep":
        fields.append(f"query: {entry.query}")
    if entry.note:
        fields.append(f"note: {scalar(entry.note)}")
    return "  - {" + ", ".join(fields) + "}"


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")


def _comment(text: str, indent: str) -> str:
    """A one-line YAML comment; characters YAML refuses are shown as escapes."""
    clean = _UNPRINTABLE.sub(lambda m: f"\\x{ord(m.group()):02x}", " ".join(text.split()))
    return f"{indent}# {clean}" if clean else f"{indent}#"


def render_yaml(
    items: Sequence[Entry | Comment],
    *,
    header: Sequence[str] = (),
    origin: str | None = None,
    include: bool = False,
) -> str:
    """The text of a `redirects.yaml` holding `items` in order.

    With `include`, only the `redirects:` list: a file for the main map's `include:`, whose
    relative paths resolve against the main file's `defaults.origin`.
    """
    lines = [_comment(text, "") for text in header]
    if not include:
        lines.append("version: 1")
        if origin:
            lines.append(f"defaults: {{status: 301, origin: {scalar(origin)}}}")
        else:
            lines.append("defaults: {status: 301}")
    if not any(isinstance(item, Entry) for item in items):
        lines.append("redirects: []")
        lines.extend(_comment(item.text, "") for item in items if isinstance(item, Comment))
        return "\n".join(lines) + "\n"
    lines.append("redirects:")
    for item in items:
        if isinstance(item, Comment):
            lines.append(_comment(item.text, "  "))
        else:
            lines.append(_entry(item))
    return "\n".join(lines) + "\n"
