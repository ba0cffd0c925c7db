"""Helpers shared by the tests: real components, skipped locally and required in CI."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path
from types import ModuleType

import pytest

IN_CI = bool(os.environ.get("CI"))
ROOT = Path(__file__).resolve().parents[2]
"""The project's folder (benchmarks/ and scripts/ are not packages: see `load_script`)."""


def load_script(relative: str) -> ModuleType:
    """A script of the project (`benchmarks/gensite.py`, `scripts/gen_docs.py`) as a module,
    registered under its file name so that its dataclasses and pickles find it."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def require_binary(name: str, *candidates: str) -> str:
    """The path of a real program the test drives (nginx, chromium).

    Missing locally: the test skips with the reason. Missing in CI (CI set): the test fails,
    because `.ci/run` installs these and a silent skip would hide a broken install.
    """
    for candidate in (name, *candidates):
        path = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
        if path:
            return path
    message = f"{name} is not installed (CI installs it with apt-get; run `make test` with CI=true)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)
