"""Peak memory of a whole process tree, for tools that run more than one process.

GNU time's "Maximum resident set size" is the largest single process: a tool that splits
its work over a parent and a child (linkcheck's fetch process) would be under-reported. So
the benchmark samples /proc every ~20 ms while the tool runs and keeps the peak over time of
the SUM of the resident sets of the tool and all its descendants, with the number of
processes seen at that peak. Every tool is measured the same way, one process or several.
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
INTERVAL = 0.02  # seconds between samples
MB = 1024 * 1024


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after `comm` (field 3 onwards), None if it vanished."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            text = stat.read()
    except OSError:
        return None
    # comm (field 2) may hold spaces and parentheses: it ends at the last ')'.
    return text[text.rfind(")") + 2 :].split()


def _rss_bytes(pid: int) -> int | None:
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 22:
        return None
    return int(fields[21]) * PAGE  # field 24 (rss, in pages) is index 21 after comm


def _children(pid: int) -> list[int] | None:
    """Direct children, from /proc/PID/task/*/children (every thread's own list).

    None when the kernel has no such file (CONFIG_PROC_CHILDREN off): the caller then scans
    /proc for parent ids instead.
    """
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found: list[int] = []
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as children:
                found.extend(int(c) for c in children.read().split())
        except FileNotFoundError:
            if not os.path.exists(f"/proc/{pid}/task/{task}"):
                continue  # the thread ended between the listing and the read
            return None
        except OSError:
            continue
    return found


def _children_by_scan(pid: int) -> list[int]:
    """Direct children by reading every process's parent id (the slow fallback)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat_fields(int(entry))
            if fields is not None and len(fields) > 1 and int(fields[1]) == pid:
                found.append(int(entry))
    return found


def descendants(root: int) -> list[int]:
    """Every process below `root` (not root itself), as seen now."""
    seen: list[int] = []
    todo = [root]
    while todo:
        pid = todo.pop()
        children = _children(pid)
        if children is None:
            children = _children_by_scan(pid)
        for child in children:
            if child not in seen and child != root:
                seen.append(child)
                todo.append(child)
    return seen


def tree_rss(root: int, *, include_root: bool = True) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of `root`'s tree now; vanished ones skipped."""
    pids = ([root] if include_root else []) + descendants(root)
    total = count = 0
    for pid in pids:
        rss = _rss_bytes(pid)
        if rss is not None:
            total += rss
            count += 1
    return total, count


@dataclass(frozen=True)
class Peak:
    """The largest summed RSS seen over a run, and how many processes made it up."""

    rss_bytes: int = 0
    processes: int = 0

    @property
    def mb(self) -> float:
        return self.rss_bytes / MB


class PeakSampler:
    """Samples `root`'s tree every INTERVAL in a thread until stopped; keeps the peak.

    `include_root=False` measures only the descendants: the benchmark's root is
    /usr/bin/time, whose own few MB are not the tool's.
    """

    def __init__(self, root: int, *, include_root: bool = True) -> None:
        self.root = root
        self.include_root = include_root
        self.peak = Peak()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def sample(self) -> None:
        total, count = tree_rss(self.root, include_root=self.include_root)
        if total > self.peak.rss_bytes:
            self.peak = Peak(total, count)

    def _run(self) -> None:
        while True:
            self.sample()
            if self._stop.wait(INTERVAL):
                return


# --- one command under GNU time -------------------------------------------------------------


@dataclass(frozen=True)
class Usage:
    """What one measured run of a command gave."""

    returncode: int
    stdout: str
    stderr: str
    elapsed: float  # wall seconds
    peak: Peak  # summed over the command's processes, sampled
    largest_mb: float  # GNU time's "Maximum resident set size": the largest single process
    cpu: float  # user + system seconds of the command and its waited-for children

    @property
    def peak_mb(self) -> float:
        """The sampled sum, floored by the largest process: the sum at any instant is at least
        that process, and a peak shorter than a sample (a run of a few 10 ms) can be missed."""
        return max(self.peak.mb, self.largest_mb)


def run_measured(command: Sequence[str], timing: Path, timeout: float) -> Usage:
    """Run `command` under `/usr/bin/time -v` (CPU, largest process) while sampling the tree.

    The command gets a session of its own so that a timeout kills the whole tree, not only
    GNU time (which would leave the tool running). Raises subprocess.TimeoutExpired.
    """
    started = time.perf_counter()
    proc = subprocess.Popen(
        ["/usr/bin/time", "-v", "-o", str(timing), *command],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with PeakSampler(proc.pid, include_root=False) as sampler:
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.communicate()
            raise
    elapsed = time.perf_counter() - started
    usage = timing.read_text(encoding="utf-8", errors="replace")
    return Usage(
        proc.returncode, stdout, stderr, elapsed, sampler.peak, max_rss_mb(usage), cpu(usage)
    )


def max_rss_mb(time_output: str) -> float:
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_output)
    return int(match.group(1)) / 1024 if match else float("nan")


def cpu(time_output: str) -> float:
    user = re.search(r"User time \(seconds\): ([\d.]+)", time_output)
    system = re.search(r"System time \(seconds\): ([\d.]+)", time_output)
    return float(user.group(1) if user else "nan") + float(system.group(1) if system else "nan")
