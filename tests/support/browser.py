"""Real headless Chromium for the report tests (Debian's `chromium`, driven by Playwright).

Never `playwright install`: the browser is the system one (`executable_path`), installed by
apt in CI; missing locally, the tests skip (see `require_binary`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support import require_binary

LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@dataclass
class PageEvents:
    """What the page did that a test must see: dialogs opened, requests made, script errors."""

    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


@contextmanager
def chromium() -> Iterator[Any]:
    """A launched Chromium browser (Playwright sync API)."""
    executable = require_binary("chromium", "/usr/bin/chromium", "chromium-browser")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def open_report(browser: Any, path: Path) -> tuple[Any, PageEvents]:
    """Open a report file in a fresh page, recording dialogs and errors, ready to use."""
    events = PageEvents()
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()

    def on_dialog(dialog: Any) -> None:
        events.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda request: events.requests.append(request.url))
    page.on("pageerror", lambda exc: events.errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: events.console_errors.append(msg.text) if msg.type == "error" else None,
    )
    page.goto(path.resolve().as_uri())
    page.wait_for_selector("body[data-ready='1']", timeout=30_000)
    return page, events


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under test-artifacts/ (kept by CI, ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    return path
