#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Load for the flood and soak tests, over tests/sftpclient.py (stdlib only).

    sftp-flood.py opens   --path P --seconds S [--depth D] -- COMMAND...
        open and close P (read-only) as fast as the server answers, D
        requests in flight: one transfer record per open.
    sftp-flood.py errors  --path P --seconds S [--depth D] -- COMMAND...
        stat a name that does not exist: sftp-server logs one
        "sent status No such file" per request, and no record stands for it.
    sftp-flood.py mixed   --path P --missing M --seconds S [--depth D] -- COMMAND...
        rounds of both: D stats of M (errors), then D opens and closes of P.
    sftp-flood.py latency --path P --count N -- COMMAND...
        N stat requests one after another: their round-trip times.
    sftp-flood.py soak    --dir D --count N [--mark F] [--until F] [--rate R] -- COMMAND...
        one long session: N rounds (or until F exists) of write, read
        back, stat, rename, remove.

Prints one line of JSON: what was done, the rate, the server's answers.
COMMAND is the transport, for example ssh -p PORT USER@127.0.0.1 -s sftp."""

import argparse
import json
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sftpclient import (FXF_CREAT, FXF_READ, FXF_TRUNC, FXF_WRITE, FXP_ATTRS,  # noqa: E402
                        FXP_CLOSE, FXP_HANDLE, FXP_OPEN, FXP_STAT, FXP_STATUS, Attrs,
                        SFTPClient, SFTPError, sstr, u32)


def flood_opens(c, path, seconds, depth, once=False):
    """Open D handles at once, then close them all: 2*D requests in flight
    per round."""
    opened = closed = failed = 0
    end = time.monotonic() + seconds
    open_payload = sstr(path.encode()) + u32(FXF_READ) + Attrs().encode()
    while once or time.monotonic() < end:
        once = False
        rids = [c._send("open", FXP_OPEN, open_payload) for _ in range(depth)]
        handles = []
        for rid in rids:
            try:
                handles.append(c._reply("open", rid, FXP_HANDLE).string())
                opened += 1
            except SFTPError:
                failed += 1
        rids = [c._send("close", FXP_CLOSE, sstr(h)) for h in handles]
        for rid in rids:
            c._reply("close", rid, FXP_STATUS)
            closed += 1
    return {"opens": opened, "closes": closed, "failed": failed}


def flood_errors(c, path, seconds, depth, once=False):
    answered = 0
    end = time.monotonic() + seconds
    payload = sstr(path.encode())
    while once or time.monotonic() < end:
        once = False
        rids = [c._send("stat", FXP_STAT, payload) for _ in range(depth)]
        for rid in rids:
            try:
                c._reply("stat", rid, FXP_ATTRS)
            except SFTPError:
                answered += 1
    return {"errors": answered}


def flood_mixed(c, path, missing, seconds, depth):
    out = {"opens": 0, "closes": 0, "failed": 0, "errors": 0}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        for k, v in flood_errors(c, missing, 0, depth, once=True).items():
            out[k] += v
        for k, v in flood_opens(c, path, 0, depth, once=True).items():
            out[k] += v
    return out


def latency(c, path, count):
    times = []
    for _ in range(count):
        t = time.monotonic()
        c.stat(path)
        times.append(time.monotonic() - t)
    times.sort()
    return {"count": count, "median_ms": round(statistics.median(times) * 1000, 3),
            "p90_ms": round(times[int(0.9 * (count - 1))] * 1000, 3),
            "max_ms": round(times[-1] * 1000, 3)}


def soak(c, top, count, mark, until, rate):
    """Every round: an upload, its download (checked), a stat, a rename and
    a remove: 2 transfer records and 2 operation records.  After 200
    rounds, creates the file `mark` (warmed up); with `until`, goes on
    until that file exists (and at least `count` rounds)."""
    data = os.urandom(4096)
    i = 0
    t0 = time.monotonic()
    while i < count or (until and not os.path.exists(until)):
        if rate:
            time.sleep(max(0, t0 + i / rate - time.monotonic()))
        if i == 200 and mark:
            open(mark, "w").close()
        a, b = f"{top}/soak-a", f"{top}/soak-b"
        h = c.open(a, FXF_WRITE | FXF_CREAT | FXF_TRUNC, Attrs(perm=0o600))
        c.write(h, 0, data)
        c.close(h)
        h = c.open(a, FXF_READ)
        got = c.read(h, 0, len(data))
        c.close(h)
        if got != data:
            raise SystemExit(f"soak: round {i}: read back differs")
        c.stat(a)
        c.rename(a, b)
        c.remove(b)
        i += 1
    return {"rounds": i, "transfers": 2 * i, "operations": 2 * i}


def main():
    argv = sys.argv[1:]
    if "--" not in argv:
        print(__doc__, file=sys.stderr)
        return 2
    split = argv.index("--")
    ap = argparse.ArgumentParser(prog="sftp-flood.py")
    ap.add_argument("mode", choices=["opens", "errors", "mixed", "latency", "soak"])
    ap.add_argument("--path", default=".")
    ap.add_argument("--dir", default=".")
    ap.add_argument("--missing", default="no-such-name")
    ap.add_argument("--mark", help="soak: created after 200 rounds")
    ap.add_argument("--until", help="soak: go on until this file exists")
    ap.add_argument("--rate", type=float, default=0, help="soak: rounds per second at most")
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--depth", type=int, default=64)
    ap.add_argument("--count", type=int, default=200)
    args = ap.parse_args(argv[:split])
    with SFTPClient(argv[split + 1:]) as c:
        t = time.monotonic()
        if args.mode == "opens":
            out = flood_opens(c, args.path, args.seconds, args.depth)
            n = out["opens"]
        elif args.mode == "errors":
            out = flood_errors(c, args.path, args.seconds, args.depth)
            n = out["errors"]
        elif args.mode == "mixed":
            out = flood_mixed(c, args.path, args.missing, args.seconds, args.depth)
            n = out["opens"] + out["errors"]
        elif args.mode == "latency":
            out = latency(c, args.path, args.count)
            n = args.count
        else:
            out = soak(c, args.dir, args.count, args.mark, args.until, args.rate)
            n = out["rounds"]
        spent = time.monotonic() - t
        out.update(seconds=round(spent, 3), per_second=round(n / spent, 1))
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
