#!/bin/bash
# Capabilities are effective only where an operation needs them.  The
# launcher's file capabilities are permitted-only; everything that parses
# input (NSS, the configuration, /etc/localtime, the ELF headers of
# sftp-server and its libraries, the environment) runs with an empty
# effective set, and each capability is raised only around the steps
# docs/security.md lists.  Proved two ways:
#  - an NSS module that records CapEff at every lookup (with a control that
#    shows it does see an effective capability when there is one);
#  - the whole login traced (strace -f, run as the user): the effective
#    set is followed through every capset(2) and clone(2), and each
#    syscall made while it is non-empty is checked against the list; and
#    each raise must be used (a raise around a parse that makes no
#    syscall, of argv or the environment, shows as a window with no call
#    that needs the capability).
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-caps
make_user $U
write_config <<<"[user $U]"
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"

check "baseline: login works" sftp_batch $U <<<"ls"
check "the launcher's file capabilities are permitted-only (=p)" \
        bash -c 'getcap "$1" | grep -qE " cap_chown,cap_setpcap,cap_sys_admin=p$"' _ "$LAUNCHER"

# ---- 1. NSS: a module in front of "files" records CapEff ----
MULTIARCH=$(gcc -print-multiarch)
MOD=/usr/lib/$MULTIARCH/libnss_capcheck.so.2
NSSLOG=$TESTROOT/nss-capcheck.log
install -m 0644 "$BUILD/tests/libnss_capcheck.so.2" "$MOD" || bail "installing the NSS module"
on_exit "rm -f $MOD"
install -m 0666 /dev/null "$NSSLOG"; on_exit "rm -f $NSSLOG"
sed -E 's/^(passwd|group):.*/\1: capcheck files/' /etc/nsswitch.conf >"$W/nsswitch.conf"
grep -q '^passwd: capcheck files' "$W/nsswitch.conf" || bail "nsswitch.conf has no passwd line"
# This test's own mount namespace: sshd and every login below see it.
mount --bind "$W/nsswitch.conf" /etc/nsswitch.conf || bail "bind-mounting nsswitch.conf"

# The control: a program with CAP_SYS_ADMIN effective that looks itself up.
install -m 0755 "$BUILD/tests/getpw-caps" "$W/getpw-caps"
setcap cap_sys_admin=ep "$W/getpw-caps"
setpriv --reuid $U --regid $U --init-groups "$W/getpw-caps"
check "control: the module records the caps of a lookup made with CAP_SYS_ADMIN effective" \
        grep -q "^getpwuid $W/getpw-caps 0000000000200000$" "$NSSLOG"
: >"$NSSLOG"

check "login through sshd works with the module in place" sftp_batch $U <<<"ls"
diag "$(grep -F " $LAUNCHER " "$NSSLOG")"
check "the launcher looked the user up through NSS" grep -q "^getpwuid $LAUNCHER " "$NSSLOG"
check "the launcher looked groups up through NSS" grep -q "^getgrgid $LAUNCHER " "$NSSLOG"
check "every NSS lookup of the launcher ran with an empty effective set" \
        bash -c '! grep -F " $1 " "$2" | grep -v " 0000000000000000$"' _ "$LAUNCHER" "$NSSLOG"
umount /etc/nsswitch.conf

# ---- 2. The whole login, traced ----
TRACE=$W/trace
(cd "$W" && strace -f -qq -s 256 -u $U -o "$TRACE" "$LAUNCHER" --subsystem </dev/null >/dev/null 2>"$W/stderr")
check "traced login started a session" wait_log "user=$U session start" 5
("$PY" - "$TRACE" "$CONF" "$SFTP_SERVER" "$LAUNCHER" <<'PY'
import re, sys

trace, conf, sftp_server, launcher = sys.argv[1:5]
n = 0
def ok(cond, what):
    global n
    n += 1
    print(("PASS " if cond else "FAIL ") + what)

# Syscalls a capability may be effective for, and the function that makes
# them (docs/security.md, "Code that runs with a capability").
ALLOWED = {
    # caps.c: set_effective(), caps_drop_all()
    "capget": "caps", "capset": "caps", "prctl": "caps_drop_all",
    # mounts.c: jail_clone()
    "open_tree": "jail_clone", "mount_setattr": "jail_clone / jail_build",
    # sftpjail.c: main() (clone), jail_child()
    "clone": "main", "setns": "jail_child", "sethostname": "jail_child",
    "rt_sigprocmask": "jail_child", "dup2": "jail_child", "close": "any (fd hygiene)",
    # mounts.c: jail_build()
    "mount": "jail_build", "fsopen": "jail_build", "fsconfig": "jail_build", "fsmount": "jail_build",
    "move_mount": "jail_build", "mkdirat": "jail_build", "fchmodat": "jail_build", "openat": "jail_build",
    "write": "jail_build", "fchownat": "jail_build", "newfstatat": "jail_build", "openat2": "jail_build",
    "fchdir": "jail_build", "pivot_root": "jail_build", "umount2": "jail_build", "chdir": "jail_build",
    # The ASan/UBSan build only: the sanitizer runtime sets up an
    # alternate signal stack in the new process after clone().
    "sigaltstack": "sanitizer runtime",
}

line_re = re.compile(r'^(\d+) +(?:<\.\.\. (\w+) resumed>(.*)|(\w+)\((.*))$')
eff = {}          # pid -> effective set text ("0" = empty)
first_pid = None
pending = {}      # pid -> (name, args) of an unfinished call
bad, windows, parse_events = [], [], []
first_capget = None
clone_state = "0"

# What each capability is raised for: a raise that makes none of these
# calls (one around a pure parse of argv or the environment, which no
# syscall list can see) is a window the list does not have.
NEEDS = {
    "CAP_SYS_ADMIN": lambda n, a: n in ("open_tree", "mount_setattr", "setns", "mount", "fsopen", "fsconfig",
                                        "fsmount", "move_mount", "pivot_root", "umount2", "sethostname")
                                  or (n in ("clone", "clone3") and "CLONE_NEW" in a),
    "CAP_CHOWN": lambda n, a: n == "fchownat",
    "CAP_SETPCAP": lambda n, a: n == "prctl" and ("PR_CAPBSET_DROP" in a or "PR_SET_SECUREBITS" in a),
}
win = {}          # pid -> [capabilities effective in its open window, capabilities used]
unused = []

def caps_in(text):
    return set(re.findall(r'CAP_[A-Z_]+', text or ""))

def window_use(pid, state, name, args):
    w = win.setdefault(pid, [set(), set()])
    held = caps_in(state)
    w[0] |= held
    for c in held:
        if c in NEEDS and NEEDS[c](name, args):
            w[1].add(c)

def window_end(pid, why):
    w = win.pop(pid, None)
    if w and w[0] - w[1]:
        unused.append("%d raised %s and used none of its calls before %s" % (pid, sorted(w[0] - w[1]), why))

def effective_of(args):
    m = re.search(r'effective=([^,]*(?:\|[^,]*)*), permitted', args)
    return m.group(1) if m else None

for raw in open(trace):
    raw = raw.rstrip("\n")
    m = line_re.match(raw)
    if not m:
        continue
    pid = int(m.group(1))
    if first_pid is None:
        first_pid = pid
        eff[pid] = "0"  # =p file caps: nothing effective at exec (checked below)
    elif pid not in eff:
        # A child whose first syscalls come before its parent's clone()
        # returned in the trace: it starts with the set its parent had
        # when it called clone().
        eff[pid] = clone_state
    if m.group(2):
        name, rest = m.group(2), m.group(3)
        args = pending.pop(pid, (name, ""))[1] + rest
    else:
        name, args = m.group(4), m.group(5)
        if args.endswith("<unfinished ...>"):
            pending[pid] = (name, args[: -len("<unfinished ...>")])
            # judge the call by its state when it was made
    state = eff.get(pid, "0")
    if name in ("clone", "clone3", "fork", "vfork") and not m.group(2):
        clone_state = state
    if name == "capget" and first_capget is None and "effective=" in args:
        first_capget = effective_of(args)
    if state != "0" and not (m.group(2)):
        window_use(pid, state, name, args)
        windows.append((pid, state, name, args[:120]))
        if name not in ALLOWED:
            bad.append("%d %s with %s effective: %s" % (pid, name, state, args[:160]))
        if name in ("openat", "openat2") and (args.startswith("AT_FDCWD") or args.startswith('"/')):
            bad.append("%d opened a host path with %s effective: %s" % (pid, state, args[:160]))
    if name == "capset" and " = 0" in args:
        e = effective_of(args)
        if e is not None:
            eff[pid] = e
            if e == "0":
                window_end(pid, "it lowered them")
            else:
                win.setdefault(pid, [set(), set()])[0].update(caps_in(e))
    if name in ("clone", "clone3", "fork", "vfork"):
        r = re.search(r'= (\d+)$', args)
        if r:
            eff[int(r.group(1))] = state
    if name in ("openat", "open") and not args.startswith("AT_FDCWD, \"/proc"):
        p = re.search(r'"([^"]*)"', args)
        if p and p.group(1).startswith("/"):
            parse_events.append((pid, p.group(1), state))

ok(first_capget == "0", "at exec the effective set is empty (first capget: %s)" % first_capget)
for b in bad:
    print("# " + b)
ok(not bad, "every syscall made with a capability effective is one the list allows (%d such calls)" % len(windows))

def opened_clean(path_re, what):
    hits = [e for e in parse_events if re.search(path_re, e[1])]
    ok(hits and all(e[2] == "0" for e in hits),
       "%s opened only with an empty effective set (%d opens)" % (what, len(hits)))

opened_clean(r'^/etc/(passwd|group)$', "NSS files /etc/passwd, /etc/group")
opened_clean(r'^/etc/localtime$', "/etc/localtime")
opened_clean(r'^/$', "the configuration walk from /")  # path_open_trusted starts at /
opened_clean(re.escape(sftp_server) + '$', "sftp-server (ELF headers)")
opened_clean(r'/libc\.so\.6$', "sftp-server's libraries (ELF headers)")

for pid in list(win):
    window_end(pid, "the trace ended")
for u in unused:
    print("# " + u)
ok(not unused, "every raise is used: each capability made effective serves a call that needs it before it is lowered")

names = [w[2] for w in windows]
ok("open_tree" in names and "mount_setattr" in names, "the detached clones are made with a capability effective")
ok("clone" in names, "clone(2) of the namespaces is made with a capability effective")
missing = [n for n in ("setns", "pivot_root", "sethostname") if n not in names]
ok(not missing, "the child joins the netns and builds the tree with capabilities effective (missing: %s)" % missing)
ok(all(w[1] != "0" for w in windows), "windows recorded")
# The capabilities raised for each step, exactly.
def raised_for(call):
    return sorted(set(w[1] for w in windows if w[2] == call))
ok(raised_for("open_tree") == ["1<<CAP_SYS_ADMIN"], "jail_clone raises CAP_SYS_ADMIN alone: %s" % raised_for("open_tree"))
ok(raised_for("fchownat") == ["1<<CAP_CHOWN|1<<CAP_SYS_ADMIN"], "jail_build raises CAP_SYS_ADMIN and CAP_CHOWN: %s" % raised_for("fchownat"))
ok(raised_for("prctl") and all("SETPCAP" in r for r in raised_for("prctl")),
   "caps_drop_all drops with CAP_SETPCAP effective: %s" % raised_for("prctl"))
PY
) >"$W/analysis"
while IFS= read -r l; do
        case "$l" in
        PASS\ *) ok "trace: ${l#PASS }" ;;
        FAIL\ *) not_ok "trace: ${l#FAIL }" ;;
        *) diag "$l" ;;
        esac
done <"$W/analysis"
check "the trace was analysed" grep -q "^PASS" "$W/analysis"
done_testing
