"""cli.py keeps its imports light (no YAML, no aiohttp for `--help` or `explain`), so it
spells some lists that other modules own; these tests keep each copy equal to its home."""

from __future__ import annotations

import argparse

from linkcheck import cli
from linkcheck.redirects import formats
from linkcheck.report.writers import FILE_NAMES


def _choices(command: str, option: str) -> tuple[str, ...]:
    parser = cli.build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    sub = commands.choices[command]
    action = next(a for a in sub._actions if option in a.option_strings)
    assert action.choices is not None
    return tuple(action.choices)


def test_report_formats_are_the_writers_formats() -> None:
    assert set(cli.ALL_FORMATS) == set(FILE_NAMES)
    assert set(cli.DEFAULT_FORMATS) <= set(FILE_NAMES)


def test_import_and_export_formats_are_the_converters_formats() -> None:
    assert set(_choices("import", "--format")) == set(formats.IMPORT_FORMATS)
    assert set(_choices("export", "--format")) == set(formats.EXPORT_FORMATS)
