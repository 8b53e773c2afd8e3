"""Timing helpers the peer benchmarks share: a calibrated loop of calls, and how much CPU other
processes used while something ran (so a noisy measurement shows as noisy)."""

import os
import subprocess
import time

import numpy as np


def time_calls(body, repeats):
    """Warm-up, then `repeats` timings of a loop of calls lasting >= 0.1 s; seconds per call."""
    body()
    reps = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(reps):
            body()
        if time.perf_counter() - t0 >= 0.1:
            break
        reps *= 2
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(reps):
            body()
        times.append((time.perf_counter() - t0) / reps)
    return {"seconds": times, "min": min(times), "median": float(np.median(times)), "inner_reps": reps}


def proc_busy():
    """Busy clock ticks of the whole machine so far (/proc/stat, idle and iowait excluded)."""
    with open("/proc/stat") as f:
        vals = [int(v) for v in f.readline().split()[1:]]
    return sum(vals[:8]) - (vals[3] + vals[4])


def foreign_cores(run):
    """Runs run(); returns (its result, CPU cores other processes used meanwhile)."""
    hz = os.sysconf("SC_CLK_TCK")
    b0, t0 = proc_busy(), os.times()
    w0 = time.perf_counter()
    result = run()
    wall = time.perf_counter() - w0
    t1 = os.times()
    own = (t1.user + t1.system + t1.children_user + t1.children_system) - (t0.user + t0.system + t0.children_user + t0.children_system)
    return result, max(0.0, ((proc_busy() - b0) / hz - own) / wall)


def timed_command(command, cwd=None, env=None):
    """Runs a command to completion, capturing its output; returns (wall seconds, CPU cores other
    processes used meanwhile, the completed process)."""
    def body():
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=cwd)
        return time.perf_counter() - start, done
    (seconds, done), foreign = foreign_cores(body)
    return seconds, foreign, done
