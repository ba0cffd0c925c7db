"""Helpers shared by the tests: real components, skipped locally and required in CI."""

from __future__ import annotations

import os
import shutil

import pytest

IN_CI = bool(os.environ.get("CI"))


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
