"""`hygiene browse` in a real terminal: the moments the first finding, the full list and the
judged list are on screen, against `hygiene scan --json` on the same tree, alternating in the
same run.

    python benchmarks/bench_browse.py [--root /tmp/hygiene-bench/workspace] [--files 200000]

Target (issue 20): the first findings within a fraction of a second; the full list at most 20 %
slower than `scan --json`.

browse runs as the installed command in a pseudo-terminal of 120x40 (what a user starts); each
moment is when the screen's status line first says so in the bytes the app wrote, from the
process start:
- first:  "N candidate(s)" with N > 0, drawn in the same frame as the first rows;
- full:   "scanned N files; K finding(s)": the walk is over and every finding is listed;
- judged: the same line without "checking which may go": the plan (clean's safety checks,
  made in the scan's process) has a verdict on every row.
Also printed: the CPU seconds browse's own process had used at the judged list (the UI; the
scan and the plan run in a child), and a floor: `scan --json` while a bare Textual app (one
line of text, `bare_textual.py`) starts in another terminal beside it. On a machine where the
scan keeps every CPU busy, that floor is what any Textual front end costs the scan.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import pty
import re
import select
import statistics
import struct
import sys
import termios
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from timing import time_command
from workspace import prepare

HERE = Path(__file__).parent
FIRST = re.compile(rb"; [1-9][\d,]* candidate\(s\)|scanned [\d,]+ files; ")
FULL = re.compile(rb"scanned [\d,]+ files; [\d,]+ finding\(s\)")
JUDGED = re.compile(rb"scanned [\d,]+ files; [\d,]+ finding\(s\)  \[")


@dataclass
class Moments:
    first: float
    full: float
    judged: float
    cpu: float  # browse's own process, at the judged list


def in_terminal(argv: list[str]) -> tuple[int, int]:
    """Start `argv` in a new 120x40 pseudo-terminal: its pid and the terminal's fd."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: exec, or leave at once
        try:
            os.environ["TERM"] = "xterm-256color"
            os.execv(argv[0], argv)
        finally:
            os._exit(127)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return pid, fd


def drain(pid: int, fd: int) -> None:
    """Read the terminal until the program ends (it blocks writing to a full terminal)."""
    while True:
        ready, _, _ = select.select([fd], [], [], 10)
        if not ready:
            break
        try:
            if not os.read(fd, 1 << 16):
                break
        except OSError:  # EIO: the program ended and its terminal closed
            break
    os.close(fd)
    os.waitpid(pid, 0)


def own_cpu(pid: int) -> float:
    """utime + stime of `pid` alone (not its children), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def browse_once(program: list[str], root: Path) -> Moments:
    start = time.perf_counter()
    pid, fd = in_terminal([*program, "browse", str(root)])
    seen = b""
    first = full = None
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 60)
            if not ready:
                raise TimeoutError("browse drew no judged list in 60 s")
            data = os.read(fd, 1 << 16)
            now = time.perf_counter() - start
            if not data:
                raise RuntimeError("browse ended before its list was judged")
            # The tail of the last read too: a line may be split across two reads.
            window = seen[-256:] + data
            seen += data
            if first is None and FIRST.search(window):
                first = now
            if full is None and FULL.search(window):
                full = now
            if JUDGED.search(window):
                cpu = own_cpu(pid)
                os.write(fd, b"q")
                # The judged line matches FIRST and FULL too: both are set by now.
                return Moments(first or now, full or now, now, cpu)
    finally:
        drain(pid, fd)


def scan_beside_bare_app(scan_cmd: list[str]) -> float:
    pid, fd = in_terminal([sys.executable, str(HERE / "bare_textual.py")])
    try:
        return time_command(scan_cmd)
    finally:
        drain(pid, fd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("/tmp/hygiene-bench/workspace"))
    parser.add_argument("--files", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--fresh", action="store_true", help="regenerate the workspace")
    args = parser.parse_args()
    prepare(args.root, args.files, fresh=args.fresh)
    from hygiene.relaunch import program

    hygiene = program()
    scan_cmd = [*hygiene, "scan", str(args.root), "--json", "--quiet"]
    time_command(scan_cmd)  # warm the cache
    browse_once(hygiene, args.root)
    scans: list[float] = []
    beside: list[float] = []
    runs: list[Moments] = []
    for _ in range(args.runs):
        scans.append(time_command(scan_cmd))
        runs.append(browse_once(hygiene, args.root))
        beside.append(scan_beside_bare_app(scan_cmd))
    med = statistics.median

    def line(name: str, values: list[float]) -> str:
        ratio = med([v / s for v, s in zip(values, scans, strict=True)])
        return f"{name:<24}median {med(values):.3f}s (min {min(values):.3f}s)  {ratio:.2f}x scan"

    print(f"{'scan --json':<24}median {med(scans):.3f}s (min {min(scans):.3f}s, {args.runs} runs)")
    print(line("browse first finding", [m.first for m in runs]))
    print(line("browse full list", [m.full for m in runs]))
    print(line("browse judged list", [m.judged for m in runs]))
    print(f"{'browse process CPU':<24}median {med([m.cpu for m in runs]):.3f}s at the judged list")
    print(line("floor: scan beside bare", beside))


if __name__ == "__main__":
    main()
