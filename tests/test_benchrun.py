"""The crawl benchmark's memory measure sums the RSS of a tool's whole process tree."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from support import load_script

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024


proctree = load_script("benchmarks/proctree.py")

# Fills `size` MB with non-zero bytes (zeroed memory may never become resident), prints its
# own peak RSS in KB, holds the memory 0.6 s so the 20 ms sampler sees it (even under load).
HOLD = textwrap.dedent(
    """
    import resource, sys, time
    block = b"\\x01" * ({size} * 1024 * 1024)
    time.sleep(0.6)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, flush=True)
    """
)
# A parent holding 30 MB that starts a child holding 50 MB and waits for it.
PARENT = textwrap.dedent(
    """
    import subprocess, sys
    block = b"\\x01" * (30 * 1024 * 1024)
    subprocess.run([sys.executable, "-c", sys.argv[1]], check=True, timeout=10)
    """
)


def _sampled(command: list[str]) -> tuple[Any, str]:
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    with proctree.PeakSampler(proc.pid) as sampler:
        stdout, _ = proc.communicate(timeout=10)
    assert proc.returncode == 0
    return sampler.peak, stdout


@pytest.mark.parametrize("children_file", [True, False], ids=["children-file", "ppid-scan"])
def test_a_parent_and_its_child_are_summed(
    children_file: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not children_file:  # a kernel without /proc/PID/task/TID/children
        monkeypatch.setattr(proctree, "_children", lambda _pid: None)
    peak, _ = _sampled([sys.executable, "-c", PARENT, HOLD.format(size=50)])

    assert peak.processes == 2
    assert peak.rss_bytes > 80 * MB  # 30 MB in the parent + 50 MB in the child


def test_a_single_process_is_measured_as_itself() -> None:
    peak, stdout = _sampled([sys.executable, "-c", HOLD.format(size=50)])
    own_peak = int(stdout) * 1024  # the process's own ru_maxrss (KB)

    assert peak.processes == 1
    # At least the block it holds; at most its own peak (not summed twice). ru_maxrss can
    # exceed the true peak: it keeps the forking parent's RSS across exec.
    assert 50 * MB < peak.rss_bytes <= own_peak


def test_under_gnu_time_the_tree_excludes_time_and_keeps_its_numbers(tmp_path: Path) -> None:
    if not shutil.which("/usr/bin/time"):
        pytest.skip("GNU time is not installed (only the benchmark needs it)")
    usage = proctree.run_measured(
        [sys.executable, "-c", PARENT, HOLD.format(size=50)], tmp_path / "time.txt", 10
    )

    assert usage.returncode == 0
    assert usage.peak.processes == 2  # the parent and the child, not /usr/bin/time
    assert usage.peak.rss_bytes > 80 * MB
    assert 50 < usage.largest_mb < usage.peak.mb  # GNU time: the largest single process
    assert usage.peak_mb == usage.peak.mb
    assert usage.cpu > 0


def test_a_vanished_process_counts_as_nothing() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=10)

    assert proctree.tree_rss(proc.pid) == (0, 0)


def test_a_peak_too_short_to_sample_is_floored_by_the_largest_process() -> None:
    usage = proctree.Usage(0, "", "", 0.04, proctree.Peak(15 * MB, 1), 19.0, 0.01)

    assert usage.peak_mb == 19.0
