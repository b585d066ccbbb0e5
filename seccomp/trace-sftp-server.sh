#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Re-derive the system calls OpenSSH's sftp-server makes, to check or update
# seccomp/sftp-server.policy after a glibc or OpenSSH upgrade.
#
#   sudo seccomp/trace-sftp-server.sh [OUTDIR]
#
# Runs sftp-server under `strace -f` in every mode sftpjail can start it in,
# driven by tests/sftpclient.py (every SFTP request and extension) and by
# OpenSSH's own sftp(1), including once inside a jail-like chroot (no /proc,
# /sys, ld.so.cache or nsswitch.conf; two-line passwd/group; no_new_privs).
# Only what the sftp-server process does after its execve is kept.  Writes
# OUTDIR/<scenario>.trace and .log, and OUTDIR/summary.txt: every syscall
# with the scenarios that made it and the errors it returned, the ioctl
# requests and prctl options seen, and the calls missing from the policy
# (in the jail, or only on the host, whose NSS modules do more).
#
# Environment: SFTP_SERVER (default /usr/lib/openssh/sftp-server),
# SMALL (small files, default 500), BIG_MIB (big file, default 64).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
client=$here/../tests/sftpclient.py
policy=$here/sftp-server.policy
server=${SFTP_SERVER:-/usr/lib/openssh/sftp-server}
py=/usr/bin/python3
small=${SMALL:-500}
big=${BIG_MIB:-64}
uid=$(id -u nobody)
gid=$(id -g nobody)

[ "$(id -u)" = 0 ] || { echo "run as root (it chroots and changes uid)" >&2; exit 1; }
for tool in strace setpriv unshare sftp; do
        command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install strace openssh-client)" >&2; exit 1; }
done

out=${1:-$(mktemp -d /tmp/sftp-trace.XXXXXX)}
mkdir -p "$out"
rm -f "$out"/*.trace "$out"/*.log
work=$(mktemp -d /tmp/sftp-trace-work.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT

# sftp-server as an unprivileged user with no_new_privs, as in the jail.
asuser=(setpriv --reuid="$uid" --regid="$gid" --clear-groups --no-new-privs)

fresh_dir() {
        rm -rf "${work:?}/${1:?}"
        mkdir -p "$work/$1"
        chown "$uid:$gid" "$work/$1"
        echo "$work/$1"
}

# exercise NAME DIR [SFTP-SERVER-OPTION...]: the full client run.  In -R/-P
# modes the client reports the refused requests; that is expected.
exercise() {
        local name=$1 dir=$2
        shift 2
        echo "== $name"
        "$py" "$client" exercise --dir "$dir" --small "$small" --big-mib "$big" -- \
                strace -f -qq -o "$out/$name.trace" "${asuser[@]}" "$server" "$@" \
                >"$out/$name.log" 2>&1 || echo "   (client reported failures: see $out/$name.log)"
}

# 1. Every request, in each sftp-server mode the launcher may use.
exercise default "$(fresh_dir a)" -e -l INFO
exercise debug3 "$(fresh_dir b)" -e -l DEBUG3
exercise umask "$(fresh_dir c)" -e -l INFO -u 022
exercise startdir . -e -l INFO -d "$(fresh_dir d)"
d=$(fresh_dir e); echo data >"$d/existing"; chown -R "$uid:$gid" "$d"
exercise readonly "$d" -e -l INFO -R
exercise deny-read "$(fresh_dir f)" -e -l INFO -P read

# 2. Start-up and exit only: stdin at EOF at once.
echo "== startup-exit"
strace -f -qq -o "$out/startup-exit.trace" "${asuser[@]}" "$server" -e -l INFO \
        </dev/null >/dev/null 2>"$out/startup-exit.log" || true

# 3. Logging to syslog instead of stderr (no -e): what a jail without
#    /dev/log would see if an admin dropped -e.
echo "== syslog"
"$py" "$client" exercise --dir "$(fresh_dir g)" --small 5 --big-mib 1 -- \
        strace -f -qq -o "$out/syslog.trace" "${asuser[@]}" "$server" -l INFO \
        >"$out/syslog.log" 2>&1 || true

# 4. OpenSSH's sftp(1) client, which uses the requests its own way.
echo "== sftp-cli"
d=$(fresh_dir h)
head -c 3M /dev/urandom >"$work/local.bin"
cat >"$work/batch" <<EOF
cd $d
put $work/local.bin up.bin
put -p $work/local.bin up2.bin
get up.bin $work/back.bin
-reget up.bin $work/back.bin
-reput $work/local.bin up.bin
ls -l
ls -la .
mkdir sub
rename up.bin sub/moved.bin
ln sub/moved.bin hard.bin
symlink sub/moved.bin soft.bin
ls -l
chmod 600 hard.bin
chgrp $gid hard.bin
chown $uid hard.bin
cp hard.bin copied.bin
df -h
df -i .
rm soft.bin
rm hard.bin
rm copied.bin
rm up2.bin
rm sub/moved.bin
rmdir sub
pwd
EOF
sftp -q -b "$work/batch" -D "strace -f -qq -o $out/sftp-cli.trace ${asuser[*]} $server -e -l INFO" \
        >"$out/sftp-cli.log" 2>&1 || echo "   (sftp batch failed: see $out/sftp-cli.log)"
cmp -s "$work/local.bin" "$work/back.bin" || echo "   (sftp get: data differs)"

# 5. The jail's start-up: a tmpfs root holding only sftp-server, the loader,
#    libc, /dev/null and a two-entry passwd/group; no /proc, /sys,
#    /etc/ld.so.cache or /etc/nsswitch.conf; chroot, uid change, no_new_privs.
echo "== jail"
cat >"$work/jailrun.py" <<'EOF'
import ctypes, os, subprocess, sys
root, uid, gid, argv = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
def run(*a):
    subprocess.run(a, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
run("mount", "-t", "tmpfs", "-o", "mode=755", "sftptrace", root)
for path in (argv[0], "/lib64/ld-linux-x86-64.so.2",
             "/lib/x86_64-linux-gnu/libc.so.6", "/dev/null"):
    os.makedirs(os.path.dirname(root + path), exist_ok=True)
    open(root + path, "w").close()
    run("mount", "--bind", path, root + path)
os.makedirs(root + "/etc")
with open(root + "/etc/passwd", "w") as f:
    f.write(f"root:x:0:0:root:/root:/usr/sbin/nologin\n"
            f"sjtrace:x:{uid}:{gid}:sjtrace:/home/sjtrace:/usr/sbin/nologin\n")
with open(root + "/etc/group", "w") as f:
    f.write(f"root:x:0:\nsjtrace:x:{gid}:\n")
os.makedirs(root + "/home/sjtrace/uploads")
run("mount", "-o", "remount,ro", root)
run("mount", "-t", "tmpfs", "-o", f"mode=755,uid={uid},gid={gid}", "uploads",
    root + "/home/sjtrace/uploads")
os.chroot(root)
os.chdir("/home/sjtrace")
os.setgroups([])
os.setgid(gid)
os.setuid(uid)
if ctypes.CDLL(None, use_errno=True).prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
    sys.exit("PR_SET_NO_NEW_PRIVS failed")
os.execve(argv[0], argv, {"HOME": "/home/sjtrace", "USER": "sjtrace",
                          "LOGNAME": "sjtrace", "PATH": "/usr/bin:/bin"})
EOF
mkdir "$work/root"
"$py" "$client" exercise --dir uploads --small "$small" --big-mib "$big" -- \
        strace -f -qq -o "$out/jail.trace" unshare -m --propagation private \
        "$py" "$work/jailrun.py" "$work/root" "$uid" "$gid" "$server" -e -l INFO -u 022 -d /home/sjtrace \
        >"$out/jail.log" 2>&1 || echo "   (client reported failures: see $out/jail.log)"
echo "== jail startup-exit"
strace -f -qq -o "$out/jail-startup-exit.trace" unshare -m --propagation private \
        "$py" "$work/jailrun.py" "$work/root" "$uid" "$gid" "$server" -e -l INFO \
        </dev/null >/dev/null 2>"$out/jail-startup-exit.log" || true

# Summarise: only the sftp-server process, from its execve on.
"$py" - "$out" "$server" "$policy" <<'EOF' | tee "$out/summary.txt"
import collections, glob, os, re, sys
out, server, policy = sys.argv[1:]
call = re.compile(r"^(\d+)\s+(?:<\.\.\. )?([a-z_0-9]+)(?:\(| resumed>)")
seen = collections.defaultdict(set)          # syscall -> scenarios
errs = collections.defaultdict(set)          # syscall -> errno names
ioctls, prctls, sockets = set(), set(), set()
# The policy first: allow/errno lines, and the argument conditions of
# allow-arg (value in the list) and allow-unless (not all of the bits).
allowed, conds = set(), {}
for line in open(policy):
    w = line.split("#")[0].split()
    if w and w[0] == "allow":
        allowed.update(w[1:])
    elif w and w[0] == "errno":
        allowed.update(w[2:])
    elif w and w[0] in ("allow-arg", "allow-unless"):
        allowed.add(w[1])
        conds[w[1]] = (w[0], int(w[2]), set(w[3:]))
argvals = collections.defaultdict(set)       # syscall -> argument values seen
badargs = collections.defaultdict(set)       # "call(arg)" -> scenarios
for path in sorted(glob.glob(f"{out}/*.trace")):
    scen, pid = os.path.basename(path)[:-6], None
    for line in open(path, errors="replace"):
        m = call.match(line)
        if not m:
            continue
        if pid is None:
            if line.split(None, 1)[1].startswith(f'execve("{server}",') and "= 0" in line:
                pid = m[1]
                seen["execve"].add(scen)
            continue
        if m[1] != pid or "resumed>" in line:
            continue
        name = m[2]
        seen[name].add(scen)
        e = re.search(r"= -1 (E[A-Z0-9]+)", line)
        if e:
            errs[name].add(e[1])
        if name == "ioctl":
            ioctls.add(re.search(r"ioctl\(\d+, (\w+)", line)[1])
        elif name == "prctl":
            prctls.add(re.search(r"prctl\((\w+)", line)[1])
        elif name in ("socket", "connect", "sendto", "sendmsg"):
            c = re.sub(r"^\d+\s+", "", line.strip())
            if name == "sendto":  # syslog lines: one shape is enough
                c = re.sub(r'"[^"]*"(\.\.\.)?', '"..."', re.sub(r"\b\d+\b", "N", c))
            sockets.add(c)
        if name in conds:
            kind, idx, vals = conds[name]
            args = line.split(name + "(", 1)[1].split(", ")
            arg = re.split(r"\)\s+=", args[idx])[0].strip() if idx < len(args) else "?"
            argvals[name].add(arg)
            if kind == "allow-arg" and arg not in vals or kind == "allow-unless" and vals <= set(arg.split("|")):
                badargs[f"{name}(arg{idx}={arg})"].add(scen)
print(f"{'syscall':24} {'errors':28} scenarios")
for name in sorted(seen):
    print(f"{name:24} {','.join(sorted(errs[name])) or '-':28} {' '.join(sorted(seen[name]))}")
print("\nioctl requests:", " ".join(sorted(ioctls)) or "none")
print("prctl options:", " ".join(sorted(prctls)) or "none")
print("socket calls:", *sorted(sockets), sep="\n  ")
print("argument-filtered calls, values seen:",
      *(f"{n} arg{conds[n][1]}: {' '.join(sorted(v))}" for n, v in sorted(argvals.items())), sep="\n  ")
bad_jail = {c for c, sc in badargs.items() if any(s.startswith("jail") for s in sc)}
print("\nargument values the policy refuses, seen in the jail (would be killed):",
      " ".join(sorted(bad_jail)) or "none")
print("argument values the policy refuses, seen only outside the jail:",
      " ".join(sorted(set(badargs) - bad_jail)) or "none")
missing = set(seen) - allowed
in_jail = {n for n in missing if any(s.startswith("jail") for s in seen[n])}
print("\nnot in the policy, seen in the jail (would be killed):",
      " ".join(sorted(in_jail)) or "none")
print("not in the policy, seen only outside the jail (host NSS modules):",
      " ".join(sorted(missing - in_jail)) or "none")
EOF
echo "traces in $out"
