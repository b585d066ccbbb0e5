#!/bin/bash
# deny_requests through the real sshd and jail, for every request name the
# configured sftp-server lists (`sftp-server -Q requests`, read now, not a
# copy): with "deny_requests = NAME" that request fails with
# PERMISSION_DENIED and every other request still works; without a deny,
# all of them work.  A name sftp-server does not know refuses the login
# (its -P would ignore it: a deny that does nothing).  doctor compares the
# names sftpjail was built with against the configured sftp-server's.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-deny
make_user $U
start_sshd < <(sshd_jail_match)
H=$TESTROOT/home/$U
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"

# The sftp-server the launcher runs: the test build's default (the test
# configuration names none).
SERVER=$(sed -n 's/^#define SFTPJAIL_DEFAULT_SFTP_SERVER "\(.*\)"$/\1/p' "$BUILD/build-config.h")
[ -x "$SERVER" ] || bail "no sftp-server path in build-config.h"
mapfile -t NAMES < <("$SERVER" -Q requests)
[ ${#NAMES[@]} -gt 0 ] || bail "$SERVER -Q requests printed nothing"
diag "$SERVER -Q requests: ${NAMES[*]}"

# probe: one SFTP session; for each name, a fresh fixture made on the host
# (so that no other request is needed to set it up), then that request,
# with at most open/opendir first for a handle.  One line per name:
#   NAME ok | NAME denied | NAME blocked-by OTHER (a handle request was
#   denied) | NAME error WHAT | NAME no-probe (a request this test does not
#   know: cover it below)
cat >"$W/probe.py" <<'PY'
import os, sys
sys.path.insert(0, os.path.join(os.environ["SFTPJAIL_SRCDIR"], "tests"))
from sftpclient import *

user, top = sys.argv[1], sys.argv[2]
names = sys.argv[3].split(",")
cmd = sys.argv[sys.argv.index("--") + 1:]
pw = __import__("pwd").getpwnam(user)

def fixture(name):
    """top/NAME/ with f (10 bytes), l -> f, sub/; all the user's."""
    d = f"{top}/{name}"
    os.mkdir(d)
    with open(f"{d}/f", "wb") as fh:
        fh.write(b"0123456789")
    os.symlink("f", f"{d}/l")
    os.mkdir(f"{d}/sub")
    for p in (d, f"{d}/f", f"{d}/l", f"{d}/sub"):
        os.lchown(p, pw.pw_uid, pw.pw_gid)
    return d

RD, WR = FXF_READ, FXF_WRITE
def want(cond, what):
    if not cond:
        raise CheckFailed("-", what)

PROBES = {
    "open": lambda c, d: c.open(f"{d}/f", RD),
    "close": lambda c, d: c.close(c.open(f"{d}/f", RD)),
    "read": lambda c, d: want(c.read(c.open(f"{d}/f", RD), 2, 3) == b"234", "read data"),
    "write": lambda c, d: c.write(c.open(f"{d}/f", WR), 0, b"x"),
    "lstat": lambda c, d: want(c.lstat(f"{d}/l").is_link(), "lstat of a link"),
    "fstat": lambda c, d: want(c.fstat(c.open(f"{d}/f", RD)).size == 10, "fstat size"),
    "setstat": lambda c, d: c.setstat(f"{d}/f", Attrs(perm=0o600)),
    "fsetstat": lambda c, d: c.fsetstat(c.open(f"{d}/f", WR), Attrs(perm=0o600)),
    "opendir": lambda c, d: c.opendir(d),
    "readdir": lambda c, d: want(c.readdir(c.opendir(d)), "readdir entries"),
    "remove": lambda c, d: c.remove(f"{d}/f"),
    "mkdir": lambda c, d: c.mkdir(f"{d}/new"),
    "rmdir": lambda c, d: c.rmdir(f"{d}/sub"),
    "realpath": lambda c, d: want(c.realpath(f"{d}/sub/..") == d, "realpath"),
    "stat": lambda c, d: want(c.stat(f"{d}/l").size == 10, "stat size"),
    "rename": lambda c, d: c.rename(f"{d}/f", f"{d}/g"),
    "readlink": lambda c, d: want(c.readlink(f"{d}/l") == "f", "readlink"),
    "symlink": lambda c, d: c.symlink("f", f"{d}/s"),
    "posix-rename": lambda c, d: c.posix_rename(f"{d}/f", f"{d}/l"),
    "statvfs": lambda c, d: want(c.statvfs(d)["bsize"] > 0, "statvfs"),
    "fstatvfs": lambda c, d: want(c.fstatvfs(c.open(f"{d}/f", RD))["bsize"] > 0, "fstatvfs"),
    "hardlink": lambda c, d: c.hardlink(f"{d}/f", f"{d}/h"),
    "fsync": lambda c, d: c.fsync(c.open(f"{d}/f", WR)),
    "lsetstat": lambda c, d: c.lsetstat(f"{d}/l", Attrs(atime=1000000000, mtime=1000000000)),
    "limits": lambda c, d: want(c.limits()["read"] > 0, "limits"),
    "expand-path": lambda c, d: want(c.expand_path("~").startswith("/"), "expand-path"),
    "copy-data": lambda c, d: c.copy_data(c.open(f"{d}/f", RD), 0, 0,
                                          c.open(f"{d}/c", WR | FXF_CREAT), 0),
    "home-directory": lambda c, d: want(c.home_directory(user) == pw.pw_dir, "home-directory"),
    "users-groups-by-id": lambda c, d: want(c.users_groups_by_id([pw.pw_uid], [])[0] == [user],
                                            "users-groups-by-id"),
}

with SFTPClient(cmd) as c:
    for name in names:
        if name not in PROBES:
            print(f"{name} no-probe")
            continue
        try:
            PROBES[name](c, fixture(name))
            print(f"{name} ok")
        except SFTPError as e:
            if e.status == FX_PERMISSION_DENIED and e.request == name:
                print(f"{name} denied")
            elif e.status == FX_PERMISSION_DENIED:
                print(f"{name} blocked-by {e.request}")
            else:
                print(f"{name} error {e}")
        except (CheckFailed, ProtocolError) as e:
            print(f"{name} error {e}")
        sys.stdout.flush()
PY
_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
ALL=$(IFS=,; echo "${NAMES[*]}")
# probe_session TAG: every name, one session; output in $W/TAG.
probe_session() {
        rm -rf "$H/uploads/$1"; install -d -o $U -g $U "$H/uploads/$1"
        SFTPJAIL_SRCDIR=$SRCDIR timeout 60 "$PY" "$W/probe.py" $U "$H/uploads/$1" "$ALL" -- \
                ssh "${o[@]}" -s "$U@127.0.0.1" sftp >"$W/$1" 2>"$W/$1.err"
}

# Control: no deny, every request works (and the probes can tell).
write_config <<CFG
[user $U]
CFG
probe_session control; rc=$?
diag "$(cat "$W/control" "$W/control.err")"
check "control session ran (rc=$rc)" [ $rc -eq 0 ]
for n in "${NAMES[@]}"; do
        check "without a deny, $n succeeds" grep -qx "$n ok" "$W/control"
done

# One session per name with that name denied.
for n in "${NAMES[@]}"; do
        write_config <<CFG
[user $U]
deny_requests = $n
CFG
        probe_session "deny-$n"
        out=$(cat "$W/deny-$n")
        check "deny_requests = $n: $n is refused with PERMISSION_DENIED" grep -qx "$n denied" <<<"$out"
        # Every other request works, or needed $n for its handle.
        bad=$(grep -vx "$n denied" <<<"$out" | grep -vE "^[^ ]+ (ok|blocked-by $n)$")
        check "deny_requests = $n: every other request still works" \
                [ -z "$bad" -a "$(wc -l <<<"$out")" -eq ${#NAMES[@]} ]
        [ -z "$bad" ] || diag "$bad$(cat "$W/deny-$n.err")"
done
# Every session ended normally: control + one per name, none killed.
for _ in $(seq 1 50); do
        [ "$(grep -c "user=$U session end" "$SYSLOG")" -ge $((${#NAMES[@]} + 1)) ] && break; sleep 0.1
done
check "every session ended with exit 0, none killed" \
        bash -c '[ "$(grep -c "user=$1 session end exit=0" "$2")" -eq $(($3 + 1)) ] &&
                 ! grep "user=$1 session end" "$2" | grep -qv "exit=0"' _ $U "$SYSLOG" ${#NAMES[@]}

# All of them at once, on one line: accepted, and all refused.
write_config <<CFG
[user $U]
deny_requests = $ALL
CFG
probe_session deny-all
diag "$(cat "$W/deny-all")"
check "deny_requests = (every name): each request is refused, or the open/opendir before it" \
        bash -c '[ "$(grep -cE "^[^ ]+ (denied|blocked-by (open|opendir))$" "$1")" -eq $2 ] &&
                 [ "$(wc -l <"$1")" -eq $2 ]' _ "$W/deny-all" ${#NAMES[@]}

# A name sftp-server does not know is a configuration error: the login is
# refused (one stderr line, logged), never an sftp-server with a silent -P.
write_config <<CFG
[user $U]
deny_requests = read,get-users-groups-by-id
CFG
expect_refusal "unknown request name" "unknown sftp request at 'get-users-groups-by-id'"
# Through sshd: for the sftp subsystem sshd drops the command's stderr
# (the client just sees the connection close; expect_refusal checked that
# it fails), so ask for sftp-server by exec request, which the launcher
# treats the same and whose stderr sshd forwards.
err=$(ssh_cmd $U sftp-server </dev/null 2>&1 >"$W/stdout"); rc=$?
diag "client stderr: $err"
check "through sshd: refused (rc=$rc), nothing on stdout" [ $rc -ne 0 -a ! -s "$W/stdout" ]
check "through sshd: the client gets one line from sftpjail naming the bad name" \
        bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] &&
                 grep -qx "sftpjail: login refused: configuration error: $2:2: deny_requests: unknown sftp request at .get-users-groups-by-id. (see sftp-server -Q requests)" <<<"$1"' \
        _ "$err" "$CONF"
check "through sshd: logged with file and line" \
        wait_log "user=$U refused: configuration error: $CONF:2: deny_requests: unknown sftp request" 2
write_config <<CFG
[user $U]
allow_requests = open,close,frobnicate
CFG
expect_refusal "unknown name in allow_requests" "allow_requests: unknown sftp request at 'frobnicate'"

# doctor: the built-in names against the configured sftp-server's.
CTL=$BUILD/src/sftpjailctl
doctor() { "$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" 2>&1; }
write_config <<CFG
[user $U]
CFG
out=$(doctor)
problems=$(grep -c "^problem:" <<<"$out")
check "doctor: the configured sftp-server has the built-in names" \
        grep -qx "ok: sftp_server $SERVER knows the same ${#NAMES[@]} request names as sftpjail" <<<"$out"
check_not "doctor: no request-name problem" grep -q "^problem: sftp_server" <<<"$out"
# Another OpenSSH: one name gone (fsync), one new (frobnicate).
cat >"$W/other-sftp-server" <<SH
#!/bin/sh
[ "\$*" = "-Q requests" ] || exit 1
"$SERVER" -Q requests | grep -vx fsync
echo frobnicate
SH
chmod 0755 "$W/other-sftp-server"
write_config <<CFG
[global]
sftp_server = $W/other-sftp-server
[user $U]
CFG
out=$(doctor); rc=$?
diag "$(grep sftp_server <<<"$out")"
check "doctor: a name sftp-server lacks is a problem, named" \
        grep -q "^problem: sftp_server $W/other-sftp-server does not know the request name(s) fsync that sftpjail was built with: it ignores them" <<<"$out"
check "doctor: a name sftpjail lacks is a problem, named" \
        grep -q "^problem: sftp_server $W/other-sftp-server has request name(s) frobnicate that sftpjail was built without" <<<"$out"
# (A shell script is no ELF file: the launcher's own check refuses it too,
# in a problem line of its own.)
check "doctor: the launcher's refusal of a script as sftp-server" \
        grep -q "^problem: user $U: logins are refused: $W/other-sftp-server: not an ELF file" <<<"$out"
check "doctor: exactly those two request-name problems more than with the real sftp-server" \
        [ "$(grep "^problem:" <<<"$out" | grep -vcF "problem: user $U: logins are refused: $W/other-sftp-server: not an ELF")" -eq $((problems + 2)) -a $rc -eq 1 ]
write_config <<CFG
[global]
sftp_server = $W/no-such-sftp-server
[user $U]
CFG
out=$(doctor)
check "doctor: an sftp-server that cannot list its names is a problem" \
        grep -q "^problem: sftp_server $W/no-such-sftp-server: '$W/no-such-sftp-server -Q requests' failed" <<<"$out"
done_testing
