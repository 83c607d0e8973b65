#!/usr/bin/env python3
"""Process-tree figures for tests/load/run.sh, from /proc (Linux only).

  procstat.py cpu PID...                      CPU seconds (utime+stime) of each PID and all its descendants, summed
  procstat.py peak STOPFILE MAXSEC PID...     every 200 ms, the sum of VmRSS over the trees; prints the maximum (KiB)
                                              once STOPFILE exists or MAXSEC seconds have passed
  procstat.py tree PID...                     the PIDs of the trees, roots first (for killing exactly those)
"""
import os
import sys
import time

TICKS = os.sysconf("SC_CLK_TCK")


def children_map():
    children = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        children.setdefault(int(fields[1]), []).append(int(name))
    return children


def tree(roots):
    children = children_map()
    seen, order = set(), []
    stack = list(reversed(roots))
    while stack:
        pid = stack.pop()
        if pid in seen or not os.path.exists(f"/proc/{pid}"):
            continue
        seen.add(pid)
        order.append(pid)
        stack.extend(reversed(children.get(pid, [])))
    return order


def cpu_seconds(pid):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(b")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime (fields 14 and 15 of stat)


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv):
    mode = argv[1]
    if mode == "cpu":
        print(f"{sum(cpu_seconds(p) for p in tree([int(a) for a in argv[2:]])):.2f}")
    elif mode == "tree":
        print(" ".join(str(p) for p in tree([int(a) for a in argv[2:]])))
    elif mode == "peak":
        stop, deadline = argv[2], time.monotonic() + float(argv[3])
        roots = [int(a) for a in argv[4:]]
        peak = 0
        while True:
            peak = max(peak, sum(rss_kib(p) for p in tree(roots)))
            if os.path.exists(stop) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        print(peak)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
