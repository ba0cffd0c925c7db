"""The orchestrator: config → validate → crawl → pair → verify → report.

Each stage is called only through its agreed name; analysis stays in the stage modules and
this module only wires them, applies the user's policy (`ignore`, `severity`, `accept`) and
builds the `Report`. SIGINT/SIGTERM cancel the network stages; the reports are then written
from what was collected, marked partial, and the exit code is 130 / 143.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkcheck import __version__
from linkcheck.accept import apply_policy
from linkcheck.checks import link_findings
from linkcheck.cli import DEFAULT_FORMATS, EXIT_FINDINGS, EXIT_OK, EXIT_SIGINT, EXIT_SIGTERM
from linkcheck.config import Config, Settings, load_config
from linkcheck.crawl import CrawlProgress, CrawlResult, crawl
from linkcheck.errors import ConfigError
from linkcheck.findings import Finding
from linkcheck.journal import DEFAULT_TTL
from linkcheck.offload import Child, FetchService, FetchSpec, JournalSpec
from linkcheck.pairing import pair_site
from linkcheck.redirects.nginx import rejected_rules, static_findings
from linkcheck.redirects.verify import redirect_records, verify_redirects
from linkcheck.report import PairRecord, RedirectRecord, Report
from linkcheck.report.sites import site_summaries
from linkcheck.report.stats import response_stats
from linkcheck.report.writers import write_reports
from linkcheck.robots import robots_exempt
from linkcheck.store import state_path, with_history
from linkcheck.urls import HostScope, scope_host

if TYPE_CHECKING:  # the Fetcher (and aiohttp) live in the fetch process
    from linkcheck.fetch import FetchClient

__all__ = [
    "EXIT_FINDINGS",
    "EXIT_OK",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "RunOptions",
    "RunOutcome",
    "apply_policy",
    "build_report",
    "check",
    "run_check",
]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """What `linkcheck check` was asked to do (CLI options, already parsed)."""

    config: str
    output: Path = Path("reports")
    formats: tuple[str, ...] = DEFAULT_FORMATS
    fail_on: str = "error"
    offline: bool = False
    sites: tuple[str, ...] = ()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    """Settings given on the command line (max_pages, concurrency, per_host, rate, ...), by
    their `Settings` field names; None means not given."""
    remap: tuple[tuple[str, str], ...] = ()
    resume: bool = False
    """Continue the interrupted run of this config from the journal (no refetching)."""
    cache: bool = True
    """Reuse recent answers of earlier runs and revalidate older ones (`--no-cache`: off)."""
    progress: Callable[[CrawlProgress], None] | None = None
    today: dt.date | None = None
    state: str | None = None
    """`--state FILE`: the SQLite history (default: linkcheck.sqlite in the output folder)."""
    history: bool = True
    """Compare with the previous run and record this one (new/fixed findings)."""
    fetch_process: bool = True
    """Fetch in a second process (offload.py), so that parsing and fetching use two cores."""
    fetch_child: Child | None = None
    """That process, started early by the caller (`offload.start_child`), who ends it
    (`Child.abandon`) after the run: the run returns once it has the child's counts, and the
    child finishes its journal meanwhile."""


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """The run's report, the files written and the exit code."""

    report: Report
    paths: tuple[Path, ...]
    exit_code: int
    interrupted: str | None = None


@dataclass(slots=True)
class _Collected:
    """What the stages produced so far; an interrupted run reports exactly this."""

    config: Config
    crawl: CrawlResult = field(default_factory=CrawlResult)
    findings: list[Finding] = field(default_factory=list)
    pairs: list[PairRecord] = field(default_factory=list)
    redirects: list[RedirectRecord] = field(default_factory=list)
    requests: int = 0
    replayed: int = 0


def check(options: RunOptions) -> RunOutcome:
    """Run `linkcheck check` to the end (or to an interrupt); raises ConfigError if unusable."""
    return asyncio.run(run_check(options))


async def run_check(options: RunOptions) -> RunOutcome:
    """The async body of `check`, with SIGINT/SIGTERM turned into a partial report."""
    started = _now()
    config = _prepared_config(options)
    collected = _Collected(config)
    interrupted: str | None = None
    loop = asyncio.get_running_loop()
    pipeline = asyncio.create_task(_pipeline(options, collected))
    received: list[signal.Signals] = []

    def on_signal(signum: signal.Signals) -> None:
        received.append(signum)
        pipeline.cancel()

    installed = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
            installed.append(signum)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread
            pass
    failure: str | None = None
    try:
        await pipeline
    except asyncio.CancelledError:
        if not received:
            raise
        interrupted = received[0].name
    except Exception as exc:  # a bug in a stage: keep what was collected, say so, fail
        failure = f"{type(exc).__name__}: {exc}"
        print(
            f"linkcheck: internal error, the report is partial ({failure}); please report it",
            file=sys.stderr,
        )
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
    report = build_report(
        collected,
        options,
        started=started,
        partial=interrupted is not None or failure is not None,
        failure=failure,
    )
    if options.history:
        report = with_history(report, state_path(options.output, options.state))
    paths = write_reports(report, options.output, options.formats)
    if interrupted is not None:
        code = EXIT_SIGTERM if interrupted == "SIGTERM" else EXIT_SIGINT
    elif failure is not None:
        code = EXIT_FINDINGS  # never a green run when a stage failed
    else:
        code = EXIT_FINDINGS if report.failed() else EXIT_OK
    return RunOutcome(report, tuple(paths), code, interrupted)


def _prepared_config(options: RunOptions) -> Config:
    config = load_config(options.config)
    unknown = [name for name in options.sites if name not in {s.name for s in config.sites}]
    if unknown:
        known = ", ".join(s.name for s in config.sites) or "none"
        raise ConfigError(
            f"{options.config}: no site named {', '.join(map(repr, unknown))} (sites: {known})"
        )
    settings = _overridden(config.settings, options.overrides)
    return replace(config, settings=settings)


def _overridden(settings: Settings, overrides: Mapping[str, Any]) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    return replace(settings, **values) if values else settings


async def _pipeline(options: RunOptions, collected: _Collected) -> None:
    config = collected.config
    collected.findings.extend(static_findings(config))
    if options.offline:
        collected.redirects.extend(
            redirect_records(config, rejected_rules(config, collected.findings))
        )
        return
    spec = FetchSpec(
        config.settings,
        remap=options.remap,
        robots=True,
        robots_exempt=frozenset(robots_exempt(config)),
        allowed=fetch_scope(config),
        journal=JournalSpec(
            state_path(options.output, options.state),
            str(Path(config.path).resolve()),
            resume=options.resume,
            ttl=DEFAULT_TTL if options.cache else None,
        ),
    )
    fetcher = FetchService(spec, separate=options.fetch_process, child=options.fetch_child)
    try:
        async with fetcher:
            await crawl(
                config,
                fetcher,
                sites=options.sites or None,
                progress=options.progress,
                result=collected.crawl,
            )
            await _pair(config, options, collected, fetcher)
            seen = [*collected.crawl.responses, *collected.crawl.links]
            invalid = rejected_rules(config, collected.findings)
            records, found = await verify_redirects(config, fetcher, seen, invalid=invalid)
            collected.redirects.extend(records)
            collected.findings.extend(found)
            fetcher.complete()
    finally:
        collected.requests = fetcher.requests
        collected.replayed = fetcher.replayed


def fetch_scope(config: Config) -> HostScope | None:
    """Where a redirect may lead the Fetcher (DESIGN.md §8): the hosts of the sites (`new`,
    `legacy`, seeds, an absolute `pattern.legacy`), `defaults.origin` and the hosts the
    redirect map declares (its sources and targets: verifying them is asked for). Any host
    with `check_external` (None). Hosts, not origins: another port or scheme of a configured
    host is the same site.
    """
    if config.settings.check_external:
        return None
    hosts: set[str] = set()
    for site in config.sites:
        pattern = site.counterpart.pattern if site.counterpart is not None else None
        for url in (site.new, site.legacy, *site.seeds, pattern.legacy if pattern else None):
            hosts.add(scope_host(url))
    hosts.add(scope_host(config.defaults.origin))
    for rule in config.rules:
        hosts.add(scope_host(rule.from_url))
        hosts.add(scope_host(rule.to_url or rule.target))
    hosts.discard("")
    return HostScope(frozenset(hosts))


async def _pair(
    config: Config, options: RunOptions, collected: _Collected, fetcher: FetchClient
) -> None:
    """Pair the upgraded pages of every selected pairing site (sites run concurrently)."""
    chosen = [
        site
        for site in config.sites
        if site.pairs and (not options.sites or site.name in options.sites)
    ]
    results = await asyncio.gather(
        *(pair_site(site, collected.crawl.pages.get(site.name, []), fetcher) for site in chosen)
    )
    for records, findings in results:
        collected.pairs.extend(records)
        collected.findings.extend(findings)


def build_report(
    collected: _Collected,
    options: RunOptions,
    *,
    started: str,
    partial: bool,
    failure: str | None = None,
) -> Report:
    """The Report of what was collected: link findings computed, policy applied, sorted."""
    config = collected.config
    result = collected.crawl
    findings = list(collected.findings)
    if not options.offline:
        findings.extend(link_findings(result))
    findings = apply_policy(findings, config.settings, options.today or dt.date.today())
    findings.sort(key=lambda f: (-f.severity.rank, f.code, f.url))
    # Distinct link targets checked: a seed nothing links to is fetched, but is no link.
    links = sum(1 for url, t in result.links.items() if t.count and url in result.responses)
    elapsed = result.elapsed
    # Every map entry is listed even when verification did not run to the end (interrupt,
    # failure): unchecked ones with live null, as offline.
    redirects = collected.redirects or redirect_records(
        config, rejected_rules(config, collected.findings)
    )
    return Report(
        version=__version__,
        started=started,
        finished=_now(),
        config=config.path,
        partial=partial or result.partial,
        pages=result.page_count,
        links=links,
        findings=tuple(findings),
        pairs=tuple(collected.pairs),
        redirects=tuple(redirects),
        sites=site_summaries(
            [s for s in config.sites if not options.sites or s.name in options.sites],
            collected.pairs,
            redirects,
            pages={name: len(pages) for name, pages in result.pages.items()},
            links=_links_per_site(result),
        ),
        fail_on=options.fail_on,
        stats={
            "crawl_seconds": round(elapsed, 3),
            "pages_per_second": round(result.page_count / elapsed, 1) if elapsed else None,
            "requests": collected.requests,
            "replayed": collected.replayed,
            "offline": options.offline,
            **response_stats(result.responses.values()),
            **({"internal_error": failure} if failure else {}),
        },
    )


def _links_per_site(result: CrawlResult) -> dict[str, int]:
    """Distinct checked link targets per site of the pages linking them."""
    page_site = {page.url: name for name, pages in result.pages.items() for page in pages}
    counts: dict[str, int] = {}
    for url, target in result.links.items():
        if url not in result.responses:
            continue
        for name in {page_site[s] for s in target.sources if s in page_site}:
            counts[name] = counts.get(name, 0) + 1
    return counts


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
