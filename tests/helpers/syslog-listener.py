#!/usr/bin/python3
"""A minimal syslog receiver for the tests: binds a Unix datagram socket
(the /dev/log protocol) and appends every message, one per line, to a file.
Used where no syslog daemon runs, so the tests see exactly what the
launcher sends."""
import os
import socket
import sys

sock_path, out_path = sys.argv[1], sys.argv[2]
try:
    os.unlink(sock_path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sock_path)
os.chmod(sock_path, 0o666)
with open(out_path, "ab", buffering=0) as out:
    # Tell the parent we are ready.
    print("ready", flush=True)
    while True:
        msg = s.recv(65536)
        out.write(msg.rstrip(b"\n").replace(b"\n", b" ") + b"\n")
