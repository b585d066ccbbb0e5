# shellcheck shell=bash
# Shared harness for the integration tests: a real sshd on 127.0.0.1 with
# its own config, port and host key, real users, the real OpenSSH clients,
# and a syslog listener.  TAP output.
#
# The tests run as root.  Everything lives under $TESTROOT, whose path the
# test build of the launcher has compiled in (-Dconfdir=$TESTROOT/etc).

set -u
TESTROOT=/var/lib/sftpjail-test
BUILD=${SFTPJAIL_BUILD:?set SFTPJAIL_BUILD to the meson build directory}
SRCDIR=${SFTPJAIL_SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LAUNCHER=$TESTROOT/bin/sftpjail
CONF=$TESTROOT/etc/sftpjail.conf
KEYS=$TESTROOT/keys
CLIENT_KEY=$TESTROOT/client/id_ed25519
SYSLOG=$TESTROOT/syslog.txt
# sshd's log (start_sshd), begun empty by each test (setup_testroot): a
# client port or a user name seen in it is this test's, not an earlier one's.
SSHD_LOG=$TESTROOT/sshd/sshd.log
PY=/usr/bin/python3
SFTP_SERVER=${SFTP_SERVER:-/usr/lib/openssh/sftp-server}
CTL=$BUILD/src/sftpjailctl
# The shared network namespace the test build looks for (-Dnetns_path).
NETNS=/run/sftpjail-test/netns

_tap_n=0
_tap_failed=0
_cleanups=()

# ---- TAP ----
ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); _tap_failed=$((_tap_failed + 1)); echo "not ok $_tap_n - $*"; }
diag() { local l; while IFS= read -r l; do echo "# $l"; done <<<"$*"; }
# check "description" command...: ok if the command succeeds.  Returns
# the outcome, so that "check ... || diag ..." says why.  The command's
# stdout goes to stderr: it must not mix with TAP.
check() { local d=$1; shift; if "$@" >&2; then ok "$d"; else not_ok "$d"; return 1; fi; }
# check_not "description" command...: ok if the command fails.
check_not() { local d=$1; shift; if "$@" >&2; then not_ok "$d"; return 1; else ok "$d"; fi; }
done_testing() { echo "1..$_tap_n"; [ "$_tap_failed" -eq 0 ]; }
bail() { echo "Bail out! $*"; exit 1; }

on_exit() { _cleanups+=("$*"); }
_run_cleanups() {
        local i
        for ((i = ${#_cleanups[@]} - 1; i >= 0; i--)); do eval "${_cleanups[$i]}" >/dev/null 2>&1 || true; done
}
# A failed test says what sshd and syslog saw last: CI keeps only the
# TAP diagnostics, and a failed login's reason is in sshd's log or ours.
_failure_context() {
        [ "$_tap_failed" -gt 0 ] || return 0
        local f
        for f in "$SSHD_LOG" "$SYSLOG"; do
                [ -s "$f" ] || continue
                diag "last lines of $f:"
                diag "$(tail -n 25 "$f" | cut -c 1-400)"
        done
}
trap '_failure_context; _run_cleanups' EXIT

[ "$(id -u)" = 0 ] || bail "the integration tests run as root"

# ---- one-time setup shared by all tests (idempotent) ----
setup_testroot() {
        install -d -m 0755 -o root -g root "$TESTROOT" "$TESTROOT/bin" "$TESTROOT/etc" "$KEYS" \
                "$TESTROOT/home" "$TESTROOT/client" "$TESTROOT/sshd"
        # A copy outside the build tree: the build tree may sit below a
        # 0700 directory the test users cannot traverse.
        install -m 0755 "$BUILD/src/sftpjail" "$LAUNCHER.new"
        setcap cap_chown,cap_setpcap,cap_sys_admin=p "$LAUNCHER.new" || bail "setcap failed"
        mv -f "$LAUNCHER.new" "$LAUNCHER"
        # The supervisor the launcher execs (the test build's -Dsupervise_path).
        install -m 0711 "$BUILD/src/sftpjail-supervise" "$TESTROOT/bin/sftpjail-supervise.new"
        mv -f "$TESTROOT/bin/sftpjail-supervise.new" "$TESTROOT/bin/sftpjail-supervise"
        [ -f "$CLIENT_KEY" ] || ssh-keygen -q -t ed25519 -N '' -f "$CLIENT_KEY"
        [ -f "$TESTROOT/sshd/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$TESTROOT/sshd/host_ed25519"
        getent group sftpjail-test >/dev/null || groupadd -r sftpjail-test
        mkdir -p /run/sshd
        : >"$SSHD_LOG"
}

# make_user NAME [SHELL]: a jailed user with home $TESTROOT/home/NAME
# (root:NAME 0750), uploads/ (NAME 0750), and the client key authorised.
make_user() {
        local name=$1 shell=${2:-$LAUNCHER} home=$TESTROOT/home/$1
        if ! id "$name" >/dev/null 2>&1; then
                useradd -M -d "$home" -s "$shell" -G sftpjail-test "$name" || bail "useradd $name"
        else
                usermod -d "$home" -s "$shell" -G sftpjail-test "$name"
        fi
        # A usable password hash is not needed: keys only.  But the account
        # must not be locked ('!'), or sshd refuses even key logins.
        usermod -p '*' "$name"
        # Every test starts from a fresh home.
        case "$home" in "$TESTROOT"/home/?*) rm -rf --one-file-system "$home" ;; esac
        install -d -m 0750 -o root -g "$name" "$home"
        install -d -m 0750 -o "$name" -g "$name" "$home/uploads"
        install -m 0644 -o root -g root "$CLIENT_KEY.pub" "$KEYS/$name"
}

# write_config: stdin becomes the launcher's configuration (root 0644).
write_config() {
        cat >"$CONF.tmp" && chmod 0644 "$CONF.tmp" && mv -f "$CONF.tmp" "$CONF"
}

# ---- syslog ----
# The launcher logs through syslog(3) to /dev/log.  We run in a private
# mount namespace (see enter_private_ns) and put our own listener there.
start_syslog() {
        : >"$SYSLOG"
        local sock=$TESTROOT/log.sock target=/dev/log
        if [ -e /dev/log ] || [ -L /dev/log ]; then
                "$PY" "$SRCDIR/tests/helpers/syslog-listener.py" "$sock" "$SYSLOG" >"$TESTROOT/syslog.ready" &
                _syslog_pid=$!
                _wait_file_line "$TESTROOT/syslog.ready"
                mount --bind "$sock" /dev/log || bail "cannot bind our syslog socket over /dev/log"
                on_exit "umount /dev/log"
        else
                "$PY" "$SRCDIR/tests/helpers/syslog-listener.py" "$target" "$SYSLOG" >"$TESTROOT/syslog.ready" &
                _syslog_pid=$!
                _wait_file_line "$TESTROOT/syslog.ready"
                on_exit "rm -f /dev/log"
        fi
        on_exit "kill $_syslog_pid"
        # The harness proves its own pipeline before any test relies on it:
        # a missing record must mean the product lost it.  (local7: no
        # test's pattern of a forged line, <13> = user.notice, matches.)
        logger -u /dev/log -p local7.info -t sftpjail-test "syslog probe $$" || bail "cannot send to our syslog listener"
        wait_log "sftpjail-test.*syslog probe $$" || bail "our syslog listener did not record a probe"
        # Where journald runs, the supervisor writes to its native socket
        # instead (log.c): hide it here, so that every record reaches our
        # listener (the journal path is tested in test-systemd).
        if [ -S /run/systemd/journal/socket ]; then
                mount --bind /dev/null /run/systemd/journal/socket || bail "cannot hide the journal's socket"
                on_exit "umount /run/systemd/journal/socket"
        fi
}

_wait_file_line() {
        local i
        for i in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
        bail "timeout waiting for $1"
}

# wait_log PATTERN [SECONDS]: wait until the syslog has a line matching.
wait_log() {
        local i n=$(( ${2:-5} * 20 ))
        for ((i = 0; i < n; i++)); do grep -qE -- "$1" "$SYSLOG" && return 0; sleep 0.05; done
        return 1
}

# Re-run the calling script in a private mount namespace, so /dev/log can
# be replaced for it alone and nothing it mounts can reach the host.
enter_private_ns() {
        if [ -z "${SFTPJAIL_TEST_NS:-}" ]; then
                # One integration test at a time on this machine: they share
                # $TESTROOT, the test users and /dev/log.  The lock is held
                # by fd 9 across the exec below.
                { exec 9>/run/lock/sftpjail-test.lock; } 2>/dev/null || exec 9>/tmp/sftpjail-test.lock
                flock 9
                export SFTPJAIL_TEST_NS=1
                exec unshare -m --propagation private -- "$BASH" "$0" "$@"
        fi
}

# ---- sshd ----
free_port() {
        "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_sshd [extra sshd_config lines on stdin]
start_sshd() {
        local extra
        extra=$(cat)
        PORT=$(free_port)
        cat >"$TESTROOT/sshd/sshd_config" <<CFG
Port $PORT
ListenAddress 127.0.0.1
HostKey $TESTROOT/sshd/host_ed25519
PidFile $TESTROOT/sshd/sshd.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $KEYS/%u
StrictModes yes
LogLevel VERBOSE
Subsystem sftp $SFTP_SERVER
$extra
CFG
        /usr/sbin/sshd -t -f "$TESTROOT/sshd/sshd_config" || bail "sshd -t failed"
        /usr/sbin/sshd -f "$TESTROOT/sshd/sshd_config" -E "$SSHD_LOG" || bail "sshd failed to start"
        local i
        for i in $(seq 1 100); do
                [ -s "$TESTROOT/sshd/sshd.pid" ] && "$PY" -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)" 2>/dev/null && break
                sleep 0.05
        done
        SSHD_PID=$(cat "$TESTROOT/sshd/sshd.pid")
        on_exit "kill $SSHD_PID"
}

# The prescribed hardening (docs/sshd_config.d-sftpjail.conf) for the
# test group, with the test launcher as ForceCommand.
sshd_jail_match() {
        sed -e "s|@LAUNCHER@|$LAUNCHER|g" -e "s|@KEYS@|$KEYS|g" -e "s|^Match Group sftpjail$|Match Group sftpjail-test|" \
                "$SRCDIR/docs/sshd_config.d-sftpjail.conf.in"
}

SSH_OPTS=()
_ssh_opts() {
        SSH_OPTS=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
                -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$CLIENT_KEY" -P "$PORT")
}
# sftp_batch USER [sftp options] <<commands
sftp_batch() {
        local user=$1; shift; _ssh_opts
        timeout 60 sftp "${SSH_OPTS[@]}" "$@" -b - "$user@127.0.0.1"
}
ssh_cmd() {
        local user=$1; shift; _ssh_opts
        local o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
        timeout 30 ssh "${o[@]}" "$user@127.0.0.1" "$@"
}
scp_cmd() { _ssh_opts; timeout 60 scp "${SSH_OPTS[@]}" "$@"; }

# sftp-server pids of live jails of USER (seen from the host).
jail_pids() {
        local u=$1 p
        for p in $(pgrep -u "$u" -x sftp-server); do echo "$p"; done
}

# The shared empty network namespace, as sftpjail-netns.service makes it,
# on a tmpfs of this test's own mount namespace: it goes when the test
# ends, whatever a test did to it.
setup_shared_netns() {
        mkdir -p "${NETNS%/*}"
        mount -t tmpfs -o mode=0755,size=64k sftpjail-test-run "${NETNS%/*}" || bail "tmpfs on ${NETNS%/*}"
        "$CTL" netns create >/dev/null || bail "sftpjailctl netns create failed"
}

# Build the standard test environment in one call.
standard_setup() {
        enter_private_ns "$@"
        setup_testroot
        setup_shared_netns
        start_syslog
}

# host_snapshot NAME PROCS: what a session may leak, into $W/NAME.*: the
# mounts of the real host (pid 1) and of this test's namespace without
# their ids (a remount renumbers nothing, a leak adds lines), the processes
# whose "user comm" line matches the regex PROCS (zombies left to init by a
# test before us are on their way out: not counted), and sshd's fds.
host_snapshot() {
        cut -d' ' -f4- /proc/1/mountinfo | sort >"$W/$1.mnt1"
        cut -d' ' -f4- /proc/self/mountinfo | sort >"$W/$1.mnt"
        ps -eo stat=,user:32=,comm= | awk '$1 !~ /^Z/ {print $2, $3}' | grep -E "$2" | sort >"$W/$1.ps" || true
        ls /proc/"$SSHD_PID"/fd | sort >"$W/$1.fd"
}

# One jailed user $U with the default rules, and sshd for it; H is the
# home.  The common start of tests about one user's sessions.
one_jailed_user() {
        make_user "$U"
        write_config <<CFG
[user $U]
CFG
        start_sshd < <(sshd_jail_match)
        # shellcheck disable=SC2034 # H: for the test that called us
        H=$TESTROOT/home/$U
}

# The launcher at its installed path (where sftpjailctl expects it), with
# its file capabilities; LAUNCHER then names it.
install_launcher() {
        local at
        at=$(sed -n 's/^#define SFTPJAIL_LAUNCHER_PATH "\(.*\)"$/\1/p' "$BUILD/build-config.h")
        [ -n "$at" ] || bail "no launcher path in build-config.h"
        install -d -m 0755 "$(dirname "$at")"
        install -m 0755 "$LAUNCHER" "$at"
        setcap cap_chown,cap_setpcap,cap_sys_admin=p "$at"
        on_exit "rm -f $at"
        LAUNCHER=$at
}

# expect_refusal DESCRIPTION PATTERN [LAUNCHER]: a login by $U is refused,
# directly (one stderr line naming PATTERN, nothing on stdout) and through
# the real sshd and client, logged, and no session or sftp-server started.
# Uses the caller's U and W (a scratch directory the user can enter).
expect_refusal() {
        local what=$1 pat=$2 launcher=${3:-$LAUNCHER} err rc starts
        starts=$(grep -c "user=$U session start" "$SYSLOG")
        err=$(cd "$W" && setpriv --reuid "$U" --regid "$U" --init-groups "$launcher" --subsystem </dev/null 2>&1 >"$W/stdout"); rc=$?
        check "$what: refused (rc=$rc)" [ $rc -ne 0 ]
        check "$what: one line on stderr names it" \
                bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -qE "^sftpjail: login refused: .*($2)" <<<"$1"' _ "$err" "$pat"
        diag "stderr: $err"
        check "$what: nothing on stdout" [ ! -s "$W/stdout" ]
        if [ "$launcher" = "$LAUNCHER" ]; then
                sftp_batch "$U" <<<"ls" >/dev/null 2>&1; rc=$?
                check "$what: sftp login through sshd fails" [ $rc -ne 0 ]
        fi
        check "$what: logged" wait_log "user=$U refused: .*($pat)" 2
        check "$what: no session was started" [ "$(grep -c "user=$U session start" "$SYSLOG")" -eq "$starts" ]
        check "$what: no sftp-server is running" bash -c '! pgrep -u "$1" -x sftp-server' _ "$U"
}

# live_session USER: an sftp client kept open on a fifo (fd 7 writes its
# commands); sets LIVE_CLIENT, LIVE_SPID (the jail's sftp-server, seen from
# the host) and LIVE_SUP (its supervisor).  end_live_session closes it.
live_session() {
        local u=$1 d before
        before=" $(pgrep -u "$u" -x sftp-server | tr '\n' ' ')"
        d=$(mktemp -d); on_exit "rm -rf $d"
        mkfifo "$d/cmd"
        sftp_batch "$u" <"$d/cmd" >"$d/client.out" 2>&1 &
        LIVE_CLIENT=$!
        exec 7>"$d/cmd"
        LIVE_SPID='' LIVE_SUP=''
        local _i
        for _i in $(seq 1 200); do
                # The new session's (the user may have others running).
                LIVE_SPID=$(for p in $(pgrep -u "$u" -x sftp-server); do
                        [[ "$before" == *" $p "* ]] || echo "$p"; done | head -1)
                [ -n "$LIVE_SPID" ] && break
                sleep 0.05
        done
        # shellcheck disable=SC2034 # LIVE_SUP is for the tests that source this file
        [ -n "$LIVE_SPID" ] && LIVE_SUP=$(awk '/^PPid:/{print $2}' "/proc/$LIVE_SPID/status")
}
end_live_session() { echo bye >&7; exec 7>&-; wait "$LIVE_CLIENT" 2>/dev/null; }

# sanitized_build: the build under test has ASan/UBSan (its processes are
# several times slower: tests that measure scale counts down).
sanitized_build() {
        "$PY" -c 'import json,sys; o={x["name"]: x["value"] for x in json.load(open(sys.argv[1]))}; sys.exit(0 if o.get("b_sanitize", "none") not in ("none", []) else 1)' \
                "$BUILD/meson-info/intro-buildoptions.json" 2>/dev/null
}
