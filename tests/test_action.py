"""The composite GitHub Action (action.yml), run locally step by step.

The `run:` steps are executed with bash exactly as written, with the GitHub context they
read (`GITHUB_ACTION_PATH`, `GITHUB_OUTPUT`, `GITHUB_STEP_SUMMARY`, inputs through `env:`);
the `uses:` steps (setup-python, upload-artifact) are not run, only checked: what they would
upload must exist. linkcheck is installed from a copy of this checkout into a fresh virtual
environment, as the action installs it from its own path (offline: pip sees this
environment's packages, including the build backend), and checks a tiny site served by
aiohttp on 127.0.0.1: the built-in demo sites once they are in the package, until then a
tiny site with one broken link.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import re
import shutil
import sys
import sysconfig
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
ACTION = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def _evaluate(text: str, inputs: Mapping[str, str], outputs: Mapping[str, dict[str, str]]) -> str:
    def value(match: re.Match[str]) -> str:
        expression = match.group(1)
        kind, _, rest = expression.partition(".")
        if kind == "inputs":
            return inputs[rest]
        step, _, output = rest.partition(".outputs.")
        if kind == "steps" and output:
            return outputs.get(step, {}).get(output, "")
        raise AssertionError(f"expression the local runner does not know: {expression}")

    return _EXPRESSION.sub(value, text)


def _defaults(**overrides: str) -> dict[str, str]:
    inputs = {name: str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    inputs.update(overrides)
    return inputs


class TestActionFile:
    """The action's shape: inputs, the two `uses:` steps, no input pasted into a script."""

    def test_inputs_have_the_documented_names_and_defaults(self) -> None:
        assert _defaults()["config"] == "redirects.yaml"
        assert _defaults()["fail-on"] == "error"
        assert _defaults()["output"] == "reports"
        assert ACTION["runs"]["using"] == "composite"

    def test_only_setup_python_and_upload_artifact_are_used(self) -> None:
        uses = [step["uses"].split("@")[0] for step in STEPS if "uses" in step]
        assert uses == ["actions/setup-python", "actions/upload-artifact"]
        upload = next(s for s in STEPS if s.get("uses", "").startswith("actions/upload-artifact"))
        assert upload["with"]["path"] == "${{ inputs.output }}"
        assert upload["if"] == "always()"

    def test_no_expression_is_pasted_into_a_script(self) -> None:
        """Inputs reach bash through env only: `${{ }}` inside `run:` could inject commands."""
        for step in STEPS:
            assert "${{" not in step.get("run", ""), step["name"]


async def _run_steps(
    inputs: Mapping[str, str], workspace: Path, path_prefix: Path, action_path: Path
) -> tuple[list[tuple[str, int, str]], dict[str, dict[str, str]], Path]:
    """Run the `run:` steps like GitHub does; return (name, code, output) per step run."""
    github_output = workspace / "github_output"
    summary = workspace / "step_summary.md"
    summary.write_text("", encoding="utf-8")
    outputs: dict[str, dict[str, str]] = {}
    results: list[tuple[str, int, str]] = []
    failed = False
    for step in STEPS:
        condition = step.get("if", "success()")
        if (condition == "success()" and failed) or "uses" in step:
            continue
        assert step["shell"] == "bash"
        github_output.write_text("", encoding="utf-8")
        env = dict(os.environ)
        env.pop("CI", None)
        # pip stays offline: dependencies and the build backend come from this environment
        # (tests reach 127.0.0.1 only); the command is the action's, unchanged.
        env.update(PIP_NO_INDEX="1", PIP_NO_BUILD_ISOLATION="0", PIP_FIND_LINKS="")
        env.update(
            PATH=f"{path_prefix}{os.pathsep}{env.get('PATH', '')}",
            GITHUB_ACTION_PATH=str(action_path),
            GITHUB_OUTPUT=str(github_output),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_WORKSPACE=str(workspace),
        )
        env.update({k: _evaluate(str(v), inputs, outputs) for k, v in step.get("env", {}).items()})
        process = await asyncio.create_subprocess_exec(
            "bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"],
            cwd=workspace, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        out, _ = await process.communicate()
        code = process.returncode
        assert code is not None
        results.append((step["name"], code, out.decode(errors="replace")))
        if "id" in step:
            lines = github_output.read_text(encoding="utf-8").splitlines()
            outputs[step["id"]] = dict(line.split("=", 1) for line in lines if "=" in line)
        failed = failed or code != 0
    return results, outputs, summary


def _fresh_venv(tmp_path: Path) -> Path:
    """A new virtual environment that sees this one's dependencies (no download of them)."""
    import venv

    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(target)
    purelib = Path(
        sysconfig.get_path("purelib", vars={"base": str(target), "platbase": str(target)})
    )
    (purelib / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n", encoding="utf-8")
    return target / ("Scripts" if sys.platform == "win32" else "bin")


def _copy_checkout(tmp_path: Path) -> Path:
    """The action's own path, as GitHub checks it out (without venvs, caches, reports)."""
    target = tmp_path / "action"
    shutil.copytree(
        ROOT,
        target,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "__pycache__", "*.egg-info", ".mypy_cache", ".ruff_cache",
            ".pytest_cache", "reports", "build", "dist", "test-artifacts", "benchmarks",
        ),
    )  # fmt: skip
    return target


def _site() -> web.Application:
    async def home(request: web.Request) -> web.Response:
        body = '<html><body><a href="/en/a">a</a> <a href="/en/missing">gone</a></body></html>'
        return web.Response(text=body, content_type="text/html")

    async def page(request: web.Request) -> web.Response:
        return web.Response(
            text="<html><title>A</title><body>A</body></html>", content_type="text/html"
        )

    app = web.Application()
    app.router.add_get("/en/", home)
    app.router.add_get("/en/a", page)
    return app


@contextlib.asynccontextmanager
async def _target_site(workspace: Path, aiohttp_server: Any) -> AsyncIterator[str]:
    """The built-in demo sites and their config when they exist, else a tiny local site.

    Either has planted errors, so the check must exit 1. Yields the config's file name.
    """
    try:
        demo_sites = importlib.import_module("linkcheck.demo.sites")
        demo_runner = importlib.import_module("linkcheck.demo.runner")
    except ImportError:  # the demo (issue of engineer B) has not landed yet
        server = await aiohttp_server(_site())
        (workspace / "site.yaml").write_text(
            f"version: 1\nsites:\n  en: {{new: 'http://127.0.0.1:{server.port}/en/'}}\n",
            encoding="utf-8",
        )
        yield "site.yaml"
        return
    async with demo_sites.serve() as ports:
        yield demo_runner.write_config(ports, workspace).name


@pytest.mark.timeout(300)
async def test_the_action_steps_install_check_summarise_and_fail_on_findings(
    tmp_path: Path, aiohttp_server: Any
) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    bin_dir = _fresh_venv(tmp_path)
    async with _target_site(workspace, aiohttp_server) as config:
        inputs = _defaults(config=config, output="out/report")
        results, outputs, summary = await _run_steps(
            inputs, workspace, bin_dir, _copy_checkout(tmp_path)
        )
    names = [name for name, _, _ in results]
    install = results[0]
    assert install[:2] == ("Install linkcheck", 0), install[2]
    assert (bin_dir / "linkcheck").exists()
    code = int(outputs["check"]["exit-code"])
    # The failing exit code is kept until the report is summarised (and uploaded).
    assert names == ["Install linkcheck", "Run linkcheck check", "Write the job summary",
                     "Fail on findings"]  # fmt: skip
    assert results[1][1] == 0
    assert results[-1][1] == code
    report = workspace / "out" / "report"
    if code == 2 and "not available in this build" in results[1][2]:
        assert "wrote no summary.md" in summary.read_text(encoding="utf-8")
        pytest.xfail("`linkcheck check` has not landed on this branch yet (git merge main)")
    assert code == 1, results[1][2]  # the planted broken link is an error
    assert (report / "report.json").exists()  # what upload-artifact would take
    assert '"severity": "error"' in (report / "report.json").read_text(encoding="utf-8")
    if not (report / "summary.md").exists():
        assert "wrote no summary.md" in summary.read_text(encoding="utf-8")
        pytest.xfail("the summary.md writer (report issue) has not landed yet (git merge main)")
    assert summary.read_text(encoding="utf-8") == (report / "summary.md").read_text(
        encoding="utf-8"
    )
