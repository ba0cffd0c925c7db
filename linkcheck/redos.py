"""Regexes that can take exponential time: found statically, before any URL is matched.

Python's `re` backtracks and holds the GIL while it does, so a user regex such as `(a+)+$` or
`(.*a){20}` matched against one unlucky URL hangs the whole run (SIGTERM included). The classic
culprit is a *nested quantifier*: a repeated group whose body can match the same text in many
ways because an unbounded inner repeat can swallow everything else the body needs. Flagged:

- a group repeated without bound (or more than `_BIG_REPEAT` times) whose body holds an
  unbounded repeat of a character set S while each other item of the body can match nothing
  or only characters of S: `(a+)+`, `(x*)*`, `(.*a){20}`, `(\\w+\\s?)*`, `(a+|b)+`;
- not flagged: a body separated by a character the inner repeat cannot match, the common
  `(?:/[^/]+)*` or `([a-z]+-)*` (each repetition starts or ends at a delimiter: linear).

- a repeated alternation of single characters that overlap: `(a|a)+`, `(?:x|x?)*`. Longer
  overlapping alternatives (`(ab|a)+`) are not looked for; `MAX_SUBJECT` bounds what any
  user regex is matched against anyway.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["MAX_SUBJECT", "exponential_risk"]

MAX_SUBJECT = 8192
"""Longest string (a URL, a decoded path) a user regex is matched against; longer ones are
left unmatched (no URL that long is a page anyone links to)."""

_BIG_REPEAT = 9
"""An outer repeat bounded above this counts as unbounded: `(.*a){20}` is n**20 steps."""

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")
_UNIVERSE = frozenset(range(256)) | {0x391, 0x3B1, 0x430, 0x2028, 0xFFFD}
"""The characters set algebra is done over: ASCII, Latin-1 and a few letters/spaces beyond."""
_ZERO_WIDTH = frozenset({"AT", "ASSERT", "ASSERT_NOT"})
_REPEATS = frozenset({"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"})


def exponential_risk(pattern: str) -> str | None:
    """The nested quantifier that can make `pattern` take exponential time, or None.

    A pattern that does not compile is None here (its own problem is reported elsewhere).
    """
    try:
        tree = _parser.parse(pattern)
    except Exception:  # re.error, RecursionError on absurd nesting: not this check's to say
        return None
    return _search(list(tree))


def _search(items: list[tuple[Any, Any]]) -> str | None:
    for op, av in items:
        name = str(op)
        if name in _REPEATS:
            low, high, body = av
            if high == _c.MAXREPEAT or high > _BIG_REPEAT:
                branches = list(_branches(list(body)))
                if any(_ambiguous(b) for b in branches) or _overlapping(branches):
                    return _show(name, low, high)
            found = _search(list(body))
        elif name == "SUBPATTERN":
            found = _search(list(av[-1]))
        elif name == "BRANCH":
            found = next((f for b in av[1] if (f := _search(list(b))) is not None), None)
        elif name in ("ASSERT", "ASSERT_NOT"):
            found = _search(list(av[1]))
        else:
            found = None
        if found is not None:
            return found
    return None


def _show(name: str, low: int, high: int) -> str:
    if high == _c.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    return f"{{{low}}}" if low == high else f"{{{low},{high}}}"


def _branches(body: list[tuple[Any, Any]]) -> Iterable[list[tuple[Any, Any]]]:
    """The alternatives of a repeated body (itself when it is no alternation)."""
    items = _flatten(body)
    if len(items) == 1 and str(items[0][0]) == "BRANCH":
        for branch in items[0][1][1]:
            yield _flatten(list(branch))
    else:
        yield items


def _flatten(items: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Groups that are plain sequences spliced in: `((a+))` reads as `a+`."""
    out: list[tuple[Any, Any]] = []
    for op, av in items:
        if str(op) == "SUBPATTERN":
            out.extend(_flatten(list(av[-1])))
        else:
            out.append((op, av))
    return out


def _ambiguous(body: list[tuple[Any, Any]]) -> bool:
    """Whether an unbounded repeat in `body` can also match every other item of it."""
    for index, (op, av) in enumerate(body):
        if str(op) not in _REPEATS or av[1] != _c.MAXREPEAT:
            continue
        swallowed = _chars(list(av[2]))
        rest = body[:index] + body[index + 1 :]
        if all(_empty_ok(item) or _chars([item]) <= swallowed for item in rest):
            return True
    return False


def _overlapping(branches: list[list[tuple[Any, Any]]]) -> bool:
    """Whether two alternatives of at most one character each can match the same character:
    `(a|a)+`, `(?:x|x?)*` (re tries every way of splitting the text between them)."""
    short = [b for b in branches if _one_char(b)]
    sets = [_chars(b) for b in short]
    if any(sets[i] & sets[j] for i in range(len(sets)) for j in range(i + 1, len(sets))):
        return True
    # re factors a common prefix out: `(a|a)` reads `a(?:|)`, two ways of matching nothing.
    return any(
        str(op) == "BRANCH" and sum(all(_empty_ok(i) for i in alt) for alt in av[1]) > 1
        for branch in branches
        for op, av in branch
    )


def _one_char(branch: list[tuple[Any, Any]]) -> bool:
    """Whether an alternative consumes at most one character."""
    consuming = [item for item in branch if str(item[0]) not in _ZERO_WIDTH]
    return len(consuming) <= 1 and all(_single(item) for item in consuming)


def _single(item: tuple[Any, Any]) -> bool:
    """Whether the item consumes at most one character."""
    op, av = item
    name = str(op)
    if name in ("LITERAL", "NOT_LITERAL", "IN", "CATEGORY", "ANY") or name in _ZERO_WIDTH:
        return True
    if name in _REPEATS:
        return bool(av[1] <= 1) and all(_single(i) for i in av[2])
    return False


def _empty_ok(item: tuple[Any, Any]) -> bool:
    op, av = item
    name = str(op)
    if name in _ZERO_WIDTH:
        return True
    if name in _REPEATS:
        return bool(av[0] == 0) or all(_empty_ok(i) for i in av[2])
    if name == "SUBPATTERN":
        return all(_empty_ok(i) for i in av[-1])
    if name == "BRANCH":
        return any(all(_empty_ok(i) for i in b) for b in av[1])
    return False


def _chars(items: list[tuple[Any, Any]]) -> frozenset[int]:
    """Every character (of `_UNIVERSE`) the items can consume; unknown constructs: all."""
    out: set[int] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.add(av)
        elif name == "NOT_LITERAL":
            out |= _UNIVERSE - {av}
        elif name == "IN":
            out |= _in(av)
        elif name == "CATEGORY":
            out |= _category(str(av))
        elif name in _REPEATS:
            out |= _chars(list(av[2]))
        elif name == "SUBPATTERN":
            out |= _chars(list(av[-1]))
        elif name == "BRANCH":
            for branch in av[1]:
                out |= _chars(list(branch))
        elif name in _ZERO_WIDTH:
            continue
        else:  # ANY, GROUPREF, anything new: could be anything
            return _UNIVERSE
    return frozenset(out)


def _in(members: list[tuple[Any, Any]]) -> set[int]:
    out: set[int] = set()
    negate = False
    for op, av in members:
        name = str(op)
        if name == "NEGATE":
            negate = True
        elif name == "LITERAL":
            out.add(av)
        elif name == "RANGE":
            out |= {c for c in _UNIVERSE if av[0] <= c <= av[1]}
        elif name == "CATEGORY":
            out |= _category(str(av))
        else:
            return set(_UNIVERSE)
    return set(_UNIVERSE - out) if negate else out


def _category(name: str) -> set[int]:
    kind = name.removeprefix("CATEGORY_").removeprefix("UNI_")
    negate = kind.startswith("NOT_")
    kind = kind.removeprefix("NOT_")
    tests: dict[str, Callable[[str], bool]] = {
        "DIGIT": str.isdigit,
        "SPACE": str.isspace,
        "WORD": lambda s: s.isalnum() or s == "_",
    }
    test = tests.get(kind)
    if test is None:
        return set(_UNIVERSE)
    chosen = {c for c in _UNIVERSE if test(chr(c))}
    return set(_UNIVERSE - chosen) if negate else chosen
