"""The benchmark site generator is deterministic and plants exactly what its manifest says."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from support import load_script

ROOT = Path(__file__).resolve().parent.parent


gensite = load_script("benchmarks/gensite.py")
N = 90


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _file(site: Path, url_path: str) -> Path:
    path = unquote(url_path.partition("#")[0])
    file = site / path.lstrip("/")
    return file / "index.html" if path.endswith("/") else file


def _hrefs(site: Path, page: Path) -> list[str]:
    """Every href/src of a page, decoded and resolved against the page's own path."""
    text = page.read_text(encoding="utf-8")
    folder = "/" + str(page.parent.relative_to(site))
    out = []
    for value in re.findall(r'(?:href|src)="([^"]+)"', text):
        value = unquote(value)
        out.append(value if value.startswith("/") else f"{folder}/{value}")
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("gensite") / "site"
    return out, gensite.generate(out, N, seed=3)


def test_same_seed_gives_identical_files(
    site: tuple[Path, dict[str, object]], tmp_path: Path
) -> None:
    again = tmp_path / "again"
    gensite.generate(again, N, seed=3)
    assert _digest(site[0]) == _digest(again)


def test_other_seed_gives_other_site(site: tuple[Path, dict[str, object]], tmp_path: Path) -> None:
    other = tmp_path / "other"
    gensite.generate(other, N, seed=4)
    assert _digest(site[0]) != _digest(other)


def test_every_listed_page_exists_including_greek_paths(
    site: tuple[Path, dict[str, object]],
) -> None:
    folder, manifest = site
    pages = manifest["pages"]
    assert isinstance(pages, list) and len(pages) == N + 4
    assert all(_file(folder, p).is_file() for p in pages)
    assert any(unquote(p).startswith("/el/άρθρα/") for p in pages)


def test_planted_broken_targets_are_missing_and_linked_from_their_sources(
    site: tuple[Path, dict[str, object]],
) -> None:
    folder, manifest = site
    broken = manifest["broken"]
    assert isinstance(broken, list) and broken
    assert {b["kind"] for b in broken} == {"page", "image"}
    for entry in broken:
        assert not _file(folder, entry["url"]).exists()
        for source in entry["sources"]:
            assert unquote(entry["url"]) in _hrefs(folder, _file(folder, source))


def test_no_unplanted_link_is_broken(site: tuple[Path, dict[str, object]]) -> None:
    folder, manifest = site
    broken = manifest["broken"]
    assert isinstance(broken, list)
    planted = {unquote(b["url"]) for b in broken}
    missing = set()
    for page in folder.rglob("*.html"):
        for target in _hrefs(folder, page):
            if not _file(folder, target).exists():
                missing.add(target.partition("#")[0])
    assert missing == planted


def test_planted_fragments_point_at_pages_without_that_id(
    site: tuple[Path, dict[str, object]],
) -> None:
    folder, manifest = site
    fragments = manifest["missing_fragments"]
    assert isinstance(fragments, list) and fragments
    for entry in fragments:
        target, _, fragment = entry["url"].partition("#")
        text = _file(folder, target).read_text(encoding="utf-8")
        assert 'id="s1"' in text
        assert f'id="{fragment}"' not in text
