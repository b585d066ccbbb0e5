#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Hostile file names for the supervisor's log (test-log-hostile.sh).

    log-hostile.py SCENARIO client -- ssh ... -s user@host sftp
        run SCENARIO's requests in a real session; print the bytes written
    log-hostile.py SCENARIO oracle DIR -- sftp-server -e -l INFO -d DIR
        run the same requests against a bare sftp-server whose stderr is a
        SOCK_SEQPACKET socket, and print each of its log messages (one per
        record), stripped of its final CR LF and escaped by the rule of
        docs/security.md, one per line: what syslog must show, in order;
        on stderr, the length of the longest record.

The escaping here is written from the documented rule, not from the C code,
so that the two can disagree.  Paths are relative (sftp-server starts in the
home directory, -d), so both runs log the same names.

    log-hostile.py direct SUPERVISE SESSION
        be the launcher: exec the supervisor with a stand-in for the jail
        that sends DIRECT_RECORDS on the log socket (what log.c never
        writes: records above 4 KiB, empty ones, ones without CR LF).

Scenarios:
  names  names with LF, CR, quotes, '=', backslashes, ESC, bytes that are
         not UTF-8, a forged session line and a forged syslog priority;
         uploaded (5 bytes each), renamed, and a forged close tail.
  long   a path of about 4 KiB (sftp-server cuts its messages at 1021
         characters), and a path made so that the cut close message ends
         in a forged "bytes read 0 written 99999".
"""

import os
import socket
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from sftpclient import SFTPClient, FXF_CREAT, FXF_TRUNC, FXF_WRITE  # noqa: E402

FORGED_SESSION = b"session=deadbeefdeadbeef user=root session end exit=0 duration=0.1s files=0 "
NAMES = [
    b"evil\n" + FORGED_SESSION + b"\"x",
    b"q\"uo\"te=1 a=b",
    b"back\\slash\\n \\x41",
    b"esc\x1b[31mred\x7f\x01tab\t",
    b"bad\xff\xfe\xc3(utf8",
    b"caf\xc3\xa9",
    b"x\" bytes read 999 written 999",
]
RENAMED = b"r\r\n<13>forged: hi\r\n<13>sftpjail[1]: " + FORGED_SESSION
LOG_MAX = 1021  # log.c: "%.*s\r\n" into char[1024]


def put(c, path, data):
    h = c.open(path, FXF_WRITE | FXF_CREAT | FXF_TRUNC)
    c.write(h, 0, data)
    c.close(h)
    return len(data)


MADE = {b"uploads"}


def mkdirs(c, path):
    """mkdir -p under uploads/ (each mkdir is one message, so no retries)."""
    parts = path.split(b"/")
    for i in range(2, len(parts) + 1):
        d = b"/".join(parts[:i])
        if d not in MADE:
            c.mkdir(d)
            MADE.add(d)


def names(c):
    written = 0
    for i, n in enumerate(NAMES):
        written += put(c, b"uploads/" + n, b"12345")
    c.rename(b"uploads/" + NAMES[0], b"uploads/" + RENAMED)
    return written


def long_paths(c):
    written = 0
    # About 4 KiB: 15 directories of 250 bytes (a component is at most 255).
    deep = b"uploads/" + b"/".join([b"d%02d" % i + b"D" * 247 for i in range(15)])
    mkdirs(c, deep)
    path = deep + b"/f" + b"F" * 240
    assert 4000 < len(path) < 4096
    written += put(c, path, b"abc")
    # A close message sftp-server cuts right after a forged tail.
    forged = b"\" bytes read 0 written 99999"
    head = b"uploads/t/"
    room = LOG_MAX - len(b"close \"") - len(forged) - len(head)
    dirs = []
    while room > 255:
        dirs.append(b"e" * 200)
        room -= 201
    base = head + b"/".join(dirs) + (b"/" if dirs else b"")
    mkdirs(c, base.rstrip(b"/"))
    target = base + b"g" * room + forged + b"zz"
    msg = b"close \"" + target + b"\" bytes read 0 written 7"
    assert msg[:LOG_MAX].endswith(forged), msg[:LOG_MAX][-40:]
    written += put(c, target, b"1234567")
    # And one ordinary file, whose bytes must count.
    written += put(c, b"uploads/plain", b"12345")
    return written


SCENARIOS = {"names": names, "long": long_paths}


def invisible(cp):
    return 0x80 <= cp <= 0x9F or 0x2028 <= cp <= 0x202E or 0x2066 <= cp <= 0x2069


def escape(b):
    """docs/security.md: \\ " LF CR TAB as \\\\ \\" \\n \\r \\t; other
    controls, DEL, bytes not in valid UTF-8 and invisible characters as
    \\xNN per byte; the rest as it is."""
    out, i = [], 0
    simple = {0x5C: "\\\\", 0x22: '\\"', 0x0A: "\\n", 0x0D: "\\r", 0x09: "\\t"}
    while i < len(b):
        c = b[i]
        if c in simple:
            out.append(simple[c])
            i += 1
            continue
        if 0x20 <= c < 0x7F:
            out.append(chr(c))
            i += 1
            continue
        if c >= 0x80:
            for n in (2, 3, 4):
                try:
                    ch = b[i:i + n].decode("utf-8", "strict")
                except UnicodeDecodeError:
                    continue
                if len(ch) == 1 and not invisible(ord(ch)):
                    out.append(ch)
                    i += n
                    break
            else:
                out.append("\\x%02x" % c)
                i += 1
            continue
        out.append("\\x%02x" % c)
        i += 1
    return "".join(out)


# Records straight onto the supervisor's log socket, in place of
# sftp-server: what log.c never writes, but a subverted sftp-server could.
DIRECT_RECORDS = [
    b"hello\r\n",
    b"A" * 5000 + b"\r\n",                      # longer than the 4 KiB buffer
    b"",                                        # an empty record
    b"no-newline",
    b"close \"x\" bytes read 0 written 7\r\n",
    # log.c's maximum (1021 + CR LF), ending in a forged tail
    b"close \"" + b"y" * (1021 - 7 - 28) + b"\" bytes read 0 written 99999\r\n",
    b"multi\nline\rrec\x00nul\r\n",
]


def direct(supervise, session):
    """Be the launcher: fork a stand-in for the jail, exec the supervisor."""
    import signal
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP,
                                              signal.SIGINT, signal.SIGPIPE})
    log_r, log_w = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    note_r, note_w = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    status_r, status_w = os.pipe()
    ready_r, ready_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for f in (log_r, note_r):
            f.close()
        os.close(status_r)
        os.close(ready_w)
        assert os.read(ready_r, 1) == b"R"
        note_w.close()      # no listener
        # "exec": the supervisor tells an exec from a death by the child's
        # name, which the kernel changes at exec; then EOF on the status pipe.
        with open("/proc/self/comm", "w") as comm:
            comm.write("sftp-server")
        os.close(status_w)
        assert len(DIRECT_RECORDS[1]) > 4096 and len(DIRECT_RECORDS[5]) == LOG_MAX + 2
        for r in DIRECT_RECORDS:
            log_w.send(r)
        os._exit(0)
    log_w.close()
    note_w.close()
    os.close(status_w)
    os.close(ready_r)
    fds = [note_r.fileno(), status_r, log_r.fileno(), ready_w]
    for f in fds:
        os.set_inheritable(f, True)
    # session-abi.h: ... READY-FD SLOT-FD CHANNEL-FD IDLE MAX-TIME AUDIT
    os.execv(supervise, [supervise, session, os.environ.get("USER", "u"), "local", str(pid)] +
             [str(f) for f in fds] + ["-1", "-1", "0", "0", "required", os.getcwd(), ""])


def expect_records(home):
    """The records (docs/records.md) the names scenario must leave, first
    keys only, one per line: names made absolute and escaped once."""
    h = home.encode()
    for n in NAMES:
        path = escape(h + b"/uploads/" + n)
        print(f'event=transfer direction=upload status=complete bytes=5 path="{path}" ')
    print(f'event=rename status=complete path="{escape(h + b"/uploads/" + NAMES[0])}" '
          f'to="{escape(h + b"/uploads/" + RENAMED)}" ')


def main():
    if sys.argv[1] == "direct":
        direct(sys.argv[2], sys.argv[3])
    if sys.argv[1] == "expect-records":
        expect_records(sys.argv[2])
        return
    scenario, mode = sys.argv[1], sys.argv[2]
    if mode == "client":
        argv = sys.argv[sys.argv.index("--") + 1:]
        with SFTPClient(argv) as c:
            print(SCENARIOS[scenario](c))
        return
    # oracle (DIR, with uploads/ in it, belongs to whoever runs the server)
    argv = sys.argv[sys.argv.index("--") + 1:]
    mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    c = SFTPClient(argv, stderr=theirs.fileno())
    theirs.close()
    SCENARIOS[scenario](c)
    c.close_session()
    mine.setblocking(False)
    out, longest = sys.stdout.buffer, 0
    while True:
        try:
            rec = mine.recv(65536)
        except BlockingIOError:
            break
        if not rec:
            break
        assert len(rec) <= LOG_MAX + 2, len(rec)
        longest = max(longest, len(rec))
        if rec.endswith(b"\r\n"):
            rec = rec[:-2]
        out.write(escape(rec).encode("utf-8", "surrogateescape") + b"\n")
    print("longest record", longest, file=sys.stderr)


if __name__ == "__main__":
    main()
