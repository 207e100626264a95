#!/usr/bin/env python3
"""Runs two commands alternately, each pair in the other order from the last, and prints
the median of the pairs' wall-time ratios (B / A), with the medians and the spread.

A ratio taken from runs far apart in time carries the machine's drift: on a shared VM the
same command's median moves by a quarter between minutes. A pair's two runs are seconds
apart, so their ratio keeps what differs between the commands.

    bench/paired.py RUNS 'command A' 'command B'
"""
import shlex
import statistics
import subprocess
import sys
import time


def run(cmd):
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t


def main():
    runs, a, b = int(sys.argv[1]), shlex.split(sys.argv[2]), shlex.split(sys.argv[3])
    for _ in range(2):  # warm-up
        run(a)
        run(b)
    ta, tb, ratios = [], [], []
    for i in range(runs):
        if i % 2:
            x, y = run(a), run(b)
        else:
            y, x = run(b), run(a)
        ta.append(x)
        tb.append(y)
        ratios.append(y / x)
    q = statistics.quantiles(ratios, n=4)
    # runs, median A (ms), median B (ms), median ratio, first and third quartiles of the ratio
    print(runs, f"{statistics.median(ta) * 1e3:.1f}", f"{statistics.median(tb) * 1e3:.1f}",
          f"{statistics.median(ratios):.3f}", f"{q[0]:.3f}", f"{q[2]:.3f}")


if __name__ == "__main__":
    main()
