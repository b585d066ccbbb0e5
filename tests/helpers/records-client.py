#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Precise SFTP requests for test-records.sh.

    records-client.py hostile -- ssh ... -s user@host sftp
        upload 5 bytes under each of HOSTILE (in uploads/); print each
        name's bytes in hex, one per line
    records-client.py missing -- ssh ...
        open uploads/no-such-dir/x for writing (fails: No such file)
    records-client.py hold NAME -- ssh ...
        open NAME for writing, write 3 x 32 KiB, print the ssh client's pid
        and "ready", then wait (the test kills something)
"""

import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sftpclient import SFTPClient, SFTPError, FXF_CREAT, FXF_TRUNC, FXF_WRITE  # noqa: E402

HOSTILE = [
    b"lf\nsession=deadbeefdeadbeef user=root session end exit=0 \"x",
    b"cr\r\n<13>forged: hi",
    b"q\"uo\"te",
    b"k=v a=b",
    b"back\\slash\\n \\x41",
    b"bad\xff\xfe\xc3(utf8",
    b"x\" bytes read 1 written 2",
    b"caf\xc3\xa9 \xe2\x80\xae",
]


def main():
    mode = sys.argv[1]
    argv = sys.argv[sys.argv.index("--") + 1:]
    c = SFTPClient(argv)
    W = FXF_WRITE | FXF_CREAT | FXF_TRUNC
    if mode == "hostile":
        for n in HOSTILE:
            h = c.open(b"uploads/" + n, W)
            c.write(h, 0, b"12345")
            c.close(h)
            print(n.hex(), flush=True)
    elif mode == "missing":
        try:
            c.open(b"uploads/no-such-dir/x", W)
            print("opened?!")
        except SFTPError as e:
            print("failed", e.status)
    elif mode == "hold":
        h = c.open(sys.argv[2].encode(), W)
        for i in range(3):
            c.write(h, i * 32768, b"z" * 32768)
        print(c.proc.pid, flush=True)
        print("ready", flush=True)
        time.sleep(120)
        return
    c.close_session()


main()
