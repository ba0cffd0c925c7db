"""cli.py keeps its imports light (no YAML, no aiohttp for `--help` or `explain`), so it
spells some lists that other modules own; these tests keep each copy equal to its home.
And its console entry ends the process itself: with main's code and all its output."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

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


@pytest.mark.parametrize(
    ("args", "code", "stream", "text"),
    [
        (["explain", "C100"], 0, "stdout", "C100"),
        (["check", "/nonexistent/linkcheck.yaml"], 2, "stderr", "cannot read the configuration"),
    ],
)
def test_the_command_line_process_ends_with_its_code_and_all_its_output(
    tmp_path: Path, args: list[str], code: int, stream: str, text: str
) -> None:
    """The console entry ends the process at once (no interpreter teardown): nothing it
    printed into a pipe is lost, and the exit code is main's."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == code
    assert text in getattr(done, stream)
