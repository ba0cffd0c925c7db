"""The command line: arguments, exit codes, output. Glue only; no analysis here.

Exit codes (DESIGN.md §2): 0 no finding at or above `--fail-on`; 1 such findings; 2 usage or
configuration error that stops the run; 130 / 143 interrupted (reports still written, partial).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import math
import os
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO, TypeVar

from linkcheck import __version__
from linkcheck.errors import ConfigError, ExportError, ImportFormatError, LinkcheckError
from linkcheck.findings import CATALOGUE, Finding, Severity, fails, is_accepted

if TYPE_CHECKING:
    from linkcheck.crawl import CrawlProgress
    from linkcheck.run import RunOptions, RunOutcome

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM = 130, 143
"""The exit codes (DESIGN.md §2), here only: run.py imports them for a run's outcome."""
DEFAULT_CONFIG = "redirects.yaml"
ALL_FORMATS = ("html", "json", "junit", "md", "sarif")
DEFAULT_FORMATS = ("html", "json", "junit", "md")

Handler = Callable[[argparse.Namespace], int]
_N = TypeVar("_N", int, float)


class _Parser(argparse.ArgumentParser):
    """argparse that exits 2 with a one-line message (never a traceback)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"linkcheck: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _formats(value: str) -> tuple[str, ...]:
    names = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    unknown = [n for n in names if n not in ALL_FORMATS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown format {', '.join(unknown) or value!r}; choose from {', '.join(ALL_FORMATS)}"
        )
    return names


def _number(kind: type[_N], minimum: _N, *, strict: bool = False) -> Callable[[str], _N]:
    """An argparse type: a number of `kind`, at least `minimum` (more than it if `strict`)."""
    noun = "a whole number" if kind is int else "a number"
    bound = (
        f"more than {minimum:g}"
        if strict
        else ("0 or more" if minimum == 0 else f"at least {minimum}")
    )

    def parse(value: str) -> _N:
        try:
            number = kind(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not {noun}") from None
        if not math.isfinite(number) or number < minimum or (strict and number == minimum):
            raise argparse.ArgumentTypeError(f"{value!r} must be {bound}")
        return number

    return parse


_positive_int = _number(int, 1)
_non_negative_int = _number(int, 0)
_positive_float = _number(float, 0.0, strict=True)


def _at_most(name: str) -> Callable[[str], int]:
    """A whole-number option bounded like its setting (`config.SETTING_LIMITS`)."""
    from linkcheck.config import SETTING_LIMITS

    high = SETTING_LIMITS[name]
    base = _non_negative_int if name == "retries" else _positive_int

    def parse(value: str) -> int:
        number = base(value)
        if number > high:
            raise argparse.ArgumentTypeError(f"{value!r} must be at most {high}")
        return number

    return parse


def _remap(value: str) -> tuple[str, str]:
    """FROM=TO as two normalised http(s) prefixes that agree on a trailing slash.

    Normalising both sides makes `HTTPS://Inter.Example.org` match the crawler's URLs; a
    bare origin gets its `/`; a prefix with a slash mapped to one without (or the reverse)
    would glue or double path segments, so the target follows the source.
    """
    from linkcheck.urls import UrlError, is_http, normalize

    source, sep, target = value.partition("=")
    if not sep or not source or not target:
        raise argparse.ArgumentTypeError(f"--remap takes FROM=TO, not {value!r}")
    pair = []
    for side in (source.strip(), target.strip()):
        if not is_http(side):
            raise argparse.ArgumentTypeError(f"--remap: {side!r} is not an http(s) URL")
        try:
            url = normalize(side).partition("#")[0]
        except UrlError as exc:
            raise argparse.ArgumentTypeError(f"--remap: {exc}") from exc
        if "?" in url:
            raise argparse.ArgumentTypeError(f"--remap: {side!r} has a query; give a prefix")
        pair.append(url)
    source, target = pair
    if source.endswith("/") != target.endswith("/"):
        target = target + "/" if source.endswith("/") else target.rstrip("/")
    if source == target:
        raise argparse.ArgumentTypeError(f"--remap: FROM and TO are the same ({source})")
    return source, target


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by `check` and `demo` (names may grow, never change)."""
    parser.add_argument(
        "--output",
        "-o",
        default="reports",
        metavar="DIR",
        help="folder for the reports (default: reports/)",
    )
    parser.add_argument(
        "--format",
        type=_formats,
        default=DEFAULT_FORMATS,
        metavar="LIST",
        help="comma-separated: html,json,junit,md,sarif (default: html,json,junit,md)",
    )
    parser.add_argument(
        "--fail-on",
        choices=("error", "warning", "never"),
        default="error",
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    parser.add_argument("--offline", action="store_true", help="no network: static validation only")
    parser.add_argument(
        "--site",
        action="append",
        default=[],
        metavar="NAME",
        help="check only this site (repeatable)",
    )
    parser.add_argument("--max-pages", type=_positive_int, metavar="N")
    parser.add_argument("--concurrency", type=_at_most("concurrency"), metavar="N")
    parser.add_argument("--per-host", type=_at_most("per_host"), metavar="N")
    parser.add_argument(
        "--rate", type=_positive_float, metavar="R", help="requests per second per host"
    )
    parser.add_argument("--timeout", type=_positive_float, metavar="S")
    parser.add_argument("--retries", type=_at_most("retries"), metavar="N")
    parser.add_argument(
        "--remap",
        type=_remap,
        action="append",
        default=[],
        metavar="FROM=TO",
        help="check a staging copy: fetch TO wherever the config says FROM",
    )
    parser.add_argument("--no-cache", action="store_true", help="ignore the response cache")
    parser.add_argument(
        "--state", metavar="FILE", help="SQLite state file (default: OUTPUT/linkcheck.sqlite)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress, short summary")
    parser.add_argument("--no-progress", action="store_true", help="no progress display")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="linkcheck",
        description="Keeps a website migration honest: crawls the sites, pairs upgraded pages "
        "with their legacy versions, validates and verifies the redirect map, writes nginx "
        "rules, reports.",
        epilog=textwrap.dedent("""\
            examples:
              linkcheck check                      # redirects.yaml in this folder
              linkcheck check site.yaml --fail-on warning --format html,json,sarif
              linkcheck validate redirects.yaml    # no network, for pre-commit
              linkcheck nginx -o /etc/nginx/linkcheck.conf
              linkcheck explain L204
              linkcheck import redirects.csv -o redirects.yaml   # CSV, Netlify, Apache, nginx map
              linkcheck export --format netlify -o _redirects
            """),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"linkcheck {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    check = commands.add_parser(
        "check",
        help="crawl, pair, validate, verify live, report",
        epilog="example: linkcheck check redirects.yaml --site en --max-pages 500",
    )
    check.add_argument("config", nargs="?", default=DEFAULT_CONFIG)
    _add_run_options(check)
    check.add_argument(
        "--resume", action="store_true", help="continue the interrupted run of this config"
    )
    check.set_defaults(handler=_check)

    demo = commands.add_parser(
        "demo",
        help="serve the built-in demo sites on 127.0.0.1 and check them",
        epilog="example: linkcheck demo --output /tmp/demo-report",
    )
    _add_run_options(demo)
    demo.add_argument(
        "--serve",
        action="store_true",
        help="only serve the demo sites on their fixed ports (8601-8604) until Ctrl-C, "
        "for `linkcheck check` with the top-level redirects.yaml",
    )
    demo.set_defaults(handler=_demo)

    validate = commands.add_parser(
        "validate",
        help="static validation of the config and redirect map, no network",
        epilog="example: linkcheck validate redirects.yaml --format json",
    )
    validate.add_argument("config", nargs="?", default=DEFAULT_CONFIG)
    validate.add_argument("--format", choices=("text", "json"), default="text")
    validate.add_argument("--fail-on", choices=("error", "warning", "never"), default="error")
    validate.add_argument("--quiet", "-q", action="store_true")
    validate.set_defaults(handler=_validate)

    nginx = commands.add_parser(
        "nginx",
        help="write nginx rules for the validated map",
        epilog="example: linkcheck nginx -o /etc/nginx/linkcheck.conf  "
        "(also writes linkcheck.server.conf)",
    )
    nginx.add_argument("config", nargs="?", default=DEFAULT_CONFIG)
    nginx.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="FILE and FILE.server.conf (default: print to stdout)",
    )
    nginx.add_argument("--force", action="store_true", help="write even if errors remain")
    nginx.set_defaults(handler=_nginx)

    explain = commands.add_parser(
        "explain",
        help="what a finding code means and how to fix it",
        epilog="example: linkcheck explain R303",
    )
    explain.add_argument("code", nargs="?", help="a code such as C100; none lists all")
    explain.set_defaults(handler=_explain)

    imp = commands.add_parser(
        "import",
        help="translate a CSV / Netlify / Apache / nginx-map list into our YAML",
        description="Translate a redirect list into our YAML, keeping comments and order. "
        "Every line that cannot be translated is reported on stderr with its number; the exit "
        "code is then 1 (the YAML holds the rest). 2: the file cannot be read at all.",
        epilog="examples:\n  linkcheck import redirects.csv -o redirects.yaml "
        "--origin https://inter.example.org\n  linkcheck import _redirects --format netlify",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    imp.add_argument("file")
    imp.add_argument(
        "--format",
        choices=("csv", "netlify", "apache", "nginx-map"),
        help="input format (default: guessed from the file)",
    )
    imp.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    imp.add_argument(
        "--origin",
        metavar="URL",
        help="defaults.origin of the written map, against which relative paths resolve",
    )
    imp.add_argument("--force", action="store_true", help="overwrite an existing -o FILE")
    imp.add_argument(
        "--include-file",
        action="store_true",
        help="write only the `redirects:` list, for the main map's `include:`",
    )
    imp.set_defaults(handler=_import)

    export = commands.add_parser(
        "export",
        help="write the validated map as Netlify, Apache or CSV",
        description="Write the validated map in another format. Refuses while error findings "
        "remain (exit 1, as `linkcheck nginx`) unless --force; entries with R300/R307 are never "
        "exported. Rules the format cannot express are reported on stderr (exit 1).",
        epilog="example: linkcheck export redirects.yaml --format netlify -o _redirects",
    )
    export.add_argument("config", nargs="?", default=DEFAULT_CONFIG)
    export.add_argument("--format", choices=("netlify", "apache", "csv"), required=True)
    export.add_argument("-o", "--output", metavar="FILE", help="default: stdout")
    export.add_argument("--force", action="store_true", help="export even if errors remain")
    export.set_defaults(handler=_export)
    return parser


# --------------------------------------------------------------------------- handlers


def _explain(args: argparse.Namespace) -> int:
    if not args.code:
        for info in CATALOGUE.values():
            print(f"{info.code}  {info.severity.value:<7}  {info.title}")
        return EXIT_OK
    code = args.code.strip().upper()
    entry = CATALOGUE.get(code)
    if entry is None:
        print(
            f"linkcheck: unknown finding code {args.code!r}; `linkcheck explain` lists them",
            file=sys.stderr,
        )
        return EXIT_USAGE
    print(f"{entry.code} ({entry.severity.value}): {entry.title}\n")
    print(textwrap.fill(entry.help, width=88))
    if entry.example:
        print("\n" + entry.example)
    return EXIT_OK


class ProgressDisplay:
    """Crawl progress on stderr: a live line on a terminal, a plain line every few seconds
    otherwise (CI logs), nothing when quiet."""

    def __init__(self, stream: TextIO, *, live: bool, every: float = 5.0) -> None:
        self.stream = stream
        self.live = live
        self.every = every if not live else 0.2
        # A live line shows at once; plain lines only once a period has passed (quick runs
        # print none).
        self._last = float("-inf") if live else time.monotonic()
        self._shown = False

    @classmethod
    def for_args(cls, args: argparse.Namespace) -> ProgressDisplay | None:
        if getattr(args, "quiet", False) or getattr(args, "no_progress", False):
            return None
        stream = sys.stderr
        return cls(stream, live=stream.isatty())

    def update(self, progress: CrawlProgress) -> None:
        now = time.monotonic()
        if now - self._last < self.every:
            return
        self._last = now
        rate = progress.pages / progress.elapsed if progress.elapsed > 0 else 0.0
        line = (
            f"crawl: {progress.pages} pages, {progress.checked} URLs checked, "
            f"{progress.queued} queued, {progress.errors} failing, "
            f"{progress.elapsed:.0f} s ({rate:.0f} pages/s)"
        )
        if self.live:
            self.stream.write("\r\x1b[2K" + line)
            self._shown = True
        else:
            self.stream.write(line + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self.live and self._shown:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()


def run_options(args: argparse.Namespace, config: str) -> RunOptions:
    """The run options of `check` (and `demo`) from parsed arguments."""
    from linkcheck.run import RunOptions

    return RunOptions(
        config=config,
        output=Path(args.output),
        formats=tuple(args.format),
        fail_on=args.fail_on,
        offline=args.offline,
        sites=tuple(args.site),
        overrides={
            "max_pages": args.max_pages,
            "concurrency": args.concurrency,
            "per_host": args.per_host,
            "rate": args.rate,
            "timeout": args.timeout,
            "retries": args.retries,
        },
        remap=tuple(args.remap),
        resume=bool(getattr(args, "resume", False)),
        cache=not args.no_cache,
        state=getattr(args, "state", None),
    )


def run_and_summarise(args: argparse.Namespace, options: RunOptions) -> RunOutcome:
    """Run a check with the progress display, then print the summary on stdout."""
    from dataclasses import replace

    from linkcheck.run import check

    display = ProgressDisplay.for_args(args)
    if display is not None:
        options = replace(options, progress=display.update)
    try:
        outcome = check(options)
    finally:
        if display is not None:
            display.close()
    print_summary(outcome, quiet=bool(getattr(args, "quiet", False)))
    return outcome


def print_summary(
    outcome: RunOutcome, *, quiet: bool = False, stream: TextIO | None = None
) -> None:
    """The short plain summary on stdout: totals, counts per code, where the report is."""
    out = stream or sys.stdout
    report = outcome.report
    seconds = report.stats.get("crawl_seconds")
    took = f" in {seconds:g} s" if isinstance(seconds, int | float) and seconds else ""
    print(
        f"linkcheck: {report.pages} pages, {report.links} links, {len(report.pairs)} pairs, "
        f"{len(report.redirects)} redirects checked{took}",
        file=out,
    )

    errors, warnings, infos = (report.count(s) for s in Severity)
    accepted = f" ({report.accepted} accepted)" if report.accepted else ""
    print(f"findings: {errors} errors, {warnings} warnings, {infos} infos{accepted}", file=out)
    if report.previous:
        print(
            f"since the run of {report.previous}: {len(report.new)} new, {len(report.fixed)} fixed",
            file=out,
        )
    if not quiet:
        codes = Counter((f.code, f.severity.value) for f in report.findings)
        for (code, severity), number in sorted(codes.items()):
            title = CATALOGUE[code].title if code in CATALOGUE else ""
            print(f"  {code}  {severity:<7} {number:>5}  {title}", file=out)
    if outcome.interrupted:
        print(f"interrupted ({outcome.interrupted}): the report is partial", file=out)
    if outcome.paths:
        main = next((p for p in outcome.paths if p.name == "index.html"), outcome.paths[0])
        print(f"report: {main}", file=out)


def _check(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from linkcheck.offload import fewer_gc_passes, roomier_heap, start_child

    # The fetch process starts first: its imports overlap ours and the config loading.
    child = None if args.offline else start_child()
    roomier_heap()
    try:
        options = replace(run_options(args, args.config), fetch_child=child)
        with fewer_gc_passes():
            outcome = run_and_summarise(args, options)
    except OSError as exc:  # the output folder cannot be written: a usage problem
        where = exc.filename or args.output
        print(f"linkcheck: cannot write the reports to {where}: {exc.strerror}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if child is not None:
            child.abandon()  # waits for its exit: its journal is complete then
    return outcome.exit_code


def _demo(args: argparse.Namespace) -> int:
    """Serve the demo sites, check them like `check` does, and compare with what was planted.

    The config for the ports bound is written next to the reports (demo-redirects.yaml), so
    the report's `file:line` references stay readable after the run.
    """
    from linkcheck.demo.runner import served_in_thread, verdict, write_config
    from linkcheck.demo.sites import FIXED_PORTS

    if args.serve:
        from linkcheck.demo.__main__ import main as serve_main

        return serve_main(["serve"])
    servers = contextlib.ExitStack()
    try:
        # The fixed ports of redirects.yaml when free, so that one run's findings compare with
        # the previous run's (new/fixed); any free ports otherwise.
        try:
            ports = servers.enter_context(served_in_thread(FIXED_PORTS))
        except OSError:
            ports = servers.enter_context(served_in_thread())
    except OSError as exc:
        print(f"linkcheck: the demo servers cannot start: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with servers:
        config = write_config(ports, Path(args.output))
        outcome = run_and_summarise(args, run_options(args, str(config)))
    if outcome.interrupted:
        return outcome.exit_code
    result = verdict(outcome.report.findings, args.site)
    for line in result.lines():
        print(line)
    if not result.passed:
        print(
            f"(the demo's fixed-port config is redirects.yaml, ports {FIXED_PORTS.en}-"
            f"{FIXED_PORTS.old}; `linkcheck demo --serve` serves them)",
            file=sys.stderr,
        )
    return EXIT_OK if result.passed else EXIT_FINDINGS


@contextlib.contextmanager
def _without_gc() -> Iterator[None]:
    """No cyclic garbage collection while a map is read and checked: those short steps build
    hundreds of thousands of objects that form no cycles, and the collector's passes over
    them cost a third of the time of a 100,000-rule map."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _validate(args: argparse.Namespace) -> int:
    """`linkcheck validate`: the map's static findings, one `file:line:col: CODE message` each."""
    import datetime as dt
    import json

    from linkcheck.accept import apply_policy
    from linkcheck.config import load_config
    from linkcheck.redirects.validate import validate

    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with _without_gc():
        config = load_config(args.config)
        findings = apply_policy(validate(config), config.settings, dt.date.today())
    failing = fails(findings, args.fail_on)
    counts = {s: sum(1 for f in findings if f.severity is s) for s in Severity}
    accepted = sum(1 for f in findings if is_accepted(f))
    if args.format == "json":
        document = {
            "tool": {"name": "linkcheck", "version": __version__},
            "run": {
                "started": started,
                "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "config": args.config,
                "partial": False,
                "fail_on": args.fail_on,
                "failed": failing,
            },
            "summary": {
                "redirects": len(config.rules),
                "files": len(config.files),
                "errors": counts[Severity.ERROR],
                "warnings": counts[Severity.WARNING],
                "infos": counts[Severity.INFO],
                "accepted": accepted,
            },
            "findings": [f.to_json() for f in findings],
        }
        json.dump(document, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        lines = [_finding_line(f) for f in findings]
        if lines:
            sys.stdout.write("\n".join(lines) + "\n")
        if not args.quiet:
            files = f" in {len(config.files)} files" if len(config.files) > 1 else ""
            print(
                f"{len(config.rules)} rules{files}: {counts[Severity.ERROR]} errors, "
                f"{counts[Severity.WARNING]} warnings, {counts[Severity.INFO]} infos"
                + (f", {accepted} accepted" if accepted else "")
                + (" - failed" if failing else " - ok")
                + f" (--fail-on {args.fail_on})"
            )
    return EXIT_FINDINGS if failing else EXIT_OK


def _finding_line(finding: Finding) -> str:
    """`file:line:col: CODE message`, the form editors and CI annotators read."""
    where = finding.details.get("position") or finding.source or finding.url
    accepted = " (accepted)" if finding.details.get("accepted") else ""
    message = " ".join(finding.message.split())
    return f"{where}: {finding.code} {message}{accepted}"


def _import(args: argparse.Namespace) -> int:
    """`linkcheck import`: exit 0 all translated, 1 some lines skipped, 2 unreadable."""

    from linkcheck.redirects import formats

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFormatError(f"{path}: cannot read the file: {exc.strerror}") from exc
    text = formats.decode(data, str(path))
    fmt = args.format or formats.guess_format(path.name, text)
    result = formats.import_text(text, fmt, origin=args.origin)
    origin = args.origin
    if (
        origin is None
        and not args.include_file
        and any(
            not e.source.lower().startswith(("http://", "https://", "^http"))
            for e in result.entries
        )
    ):
        origin = "https://www.example.org"
        print(
            "linkcheck: note: relative paths need defaults.origin; the placeholder "
            f"{origin} was written: set it to your site (or pass --origin)",
            file=sys.stderr,
        )
    header = [f"Imported by `linkcheck import` from {path.name} ({fmt})."]
    output = formats.render_yaml(
        result.items, header=header, origin=origin, include=args.include_file
    )
    if args.output:
        _write_file(args.output, output, force=args.force, what="import", inputs=[str(path)])
    else:
        sys.stdout.write(output)
    for notice in result.notices:
        print(f"linkcheck: note: {notice}", file=sys.stderr)
    for skip in result.skipped:
        print(f"{path}:{skip.line}: not imported: {skip.reason}: {skip.text}", file=sys.stderr)
    print(
        f"linkcheck: imported {len(result.entries)} rules from {path} ({fmt}); "
        f"{len(result.skipped)} line(s) not imported",
        file=sys.stderr,
    )
    if args.output and not args.include_file:
        print(f"linkcheck: next: linkcheck validate {args.output}", file=sys.stderr)
    return EXIT_FINDINGS if result.skipped else EXIT_OK


def _refused_for_errors(findings: Sequence[Finding], *, force: bool) -> bool:
    """`nginx` and `export` write nothing while the map has errors (unless --force): say
    which (the first 20) and how to go on."""
    errors = [f for f in findings if f.severity is Severity.ERROR]
    if not errors or force:
        return False
    for finding in errors[:20]:
        print(f"{finding.source}: {finding.code} {finding.message}", file=sys.stderr)
    more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
    print(
        f"linkcheck: {len(errors)} error(s) in the map{more}; nothing written. Fix them "
        "(`linkcheck validate`) or pass --force to export the valid rules only.",
        file=sys.stderr,
    )
    return True


def _export(args: argparse.Namespace) -> int:
    """`linkcheck export`: exit 0 every valid rule written; 1 refused (errors remain) or some
    rules not expressible in the format; 2 unreadable config or unwritable output."""
    from linkcheck.config import load_config
    from linkcheck.redirects import formats
    from linkcheck.redirects.nginx import static_findings

    with _without_gc():
        config = load_config(args.config)
        findings = static_findings(config)
    if _refused_for_errors(findings, force=args.force):
        return EXIT_FINDINGS
    header = [f"Written by `linkcheck export` from {args.config}; edit the map, not this file."]
    result, invalid = formats.export_config(config, args.format, findings, header)
    if args.output:
        _write_file(args.output, result.text, force=True, what="export", inputs=config.files)
    else:
        sys.stdout.write(result.text)
    for skip in invalid:
        print(f"{skip.where}: not exported: {skip.reason}", file=sys.stderr)
    for notice in result.notices:
        print(f"linkcheck: note: {notice}", file=sys.stderr)
    for skip in result.skipped:
        print(
            f"{skip.where}: not exported: {args.format} cannot express it: {skip.reason}",
            file=sys.stderr,
        )
    written = len(config.rules) - len(invalid) - len(result.skipped)
    print(
        f"linkcheck: exported {written} of {len(config.rules)} rules as {args.format}",
        file=sys.stderr,
    )
    return EXIT_FINDINGS if result.skipped else EXIT_OK


def _refuse_inputs(outputs: Sequence[str], inputs: Sequence[str], what: str) -> None:
    """An output that is one of the files read (the map, an include, the imported list)
    would destroy it: refuse (exit 2) before anything is written."""
    import os

    error = ImportFormatError if what == "import" else ExportError
    for output in outputs:
        for source in inputs:
            same = (
                os.path.samefile(output, source)
                if os.path.exists(output) and os.path.exists(source)
                else os.path.abspath(output) == os.path.abspath(source)
            )
            if same:
                raise error(f"{output} is {source}, which {what} reads: choose another output")


def _write_file(
    name: str, text: str, *, force: bool, what: str, inputs: Sequence[str] = ()
) -> None:
    """Write `text` to `name`; an existing file is kept unless `force`, an input never."""

    _refuse_inputs([name], inputs, what)
    path = Path(name)
    error = ImportFormatError if what == "import" else ExportError
    if path.exists() and not force:
        raise error(f"{path} exists; pass --force to overwrite it")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise error(f"{path}: cannot write: {exc.strerror}") from exc


def _nginx(args: argparse.Namespace) -> int:
    """Write (or print) the nginx rules; refuse while error findings remain, unless --force."""

    from linkcheck.config import load_config
    from linkcheck.redirects.nginx import server_conf_path, validated_export

    with _without_gc():
        config = load_config(args.config)
        findings, export = validated_export(config)
    if _refused_for_errors(findings, force=args.force):
        return EXIT_FINDINGS
    left_out = len(config.rules) - len(export.rules)
    if not args.output:
        sys.stdout.write(export.http + "\n" + export.server)
    else:
        server_path = server_conf_path(args.output)
        _refuse_inputs([args.output, server_path], config.files or (config.path,), "nginx")
        try:
            Path(args.output).write_text(export.http, encoding="utf-8")
            Path(server_path).write_text(export.server, encoding="utf-8")
        except OSError as exc:
            print(f"linkcheck: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
            return EXIT_USAGE
        print(f"wrote {args.output} (http part) and {server_path} (server part)")
    print(
        f"linkcheck: {len(export.rules)} rule(s) exported, {left_out} left out",
        file=sys.stderr,
    )
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `linkcheck` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"linkcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except LinkcheckError as exc:
        print(f"linkcheck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("linkcheck: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    except BrokenPipeError:
        return EXIT_OK


def entry() -> NoReturn:
    """The `linkcheck` console script (and `python -m linkcheck`): `main`, then the process
    ends at once, its output flushed. Nothing is left to do once the reports are written,
    and the interpreter's teardown (every object of a big crawl freed one by one) took
    ~35 ms of a 10,000-page check."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe has nothing more to say
            stream.flush()
    os._exit(code)
