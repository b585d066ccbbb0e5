#!/usr/bin/python3
"""Start N copies of a command at once and report the wall-time
percentiles of each run (spawn to exit), in milliseconds.

    burst.py N CMD [ARG...]

stdin/stdout/stderr of each run: /dev/null.  Prints one line:
    p50 p90 p99 max failed
"""
import subprocess
import sys
import threading
import time

n = int(sys.argv[1])
cmd = sys.argv[2:]
times = [0.0] * n
failed = [0]
barrier = threading.Barrier(n)


def run(i):
    barrier.wait()
    t = time.monotonic()
    rc = subprocess.call(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times[i] = (time.monotonic() - t) * 1000
    if rc != 0:
        failed[0] += 1


threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
for t in threads:
    t.start()
for t in threads:
    t.join()
times.sort()


def pct(p):
    return times[min(n - 1, int(p / 100 * n))]


print(f"{pct(50):.2f} {pct(90):.2f} {pct(99):.2f} {times[-1]:.2f} {failed[0]}")
