"""The documentation stays true: the code page is generated, every configuration key is
documented with its default, whole-config YAML examples load, relative links resolve."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from support import load_script

from linkcheck import config as config_module
from linkcheck.cli import build_parser
from linkcheck.config import Counterpart, Defaults, Settings, Site, load_config
from linkcheck.findings import CATALOGUE

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = [*sorted(DOCS.glob("*.md")), ROOT / "README.md", ROOT / "CONTRIBUTING.md",
         ROOT / "CHANGELOG.md"]  # fmt: skip


def test_codes_page_is_generated_from_the_current_catalogue() -> None:
    expected = load_script("scripts/gen_docs.py").render()
    current = (DOCS / "codes.md").read_text(encoding="utf-8")
    assert current == expected, "docs/codes.md is out of date: run `python scripts/gen_docs.py`"


def test_codes_page_has_a_section_for_every_code() -> None:
    text = (DOCS / "codes.md").read_text(encoding="utf-8")
    for code, info in CATALOGUE.items():
        assert f"### {code}: {info.title}" in text
        assert info.help in text


def test_gen_docs_check_mode_passes_on_a_current_page() -> None:
    assert load_script("scripts/gen_docs.py").main(["--check"]) == 0


# --------------------------------------------------------------------------- config.md


def _table_rows(text: str) -> dict[str, str]:
    """`key` → its table row, for rows whose first cell is a code-formatted key."""
    rows: dict[str, str] = {}
    for line in text.splitlines():
        match = re.match(r"\|\s*`([\w.]+)`\s*\|", line)
        if match:
            rows.setdefault(match.group(1), line)
    return rows


CONFIG_MD = (DOCS / "config.md").read_text(encoding="utf-8")
ROWS = _table_rows(CONFIG_MD)


def _default_text(value: object) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if value is None:
        return "none"
    if isinstance(value, (frozenset, tuple)):
        return "[]"
    if isinstance(value, Mapping):
        return "{}"
    return str(value)


@pytest.mark.parametrize("key", config_module._SETTINGS_KEYS)
def test_every_setting_is_documented_with_its_default(key: str) -> None:
    """Every key the loader reads under `settings:` has a row showing Settings' default."""
    assert key in ROWS, f"settings.{key} is missing from docs/config.md"
    default = getattr(Settings(), key)
    assert f"`{_default_text(default)}`" in ROWS[key] or (
        default is None and "none" in ROWS[key]
    ), ROWS[key]


@pytest.mark.parametrize(
    "key",
    [f.name for f in dataclasses.fields(Site) if f.name not in ("name", "position")]
    + [f.name for f in dataclasses.fields(Counterpart)]
    + ["pattern.match", "pattern.legacy"]
    + [f.name for f in dataclasses.fields(Defaults)]
    + list(config_module._RULE_KEYS)
    + list(config_module._TOP_KEYS)
    + ["code", "url", "until", "why"],
)
def test_every_configuration_key_is_documented(key: str) -> None:
    assert key in ROWS, f"`{key}` has no row in docs/config.md"


def _yaml_blocks(text: str) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_whole_configuration_examples_load_without_problems(page: Path, tmp_path: Path) -> None:
    for block in _yaml_blocks(page.read_text(encoding="utf-8")):
        if not block.lstrip().startswith("version: 1") or "include:" in block:
            continue
        path = tmp_path / "example.yaml"
        path.write_text(block, encoding="utf-8")
        assert [p.message for p in load_config(path).problems] == [], block


# --------------------------------------------------------------------------- links, CLI


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_relative_links_resolve(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        file, _, anchor = target.partition("#")
        linked = (page.parent / file).resolve()
        assert linked.exists(), f"{page.name}: broken link {target}"
        if anchor and linked.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", linked.read_text(encoding="utf-8"), re.M)
            anchors = {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}
            assert anchor in anchors, f"{page.name}: no heading for #{anchor} in {file}"


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return sorted(sub.choices)  # type: ignore[arg-type]


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_getting_started_or_recipes_and_shows_an_example(
    command: str,
) -> None:
    docs = (DOCS / "getting-started.md").read_text(encoding="utf-8") + (
        DOCS / "recipes.md"
    ).read_text(encoding="utf-8")
    assert f"linkcheck {command}" in docs
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    help_text = sub.choices[command].format_help()  # type: ignore[index]
    assert f"linkcheck {command}" in help_text.split("example", 1)[-1]


def test_changelog_has_an_unreleased_section() -> None:
    assert "## [Unreleased]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")


def test_nginx_guide_names_both_generated_files() -> None:
    text = (DOCS / "nginx.md").read_text(encoding="utf-8")
    assert "linkcheck.server.conf" in text and "http { }" in text and "server { }" in text
