#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A small, self-contained SFTP version 3 client (stdlib only).

It speaks the protocol over the stdin/stdout of a child command, so the same
code drives a bare server or one behind ssh:

    sftpclient.py exercise --dir /tmp/x -- /usr/lib/openssh/sftp-server -e
    sftpclient.py exercise --dir uploads -- ssh -p 2222 user@host -s sftp
    sftpclient.py version -- /usr/lib/openssh/sftp-server

As a module:

    with SFTPClient(["/usr/lib/openssh/sftp-server"]) as c:
        c.mkdir("/tmp/x/d")
        try:
            c.remove("/etc/passwd")
        except SFTPError as e:
            assert e.status == FX_PERMISSION_DENIED

Packet layouts: draft-ietf-secsh-filexfer-02 plus OpenSSH's PROTOCOL file
(section "SFTP protocol changes") for the @openssh.com extensions, copy-data
and home-directory.  Note OpenSSH's reversed SSH_FXP_SYMLINK arguments.
"""

import argparse
import hashlib
import os
import random
import struct
import subprocess
import sys

# Packet types.
FXP_INIT, FXP_VERSION, FXP_OPEN, FXP_CLOSE, FXP_READ, FXP_WRITE = 1, 2, 3, 4, 5, 6
FXP_LSTAT, FXP_FSTAT, FXP_SETSTAT, FXP_FSETSTAT, FXP_OPENDIR = 7, 8, 9, 10, 11
FXP_READDIR, FXP_REMOVE, FXP_MKDIR, FXP_RMDIR, FXP_REALPATH = 12, 13, 14, 15, 16
FXP_STAT, FXP_RENAME, FXP_READLINK, FXP_SYMLINK = 17, 18, 19, 20
FXP_STATUS, FXP_HANDLE, FXP_DATA, FXP_NAME, FXP_ATTRS = 101, 102, 103, 104, 105
FXP_EXTENDED, FXP_EXTENDED_REPLY = 200, 201

# Status codes.
STATUS_NAMES = ["OK", "EOF", "NO_SUCH_FILE", "PERMISSION_DENIED", "FAILURE",
                "BAD_MESSAGE", "NO_CONNECTION", "CONNECTION_LOST",
                "OP_UNSUPPORTED"]
(FX_OK, FX_EOF, FX_NO_SUCH_FILE, FX_PERMISSION_DENIED, FX_FAILURE,
 FX_BAD_MESSAGE, FX_NO_CONNECTION, FX_CONNECTION_LOST,
 FX_OP_UNSUPPORTED) = range(9)

# SSH_FXP_OPEN flags.
FXF_READ, FXF_WRITE, FXF_APPEND = 0x01, 0x02, 0x04
FXF_CREAT, FXF_TRUNC, FXF_EXCL = 0x08, 0x10, 0x20

# Attribute flags.
ATTR_SIZE, ATTR_UIDGID, ATTR_PERMISSIONS, ATTR_ACMODTIME = 0x1, 0x2, 0x4, 0x8
ATTR_EXTENDED = 0x80000000

# Extension wire names, keyed by the short names `sftp-server -Q requests`
# prints (and -P/-p accept).
EXTENSIONS = {
    "posix-rename": "posix-rename@openssh.com",
    "statvfs": "statvfs@openssh.com",
    "fstatvfs": "fstatvfs@openssh.com",
    "hardlink": "hardlink@openssh.com",
    "fsync": "fsync@openssh.com",
    "lsetstat": "lsetstat@openssh.com",
    "limits": "limits@openssh.com",
    "expand-path": "expand-path@openssh.com",
    "copy-data": "copy-data",
    "home-directory": "home-directory",
    "users-groups-by-id": "users-groups-by-id@openssh.com",
}
REQUESTS = ["open", "close", "read", "write", "lstat", "fstat", "setstat",
            "fsetstat", "opendir", "readdir", "remove", "mkdir", "rmdir",
            "realpath", "stat", "rename", "readlink", "symlink"] + list(EXTENSIONS)


class SFTPError(Exception):
    """A request answered with SSH_FXP_STATUS other than OK."""

    def __init__(self, request, status, message=""):
        self.request, self.status, self.message = request, status, message
        name = STATUS_NAMES[status] if status < len(STATUS_NAMES) else str(status)
        super().__init__(f"{request}: SSH_FX_{name} ({status}) {message}".rstrip())

    @property
    def status_name(self):
        return STATUS_NAMES[self.status] if self.status < len(STATUS_NAMES) else str(self.status)


class ProtocolError(Exception):
    """The peer sent something this client does not understand, or went away."""


# --- wire encoding -----------------------------------------------------------

def u32(n):
    return struct.pack(">I", n)


def u64(n):
    return struct.pack(">Q", n)


def sstr(s):
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogateescape")
    return u32(len(s)) + s


class Reader:
    """Cursor over one packet's payload."""

    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        if self.pos + n > len(self.data):
            raise ProtocolError("truncated packet")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u32(self):
        return struct.unpack(">I", self.take(4))[0]

    def u64(self):
        return struct.unpack(">Q", self.take(8))[0]

    def string(self):
        return self.take(self.u32())

    def text(self):
        return self.string().decode("utf-8", "surrogateescape")

    def done(self):
        return self.pos == len(self.data)


class Attrs:
    """SFTP v3 ATTRS; a field left as None is not sent / was not received."""

    def __init__(self, size=None, uid=None, gid=None, perm=None,
                 atime=None, mtime=None):
        self.size, self.uid, self.gid, self.perm = size, uid, gid, perm
        self.atime, self.mtime = atime, mtime

    def encode(self):
        flags, body = 0, b""
        if self.size is not None:
            flags |= ATTR_SIZE
            body += u64(self.size)
        if self.uid is not None:
            flags |= ATTR_UIDGID
            body += u32(self.uid) + u32(self.gid)
        if self.perm is not None:
            flags |= ATTR_PERMISSIONS
            body += u32(self.perm)
        if self.atime is not None:
            flags |= ATTR_ACMODTIME
            body += u32(self.atime) + u32(self.mtime)
        return u32(flags) + body

    @classmethod
    def decode(cls, r):
        a, flags = cls(), r.u32()
        if flags & ATTR_SIZE:
            a.size = r.u64()
        if flags & ATTR_UIDGID:
            a.uid, a.gid = r.u32(), r.u32()
        if flags & ATTR_PERMISSIONS:
            a.perm = r.u32()
        if flags & ATTR_ACMODTIME:
            a.atime, a.mtime = r.u32(), r.u32()
        if flags & ATTR_EXTENDED:
            for _ in range(r.u32()):
                r.string(), r.string()
        return a

    def is_dir(self):
        return self.perm is not None and (self.perm & 0o170000) == 0o040000

    def is_link(self):
        return self.perm is not None and (self.perm & 0o170000) == 0o120000

    def __repr__(self):
        return "Attrs(%s)" % ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                                       if v is not None)


# --- the client --------------------------------------------------------------

class SFTPClient:
    """One SFTP session over a child process's stdin/stdout.

    Every request method raises SFTPError (with .status) when the server
    answers with a failure status.  `calls` counts requests sent per name."""

    def __init__(self, argv, stderr=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=stderr,
                                     bufsize=0)
        self.wr, self.rd = self.proc.stdin, self.proc.stdout
        self.next_id = 1
        self.replies = {}               # request id -> (type, Reader)
        self.calls = {}
        self._send_packet(FXP_INIT, u32(3))
        typ, r = self._read_packet()
        if typ != FXP_VERSION:
            raise ProtocolError(f"expected VERSION, got packet type {typ}")
        self.version = r.u32()
        self.extensions = {}
        while not r.done():
            name = r.text()
            self.extensions[name] = r.text()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close_session()

    def close_session(self):
        """Close the server's stdin and wait for it; returns its exit status."""
        if self.proc.poll() is None:
            try:
                self.wr.close()
            except OSError:
                pass
        try:
            return self.proc.wait(timeout=30)
        finally:
            self.rd.close()

    # Framing: uint32 length, byte type, payload.
    def _send_packet(self, typ, payload):
        try:
            self.wr.write(u32(len(payload) + 1) + bytes([typ]) + payload)
        except BrokenPipeError:
            raise ProtocolError("server closed its input") from None

    def _read_exact(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.rd.read(n - len(buf))
            if not chunk:
                raise ProtocolError("server closed the connection")
            buf += chunk
        return buf

    def _read_packet(self):
        length = struct.unpack(">I", self._read_exact(4))[0]
        if length < 1 or length > 1 << 20:
            raise ProtocolError(f"bad packet length {length}")
        data = self._read_exact(length)
        return data[0], Reader(data[1:])

    def _send(self, name, typ, payload):
        """Send a request; return its id (the reply is fetched with _wait)."""
        rid = self.next_id
        self.next_id = (self.next_id + 1) & 0xFFFFFFFF
        self.calls[name] = self.calls.get(name, 0) + 1
        if typ == FXP_EXTENDED:
            payload = sstr(EXTENSIONS[name]) + payload
        self._send_packet(typ, u32(rid) + payload)
        return rid

    def _wait(self, rid):
        while rid not in self.replies:
            typ, r = self._read_packet()
            self.replies[r.u32()] = (typ, r)
        return self.replies.pop(rid)

    def _reply(self, name, rid, expect, eof_ok=False):
        """Wait for reply `rid`; return its Reader (None for STATUS OK/EOF)."""
        typ, r = self._wait(rid)
        if typ == FXP_STATUS:
            code, msg = r.u32(), (r.text() if not r.done() else "")
            if code == FX_OK and expect == FXP_STATUS:
                return None
            if code == FX_EOF and eof_ok:
                return None
            raise SFTPError(name, code, msg)
        if typ != expect:
            raise ProtocolError(f"{name}: expected packet type {expect}, got {typ}")
        return r

    def _call(self, name, typ, payload, expect=FXP_STATUS, eof_ok=False):
        return self._reply(name, self._send(name, typ, payload), expect, eof_ok)

    def _ext(self, name, payload=b"", expect=FXP_STATUS):
        return self._call(name, FXP_EXTENDED, payload, expect)

    @staticmethod
    def _names(r):
        return [(r.text(), r.text(), Attrs.decode(r)) for _ in range(r.u32())]

    # --- SFTP v3 requests ----------------------------------------------------
    def open(self, path, pflags, attrs=None):
        payload = sstr(path) + u32(pflags) + (attrs or Attrs()).encode()
        return self._call("open", FXP_OPEN, payload, FXP_HANDLE).string()

    def close(self, handle):
        self._call("close", FXP_CLOSE, sstr(handle))

    def read(self, handle, offset, length):
        """Return up to `length` bytes, or b"" at end of file."""
        r = self._call("read", FXP_READ, sstr(handle) + u64(offset) + u32(length),
                       FXP_DATA, eof_ok=True)
        return r.string() if r else b""

    def write(self, handle, offset, data):
        self._call("write", FXP_WRITE, sstr(handle) + u64(offset) + sstr(data))

    def lstat(self, path):
        return Attrs.decode(self._call("lstat", FXP_LSTAT, sstr(path), FXP_ATTRS))

    def fstat(self, handle):
        return Attrs.decode(self._call("fstat", FXP_FSTAT, sstr(handle), FXP_ATTRS))

    def stat(self, path):
        return Attrs.decode(self._call("stat", FXP_STAT, sstr(path), FXP_ATTRS))

    def setstat(self, path, attrs):
        self._call("setstat", FXP_SETSTAT, sstr(path) + attrs.encode())

    def fsetstat(self, handle, attrs):
        self._call("fsetstat", FXP_FSETSTAT, sstr(handle) + attrs.encode())

    def opendir(self, path):
        return self._call("opendir", FXP_OPENDIR, sstr(path), FXP_HANDLE).string()

    def readdir(self, handle):
        """One batch of (name, longname, Attrs); [] at end of directory."""
        r = self._call("readdir", FXP_READDIR, sstr(handle), FXP_NAME, eof_ok=True)
        return self._names(r) if r else []

    def remove(self, path):
        self._call("remove", FXP_REMOVE, sstr(path))

    def mkdir(self, path, attrs=None):
        self._call("mkdir", FXP_MKDIR, sstr(path) + (attrs or Attrs()).encode())

    def rmdir(self, path):
        self._call("rmdir", FXP_RMDIR, sstr(path))

    def realpath(self, path):
        return self._names(self._call("realpath", FXP_REALPATH, sstr(path), FXP_NAME))[0][0]

    def rename(self, old, new):
        self._call("rename", FXP_RENAME, sstr(old) + sstr(new))

    def readlink(self, path):
        return self._names(self._call("readlink", FXP_READLINK, sstr(path), FXP_NAME))[0][0]

    def symlink(self, target, linkpath):
        # OpenSSH sends (and expects) targetpath first: PROTOCOL section 3.1.
        self._call("symlink", FXP_SYMLINK, sstr(target) + sstr(linkpath))

    # --- extensions ----------------------------------------------------------
    def posix_rename(self, old, new):
        self._ext("posix-rename", sstr(old) + sstr(new))

    @staticmethod
    def _statvfs_reply(r):
        keys = ("bsize", "frsize", "blocks", "bfree", "bavail", "files", "ffree",
                "favail", "fsid", "flag", "namemax")
        return {k: r.u64() for k in keys}

    def statvfs(self, path):
        return self._statvfs_reply(self._ext("statvfs", sstr(path), FXP_EXTENDED_REPLY))

    def fstatvfs(self, handle):
        return self._statvfs_reply(self._ext("fstatvfs", sstr(handle), FXP_EXTENDED_REPLY))

    def hardlink(self, old, new):
        self._ext("hardlink", sstr(old) + sstr(new))

    def fsync(self, handle):
        self._ext("fsync", sstr(handle))

    def lsetstat(self, path, attrs):
        self._ext("lsetstat", sstr(path) + attrs.encode())

    def limits(self):
        r = self._ext("limits", b"", FXP_EXTENDED_REPLY)
        return {k: r.u64() for k in ("packet", "read", "write", "handles")}

    def expand_path(self, path):
        return self._names(self._ext("expand-path", sstr(path), FXP_NAME))[0][0]

    def copy_data(self, src, src_off, length, dst, dst_off):
        """Server-side copy; length 0 means up to end of file."""
        self._ext("copy-data", sstr(src) + u64(src_off) + u64(length) +
                  sstr(dst) + u64(dst_off))

    def home_directory(self, user):
        return self._names(self._ext("home-directory", sstr(user), FXP_NAME))[0][0]

    def users_groups_by_id(self, uids, gids):
        """Return ([user names], [group names]); "" for an unknown id."""
        payload = sstr(b"".join(map(u32, uids))) + sstr(b"".join(map(u32, gids)))
        r = self._ext("users-groups-by-id", payload, FXP_EXTENDED_REPLY)
        unames, gnames = Reader(r.string()), Reader(r.string())
        return ([unames.text() for _ in uids], [gnames.text() for _ in gids])

    # --- conveniences built on the requests ----------------------------------
    def listdir(self, path):
        handle, entries = self.opendir(path), []
        try:
            while batch := self.readdir(handle):
                entries += batch
        finally:
            self.close(handle)
        return entries

    def write_stream(self, handle, chunks, depth=8, offset=0):
        """Write an iterable of byte chunks, keeping `depth` WRITEs in flight."""
        inflight = []
        for chunk in chunks:
            inflight.append(self._send("write", FXP_WRITE,
                                       sstr(handle) + u64(offset) + sstr(chunk)))
            offset += len(chunk)
            if len(inflight) >= depth:
                self._reply("write", inflight.pop(0), FXP_STATUS)
        for rid in inflight:
            self._reply("write", rid, FXP_STATUS)
        return offset

    def read_stream(self, handle, size, chunk=64 * 1024, depth=8):
        """Yield bytes [0, size) in order, keeping `depth` READs in flight.
        A short reply is completed by re-requesting the remainder."""
        pending = []                    # [(id, offset, length)] in offset order
        offset = 0
        while offset < size or pending:
            while offset < size and len(pending) < depth:
                n = min(chunk, size - offset)
                pending.append((self._send("read", FXP_READ,
                                           sstr(handle) + u64(offset) + u32(n)),
                                offset, n))
                offset += n
            rid, off, n = pending.pop(0)
            r = self._reply("read", rid, FXP_DATA, eof_ok=True)
            data = r.string() if r else b""
            if not data:
                raise ProtocolError(f"read: unexpected EOF at {off} of {size}")
            if len(data) < n:
                rest = (self._send("read", FXP_READ, sstr(handle) +
                                   u64(off + len(data)) + u32(n - len(data))),
                        off + len(data), n - len(data))
                pending.insert(0, rest)
            yield data


# --- exercise ------------------------------------------------------------------

class CheckFailed(Exception):
    def __init__(self, request, message):
        self.request = request
        super().__init__(message)


def check(cond, request, message):
    if not cond:
        raise CheckFailed(request, message)


def expect_status(status, fn, *args):
    """Call a request that must fail with `status`."""
    try:
        fn(*args)
    except SFTPError as e:
        check(e.status == status, e.request,
              f"expected SSH_FX_{STATUS_NAMES[status]}, got {e}")
        return
    raise CheckFailed(fn.__name__.replace("_", "-"),
                      f"succeeded, expected SSH_FX_{STATUS_NAMES[status]}")


def random_chunks(seed, total, chunk=64 * 1024):
    rng = random.Random(seed)
    while total > 0:
        n = min(chunk, total)
        yield rng.randbytes(n)
        total -= n


def put(c, path, data, flags=FXF_WRITE | FXF_CREAT | FXF_TRUNC):
    h = c.open(path, flags, Attrs(perm=0o644))
    try:
        c.write(h, 0, data)
    finally:
        c.close(h)


def get(c, path):
    h = c.open(path, FXF_READ)
    try:
        return b"".join(c.read_stream(h, c.fstat(h).size))
    finally:
        c.close(h)


class Exercise:
    """Drives every request against a scratch directory inside `top`."""

    def __init__(self, client, top, small, big_mib):
        self.c, self.small, self.big = client, small, big_mib << 20
        self.base = f"{top.rstrip('/') or ''}/sftpclient.{os.getpid()}"
        self.failures = {}
        self.chunk = 32 * 1024

    def p(self, *parts):
        return "/".join((self.base,) + parts)

    def run(self):
        steps = [self.setup, self.identity, self.big_file, self.copy,
                 self.small_files, self.metadata, self.links_and_renames,
                 self.odd_names, self.long_path, self.errors, self.teardown]
        for step in steps:
            try:
                step()
            except (SFTPError, CheckFailed) as e:
                print(f"# step {step.__name__} failed: {e}", file=sys.stderr)
                self.failures.setdefault(e.request, f"{step.__name__}: {e}")
            except ProtocolError as e:
                self.failures.setdefault("session", f"{step.__name__}: {e}")
                break
        ok = True
        for name in REQUESTS:
            if name in self.failures:
                print(f"FAIL {name}: {self.failures[name]}")
            elif not self.c.calls.get(name):
                print(f"FAIL {name}: not exercised")
            else:
                print(f"ok {name}")
                continue
            ok = False
        for name in sorted(set(self.failures) - set(REQUESTS)):   # e.g. "session"
            print(f"FAIL {name}: {self.failures[name]}")
            ok = False
        return ok

    def setup(self):
        c = self.c
        missing = set(EXTENSIONS.values()) - set(c.extensions)
        check(not missing, "limits", f"extensions not advertised: {sorted(missing)}")
        c.mkdir(self.base, Attrs(perm=0o755))
        check(c.stat(self.base).is_dir(), "mkdir", "not a directory")
        check(c.realpath(self.base + "/./../" + self.base.rsplit("/", 1)[1])
              == c.realpath(self.base),
              "realpath", "does not normalise")
        lim = c.limits()
        check(lim["write"] >= 32768 and lim["read"] >= 32768, "limits", repr(lim))
        self.chunk = min(64 * 1024, lim["write"], lim["read"])

    def identity(self):
        c = self.c
        home = c.realpath(".")
        check(c.expand_path("~") == home, "expand-path", "~ is not the start directory")
        check(c.expand_path(self.base) == c.realpath(self.base), "expand-path", "absolute")
        st = c.stat(self.base)
        users, groups = c.users_groups_by_id([st.uid, 0x7ffffff0], [st.gid])
        check(users[1] == "", "users-groups-by-id", "unknown uid got a name")
        if users[0]:
            check(c.home_directory(users[0]).startswith("/"), "home-directory", "not absolute")
        else:  # no passwd entry for the owner: the server must say so
            expect_status(FX_FAILURE, c.home_directory, "no-such-user-sftpclient")

    def big_file(self):
        c, path, want = self.c, self.p("big"), hashlib.sha256()
        h = c.open(path, FXF_WRITE | FXF_CREAT | FXF_TRUNC, Attrs(perm=0o600))
        chunks = (want.update(b) or b for b in random_chunks(1, self.big, self.chunk))
        c.write_stream(h, chunks)
        c.fsync(h)
        check(c.fstat(h).size == self.big, "fstat", "size after write")
        vfs = c.fstatvfs(h)
        check(vfs["namemax"] > 0 and vfs["bsize"] > 0, "fstatvfs", repr(vfs))
        c.close(h)
        check(c.statvfs(self.base)["fsid"] == vfs["fsid"], "statvfs", "fsid differs")

        h = c.open(path, FXF_READ)
        got = hashlib.sha256()
        for data in c.read_stream(h, self.big, self.chunk):
            got.update(data)
        check(c.read(h, self.big, 4096) == b"", "read", "no EOF at end of file")
        c.close(h)
        check(got.digest() == want.digest(), "read", "SHA-256 of the big file differs")
        self.big_sha = want.digest()

    def copy(self):
        c = self.c
        src = c.open(self.p("big"), FXF_READ)
        dst = c.open(self.p("big.copy"), FXF_WRITE | FXF_CREAT | FXF_TRUNC)
        c.copy_data(src, 0, 0, dst, 0)              # whole file
        c.copy_data(src, 10, 5, dst, self.big + 3)  # a range, past the end
        head = c.read(src, 10, 5)
        c.close(src)
        c.close(dst)
        h = c.open(self.p("big.copy"), FXF_READ)
        got = hashlib.sha256()
        for data in c.read_stream(h, self.big, self.chunk):
            got.update(data)
        tail = c.read(h, self.big, 16)
        c.close(h)
        check(got.digest() == self.big_sha, "copy-data", "copied data differs")
        check(tail == b"\0\0\0" + head, "copy-data", f"range copy: {tail!r}")
        c.remove(self.p("big.copy"))
        c.remove(self.p("big"))

    def small_files(self):
        c, d = self.c, self.p("many")
        c.mkdir(d)
        names = {f"f{i:05d}" for i in range(self.small)}
        for n in sorted(names):
            put(c, f"{d}/{n}", n.encode())
        entries = c.listdir(d)
        listed = {e[0] for e in entries} - {".", ".."}
        check(listed == names, "readdir", f"{len(listed)} listed, {len(names)} created")
        check(all(e[2].size == 6 for e in entries if e[0] in names), "readdir", "sizes")
        for n in sorted(names):
            check(c.lstat(f"{d}/{n}").size == 6, "lstat", n)
        check(get(c, f"{d}/f00000") == b"f00000", "read", "small file content")
        for n in sorted(names):
            c.remove(f"{d}/{n}")
        check(c.listdir(d)[2:] == [], "remove", "directory not empty")
        c.rmdir(d)

    def metadata(self):
        c, f = self.c, self.p("meta")
        put(c, f, b"0123456789")
        st = c.stat(f)
        c.setstat(f, Attrs(size=4))                  # truncate() first: it sets mtime
        c.setstat(f, Attrs(perm=0o640))
        c.setstat(f, Attrs(uid=st.uid, gid=st.gid))   # chown to ourselves
        c.setstat(f, Attrs(atime=1000000000, mtime=1000000001))
        st = c.stat(f)
        check((st.perm & 0o7777, st.mtime, st.size) == (0o640, 1000000001, 4),
              "setstat", repr(st))
        h = c.open(f, FXF_READ | FXF_WRITE)
        c.fsetstat(h, Attrs(size=2))
        c.fsetstat(h, Attrs(perm=0o600))
        c.fsetstat(h, Attrs(uid=st.uid, gid=st.gid))
        c.fsetstat(h, Attrs(atime=1200000000, mtime=1200000001))
        st = c.fstat(h)
        check((st.perm & 0o7777, st.mtime, st.size) == (0o600, 1200000001, 2),
              "fsetstat", repr(st))
        c.close(h)
        h = c.open(f, FXF_WRITE | FXF_APPEND)        # append ignores the offset
        c.write(h, 0, b"ab")
        c.close(h)
        check(get(c, f) == b"01ab", "write", "append")
        c.remove(f)

    def links_and_renames(self):
        c = self.c
        a, b, l, h = self.p("a"), self.p("b"), self.p("link"), self.p("hard")
        put(c, a, b"payload")
        c.symlink("a", l)                           # relative target
        check(c.readlink(l) == "a", "readlink", "target")
        check(c.lstat(l).is_link() and c.stat(l).size == 7, "lstat", "symlink")
        st = c.lstat(l)
        c.lsetstat(l, Attrs(atime=1100000000, mtime=1100000000))
        c.lsetstat(l, Attrs(uid=st.uid, gid=st.gid))        # fchownat(NOFOLLOW)
        check(c.lstat(l).mtime == 1100000000, "lsetstat", "link mtime")
        check(c.stat(a).mtime != 1100000000, "lsetstat", "followed the link")
        expect_status(FX_FAILURE, c.lsetstat, l, Attrs(perm=0o600))  # EOPNOTSUPP
        c.hardlink(a, h)
        check(c.stat(h).size == 7, "hardlink", "link size")
        c.rename(a, b)                              # link()+unlink() in sftp-server
        expect_status(FX_NO_SUCH_FILE, c.stat, a)
        put(c, a, b"replacement")
        expect_status(FX_FAILURE, c.rename, a, h)   # plain rename refuses to replace
        c.posix_rename(a, h)                        # POSIX rename replaces
        check(get(c, h) == b"replacement", "posix-rename", "content")
        check(get(c, b) == b"payload", "hardlink", "old inode")
        c.mkdir(self.p("d1"))
        c.rename(self.p("d1"), self.p("d2"))        # directories: rename()
        c.rmdir(self.p("d2"))
        for p in (b, h, l):
            c.remove(p)

    def odd_names(self):
        c = self.c
        names = ["with space", "new\nline", "ütf-8 ✓ 日本", "-leading-dash",
                 "x" * 255, "'quote\"", "tab\there", "\\back"]
        for n in names:
            put(c, self.p(n), n.encode("utf-8"))
        listed = {e[0] for e in c.listdir(self.base)}
        check(set(names) <= listed, "readdir", f"missing {set(names) - listed!r}")
        for n in names:
            check(c.stat(self.p(n)).size == len(n.encode()), "stat", repr(n))
            c.remove(self.p(n))
        expect_status(FX_BAD_MESSAGE, c.mkdir, self.p("y" * 256))  # ENAMETOOLONG

    def long_path(self):
        c, comps = self.c, []
        budget = 4000 - len(c.realpath(self.base).encode())  # stay below PATH_MAX
        while budget > 250:
            comps.append(("%03d" % len(comps)) + "d" * 196)
            budget -= 200
        for i in range(1, len(comps) + 1):
            c.mkdir(self.p(*comps[:i]))
        deep = self.p(*comps, "leaf")
        put(c, deep, b"deep")
        check(get(c, deep) == b"deep", "read", "deep file")
        check(c.realpath(deep).endswith(comps[-1] + "/leaf"), "realpath", "deep path")
        c.remove(deep)
        for i in range(len(comps), 0, -1):
            c.rmdir(self.p(*comps[:i]))

    def errors(self):
        c, f = self.c, self.p("e")
        expect_status(FX_NO_SUCH_FILE, c.stat, self.p("missing"))
        expect_status(FX_NO_SUCH_FILE, c.lstat, self.p("missing"))
        expect_status(FX_NO_SUCH_FILE, c.open, self.p("missing"), FXF_READ)
        expect_status(FX_NO_SUCH_FILE, c.opendir, self.p("missing"))
        expect_status(FX_NO_SUCH_FILE, c.remove, self.p("missing"))
        expect_status(FX_NO_SUCH_FILE, c.readlink, self.p("missing"))
        put(c, f, b"x")
        expect_status(FX_FAILURE, c.open, f, FXF_WRITE | FXF_CREAT | FXF_EXCL)
        expect_status(FX_NO_SUCH_FILE, c.close, b"bogus-handle")
        expect_status(FX_FAILURE, c.rmdir, self.base)              # not empty
        expect_status(FX_FAILURE, c.mkdir, f)                      # exists
        expect_status(FX_NO_SUCH_FILE, c.opendir, f)               # ENOTDIR
        c.remove(f)

    def teardown(self):
        """Remove the scratch tree; anything left is from a failed step."""
        def purge(path):
            for name, _, attrs in self.c.listdir(path):
                if name in (".", ".."):
                    continue
                if attrs.is_dir():
                    purge(f"{path}/{name}")
                    self.c.rmdir(f"{path}/{name}")
                else:
                    self.c.remove(f"{path}/{name}")
        purge(self.base)
        self.c.rmdir(self.base)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--" not in argv:
        print("usage: sftpclient.py {exercise --dir DIR [--small N] [--big-mib N]"
              " | version} -- COMMAND [ARG...]", file=sys.stderr)
        return 2
    split = argv.index("--")
    ap = argparse.ArgumentParser(prog="sftpclient.py")
    sub = ap.add_subparsers(dest="cmd", required=True)
    ex = sub.add_parser("exercise", help="drive every request inside DIR")
    ex.add_argument("--dir", required=True, help="writable directory, server's view")
    ex.add_argument("--small", type=int, default=500, help="number of small files")
    ex.add_argument("--big-mib", type=int, default=64, help="size of the big file")
    sub.add_parser("version", help="print the server's version and extensions")
    args = ap.parse_args(argv[:split])
    command = argv[split + 1:]
    if not command:
        ap.error("no command after --")

    with SFTPClient(command) as c:
        if args.cmd == "version":
            print(f"version {c.version}")
            for name, ver in c.extensions.items():
                print(f"extension {name} {ver}")
            return 0
        return 0 if Exercise(c, args.dir, args.small, args.big_mib).run() else 1


if __name__ == "__main__":
    sys.exit(main())
