"""What `linkcheck demo` needs besides the check itself: servers, config, verdict.

The demo servers run in a background thread with their own event loop, so the check runs
exactly as `linkcheck check` does (same orchestrator, progress, signals, summary). The
config is the packaged `demo.yaml` with the fixed ports rewritten to the free ones bound.
The verdict compares what the check found to `planted.EXPECTED`: the demo passes only when
they are equal, which makes it a self-test of the whole pipeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from linkcheck.demo.planted import EXPECTED, PLANTED
from linkcheck.demo.sites import FIXED_PORTS, HOST, Ports, serve
from linkcheck.findings import Finding
from linkcheck.urls import decoded_path

__all__ = ["Verdict", "config_text", "expected", "served_in_thread", "verdict", "write_config"]


def template() -> str:
    """The packaged demo config (the same text as the top-level `redirects.yaml`)."""
    return resources.files("linkcheck.demo").joinpath("demo.yaml").read_text(encoding="utf-8")


def config_text(ports: Ports) -> str:
    """The demo config with the fixed ports replaced by `ports`."""
    text = template()
    for code in ("en", "fr", "el", "old"):
        text = text.replace(f"{HOST}:{FIXED_PORTS.of(code)}", f"{HOST}:{ports.of(code)}")
    return text


def write_config(ports: Ports, folder: Path) -> Path:
    """Write the demo config for `ports` into `folder`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "demo-redirects.yaml"
    path.write_text(config_text(ports), encoding="utf-8")
    return path


@contextlib.contextmanager
def served_in_thread(ports: Ports | None = None, *, timeout: float = 10.0) -> Iterator[Ports]:
    """Serve the demo sites from a background thread; yields their ports.

    Raises OSError if the servers cannot start (a fixed port taken).
    """
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    started: list[Ports] = []
    failed: list[BaseException] = []
    stop: asyncio.Event | None = None

    async def main() -> None:
        nonlocal stop
        stop = asyncio.Event()
        try:
            async with serve(ports) as actual:
                started.append(actual)
                ready.set()
                await stop.wait()
        except BaseException as exc:  # reported to the caller's thread
            failed.append(exc)
            ready.set()

    thread = threading.Thread(
        target=loop.run_until_complete, args=(main(),), name="linkcheck-demo", daemon=True
    )
    thread.start()
    try:
        if not ready.wait(timeout):
            raise OSError("the demo servers did not start in time")
        if failed:
            raise failed[0]
        yield started[0]
    finally:
        if stop is not None and loop.is_running():
            loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
        loop.close()


@dataclass(frozen=True, slots=True)
class Verdict:
    """Found versus planted, as (code, decoded path) pairs."""

    found: frozenset[tuple[str, str]]
    expected: frozenset[tuple[str, str]]
    missing: frozenset[tuple[str, str]]
    unexpected: frozenset[tuple[str, str]]

    @property
    def passed(self) -> bool:
        return not self.missing and not self.unexpected

    def lines(self) -> list[str]:
        """What to print: one line when it passed, the differences otherwise."""
        if self.passed:
            return [f"demo: found exactly the {len(self.expected)} planted problems"]
        out = [
            f"demo: FAILED: {len(self.missing)} planted problems missed, "
            f"{len(self.unexpected)} unexpected findings"
        ]
        what = {(p.code, p.path): p.what for p in PLANTED}
        out += [f"  missed      {c} {p}  ({what[c, p]})" for c, p in sorted(self.missing)]
        out += [f"  unexpected  {c} {p}" for c, p in sorted(self.unexpected)]
        return out


def expected(sites: Iterable[str] = ()) -> frozenset[tuple[str, str]]:
    """The planted problems of the selected demo sites (all of them by default)."""
    prefixes = tuple(f"/{name}/" for name in sites)
    if not prefixes:
        return EXPECTED
    return frozenset(item for item in EXPECTED if item[1].startswith(prefixes))


def verdict(findings: Iterable[Finding], sites: Iterable[str] = ()) -> Verdict:
    """Compare the findings of a demo run with the planted problems of the sites checked."""
    wanted = expected(sites)
    found = frozenset((f.code, decoded_path(f.url)) for f in findings)
    return Verdict(found, wanted, wanted - found, found - wanted)
