#!/bin/bash
# The user runs the launcher themselves (say from a shell elsewhere on the
# host) with hostile argv, environment and file descriptors.  They get a
# refusal or exactly their own jail, never more.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-hos
make_user $U
write_config <<CFG
[user $U]
CFG
H=$TESTROOT/home/$U
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
as_user() { setpriv --reuid $U --regid $U --init-groups "$@"; }
rm -f /tmp/sjt-hos-pwned*

# An LD_PRELOAD library that leaves a mark naming the program it ran in.
cat >"$W/evil.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
__attribute__((constructor)) static void evil(void)
{
        char exe[256] = "";
        ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        int fd = open("/tmp/sjt-hos-pwned-preload", O_WRONLY | O_CREAT | O_APPEND, 0666);
        if (n > 0 && fd >= 0) { exe[n] = '\n'; write(fd, exe, (size_t)n + 1); }
        fputs("PWNED\n", stderr);
}
C
gcc -shared -fPIC -o "$W/evil.so" "$W/evil.c" || bail "cannot build the preload library"
# The same code under the names of the launcher's own libraries (libc, and
# the sanitizer runtimes in that build: libcap and libinih are linked in), for
# LD_LIBRARY_PATH.
mkdir -p "$W/lib"
for so in $(ldd "$LAUNCHER" | awk '$1 ~ /^lib/ {print $1}'); do
        gcc -shared -fPIC -Wl,-soname,"$so" -o "$W/lib/$so" "$W/evil.c" || bail "cannot build $so"
done
chmod -R a+rX "$W"
check "replacement libraries built for the launcher's own ($(ls "$W/lib" | tr '\n' ' '))" [ -n "$(ls "$W/lib")" ]
# loaded OUTPUT: did the dynamic loader take one of ours?  (The real
# libraries' symbols are missing from ours, so with BIND_NOW the loader
# fails before any constructor: "symbol lookup error".)
loaded() { grep -qE "PWNED|symbol lookup error|$W" <<<"$1" || grep -qv /true /tmp/sjt-hos-pwned-preload 2>/dev/null; }
install -m 0755 "$LAUNCHER" "$W/launcher-nocaps"
err=$(as_user env LD_LIBRARY_PATH="$W/lib" "$W/launcher-nocaps" --subsystem </dev/null 2>&1)
check "control: without file capabilities LD_LIBRARY_PATH takes the launcher's libraries" loaded "$err"
rm -f /tmp/sjt-hos-pwned-preload
err=$(as_user env LD_LIBRARY_PATH="$W/lib" "$LAUNCHER" --subsystem </dev/null 2>&1)
check_not "LD_LIBRARY_PATH is ignored by the launcher (AT_SECURE)" loaded "$err"
check "... which ran normally (its own refusal or a session)" bash -c '! grep -q "error while loading" <<<"$1"' _ "$err"

err=$(as_user env LD_PRELOAD="$W/evil.so" LD_LIBRARY_PATH="$W/lib" "$LAUNCHER" --subsystem </dev/null 2>&1)
check_not "LD_PRELOAD printed nothing (PWNED)" grep -q PWNED <<<"$err"
check "LD_PRELOAD is not loaded into the launcher (AT_SECURE)" \
        bash -c '! grep -q sftpjail /tmp/sjt-hos-pwned-preload 2>/dev/null'
check "LD_PRELOAD is not loaded into sftp-server" \
        bash -c '! grep -q sftp-server /tmp/sjt-hos-pwned-preload 2>/dev/null'
as_user env LD_PRELOAD="$W/evil.so" /bin/true
check "the same preload does run in a plain program (so the checks above can fail)" grep -q /true /tmp/sjt-hos-pwned-preload

# SSH_ORIGINAL_COMMAND is compared, never run.
# Each gets a refusal (exit 1 and the message) or an SFTP session in the
# jail (which, with stdin at EOF, ends at once with exit 0 and no output).
outcome_ok() { # RC STDOUT STDERR
        [ "$1" -eq 1 ] && grep -q "^sftpjail: login refused: " <<<"$3" && [ -z "$2" ] && return 0
        [ "$1" -eq 0 ] && [ -z "$2" ] && ! grep -q refused <<<"$3"
}
n=0
for cmd in 'sftp-server; touch /tmp/sjt-hos-pwned1' '$(touch /tmp/sjt-hos-pwned2)' '`touch /tmp/sjt-hos-pwned3`' \
           'internal-sftp && touch /tmp/sjt-hos-pwned4' 'touch /tmp/sjt-hos-pwned5' \
           '/usr/lib/openssh/sftp-server -d / ; touch /tmp/sjt-hos-pwned6' $'sftp-server\ntouch /tmp/sjt-hos-pwned7' \
           'scp -t /tmp/sjt-hos-pwned8' 'rsync --server . /tmp/sjt-hos-pwned9' '/bin/sh -c "touch /tmp/sjt-hos-pwned10"' \
           '../../../../bin/sh' 'sftp-server|touch /tmp/sjt-hos-pwned11'; do
        n=$((n + 1))
        out=$(as_user env SSH_ORIGINAL_COMMAND="$cmd" "$LAUNCHER" </dev/null 2>"$W/err"); rc=$?
        check "SSH_ORIGINAL_COMMAND #$n: refused or jailed SFTP (rc=$rc)" outcome_ok $rc "$out" "$(cat "$W/err")"
        out=$(as_user "$LAUNCHER" -c "$cmd" </dev/null 2>"$W/err"); rc=$?
        check "-c #$n: refused or jailed SFTP (rc=$rc)" outcome_ok $rc "$out" "$(cat "$W/err")"
done
check "no original command or -c command was ever executed" bash -c '! ls /tmp/sjt-hos-pwned[0-9]* 2>/dev/null'

# An evil configuration the user could write: every power it grants would
# show below if the launcher read it.
printf '[global]\nsftp_server = %s\n[user %s]\naccess = home\n' "$W/evil-server" $U >"$W/evil.conf"
printf '#!/bin/sh\ntouch /tmp/sjt-hos-pwned-server\n' >"$W/evil-server"
chown $U "$W/evil.conf" "$W/evil-server"; chmod 0755 "$W/evil-server"
err=$(as_user "$LAUNCHER" --config "$W/evil.conf" </dev/null 2>&1); rc=$?
check "unknown arguments refused (rc=$rc)" bash -c '[ $1 -ne 0 ] && grep -q "unexpected arguments" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" -c "sh -c id" </dev/null 2>&1); rc=$?
check "-c with a shell command refused" bash -c '[ $1 -ne 0 ] && ! grep -q "uid=" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" "$(head -c 100000 /dev/zero | tr '\0' A)" </dev/null 2>&1); rc=$?
check "a 100 kB argument is refused cleanly" bash -c '[ $1 -eq 1 ]' _ $rc
err=$(as_user "$LAUNCHER" --subsystem --config "$W/evil.conf" </dev/null 2>&1); rc=$?
check "--subsystem followed by more arguments refused" bash -c '[ $1 -eq 1 ] && grep -q "unexpected arguments" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" $(seq 1 20000) </dev/null 2>&1); rc=$?
check "20000 arguments are refused cleanly (rc=$rc)" bash -c '[ $1 -eq 1 ] && grep -q "^sftpjail: login refused: unexpected arguments" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" -c "$(head -c 120000 /dev/zero | tr '\0' ';')" </dev/null 2>&1); rc=$?
check "a 120 kB -c command is refused cleanly (rc=$rc)" bash -c '[ $1 -eq 1 ] && grep -q "^sftpjail: login refused: this account is for SFTP only" <<<"$2"' _ $rc "$err"
err=$(as_user env SSH_ORIGINAL_COMMAND="$(head -c 120000 /dev/zero | tr '\0' x)" "$LAUNCHER" </dev/null 2>&1); rc=$?
check "a 120 kB original command is refused cleanly (rc=$rc)" bash -c '[ $1 -eq 1 ] && grep -q "^sftpjail: login refused: this account is for SFTP only" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" </dev/null 2>&1); rc=$?
check "no arguments and no original command: a shell request, refused" bash -c '[ $1 -ne 0 ] && grep -q "interactive shells" <<<"$2"' _ $rc "$err"

# A hostile environment still gets exactly the user's own jail.
starts=$(grep -cE "user=$U session start client=local( host=\"[^\"]*\")?$" "$SYSLOG")
out=$(cd "$W" && as_user env HOME=/ PATH="$W:/usr/bin:/bin" SFTPJAIL_CONFIG="$W/evil.conf" SFTPJAIL_CONFDIR="$W" \
        CONFIG="$W/evil.conf" TZ=/etc/shadow USER=root LOGNAME=root SHELL=/bin/sh \
        LANG=xx LOCPATH="$W" GCONV_PATH="$W" MALLOC_CHECK_=3 SSH_CONNECTION='x; rm -rf /' \
        sftp -D "$LAUNCHER --subsystem" -b - <<EOF 2>&1
pwd
ls -1a /
ls -1 /etc
-put $W/evil.c written-to-home
-put $W/evil.c /written-to-root
EOF
); rc=$?
diag "$out"
check "hostile environment: session works" [ $rc -eq 0 ]
check "hostile environment: starts in the real home" grep -q "Remote working directory: $H$" <<<"$out"
check "hostile environment: / is the jail" bash -c '! grep -qE "^/(proc|root|boot|tmp)$" <<<"$1" && grep -q "^/etc$" <<<"$1"' _ "$out"
check "hostile environment: /etc is the jail's" bash -c '! grep -q shadow <<<"$1"' _ "$out"
check "hostile environment: the evil config granted nothing (home stays read-only)" [ ! -e "$H/written-to-home" ]
check "hostile environment: its sftp_server never ran" [ ! -e /tmp/sjt-hos-pwned-server ]
check "hostile environment: a forged SSH_CONNECTION is logged as client=local" \
        [ "$(grep -cE "user=$U session start client=local( host=\"[^\"]*\")?$" "$SYSLOG")" -gt "$starts" ]
check "hostile environment: sftp-server was given HOME and USER of the user" \
        bash -c '! grep -q "session opened for local user root" "$1"' _ "$SYSLOG"

# Closed standard fds: the launcher must not put its own files on them.
as_user "$LAUNCHER" -c id <&- >&- 2>&-; rc=$?
check "closed fds 0-2: still a clean refusal (rc=$rc)" [ $rc -eq 1 ]
check "closed fds 0-2: the refusal is logged" wait_log "user=$U refused: this account is for SFTP only"
# One of them closed: the refusal goes to stderr and nowhere else.
as_user "$LAUNCHER" -c id <&- >"$W/out" 2>"$W/err"; rc=$?
check "stdin closed: refusal on stderr only (rc=$rc)" \
        bash -c '[ $1 -eq 1 ] && [ ! -s "$2" ] && [ "$(wc -l <"$3")" -eq 1 ] && grep -q "^sftpjail: login refused:" "$3"' _ $rc "$W/out" "$W/err"
as_user "$LAUNCHER" -c id </dev/null >&- 2>"$W/err"; rc=$?
check "stdout closed: refusal still on stderr (rc=$rc)" \
        bash -c '[ $1 -eq 1 ] && [ "$(wc -l <"$2")" -eq 1 ] && grep -q "^sftpjail: login refused:" "$2"' _ $rc "$W/err"
as_user "$LAUNCHER" -c id </dev/null >"$W/out" 2>&-; rc=$?
check "stderr closed: the refusal does not land on stdout (rc=$rc)" bash -c '[ $1 -eq 1 ] && [ ! -s "$2" ]' _ $rc "$W/out"
# SFTP with one of them closed: an SSH_FXP_INIT on stdin; the reply
# (SSH_FXP_VERSION) must appear on stdout or nowhere, never on stderr.
init() { printf '\x00\x00\x00\x05\x01\x00\x00\x00\x03'; }
# (stdin stays open a moment: sftp-server exits at EOF before it writes.)
init_then_wait() { init; sleep 0.5; }
init_then_wait | as_user "$LAUNCHER" --subsystem >"$W/out" 2>"$W/err"; rc=$?
is_version_reply() { "$PY" -c 'import sys; d=open(sys.argv[1],"rb").read(); sys.exit(0 if len(d) >= 9 and d[4] == 2 and d[5:9] == b"\0\0\0\3" else 1)' "$1"; }
check "control: with all fds open, the VERSION reply is on stdout (rc=$rc)" bash -c '[ $1 -eq 0 ]' _ $rc
check "control: ... it is an SSH_FXP_VERSION 3" is_version_reply "$W/out"
check "control: nothing on stderr" [ ! -s "$W/err" ]
init_then_wait | as_user "$LAUNCHER" --subsystem >&- 2>"$W/err"; rc=$?
check "stdout closed: no SFTP data on stderr (rc=$rc)" bash -c '! grep -qaP "\x02\x00\x00\x00\x03" "$1" && ! grep -qa "[^[:print:][:space:]]" "$1"' _ "$W/err"
# (glibc itself reopens a closed fd 0 of a privileged program as
# /dev/full, write-only: sftp-server's read fails and it exits 1.)
as_user "$LAUNCHER" --subsystem <&- >"$W/out" 2>"$W/err"; rc=$?
check "stdin closed: a session that ends at once, nothing written (rc=$rc)" bash -c '[ $1 -le 1 ] && [ ! -s "$2" ] && [ ! -s "$3" ]' _ $rc "$W/out" "$W/err"
# stderr closed, through a real client: the session works and the stream
# is intact.
printf '#!/bin/sh\nexec %s --subsystem 2>&-\n' "$LAUNCHER" >"$W/noerr"; chmod 0755 "$W/noerr"
out=$(cd "$W" && as_user sftp -D "$W/noerr" -b - <<<"ls -1 /etc" 2>&1); rc=$?
check "stderr closed: an SFTP session still works (rc=$rc)" bash -c '[ $1 -eq 0 ] && grep -q "^/etc/passwd$" <<<"$2"' _ $rc "$out"

# An inherited fd opened by root (here on /etc/shadow) never reaches the
# jail.
# Also fd 3 (the number the launcher reserves for its own socket), a
# directory (a leaked cwd-like fd, runc CVE-2024-21626) and a high one.
rm -f "$W/cmd"; mkfifo "$W/cmd"; chmod 0666 "$W/cmd"
( exec 3</etc/shadow 9</etc/shadow 10</ 200</root; cd /root && as_user sftp -D "$LAUNCHER --subsystem" -b - <"$W/cmd" >/dev/null 2>&1 ) &
client=$!
exec 7>"$W/cmd"
spid=
for _ in $(seq 1 100); do spid=$(pgrep -u $U -x sftp-server | head -1); [ -n "$spid" ] && break; sleep 0.05; done
check "live session for the fd check" [ -n "$spid" ]
check "the inherited fds 3 9 10 200 are not in sftp-server" [ "$(ls /proc/$spid/fd | sort -n | tr '\n' ' ')" = "0 1 2 " ]
sup=$(awk '/^PPid:/{print $2}' /proc/$spid/status)
# (The supervisor's own pipes may reuse those numbers: look at targets.)
sup_fds=$(readlink /proc/$sup/fd/* | sort -u | tr '\n' ' ')
check "nor in the supervisor (it holds: $sup_fds)" \
        bash -c '! readlink /proc/$1/fd/* | grep -qvE "^(pipe:|socket:|anon_inode:|/dev/null$|/etc/localtime$|/usr/share/zoneinfo/)"' _ "$sup"
check "sftp-server's cwd is the home, not the caller's /root" [ "$(readlink /proc/$spid/cwd)" = "$H" ]
check "sftp-server's root is the jail, not /" bash -c '[ "$(stat -Lc %d:%i /proc/$1/root)" != "$(stat -c %d:%i /)" ]' _ $spid
echo bye >&7; exec 7>&-; wait $client

rm -f /tmp/sjt-hos-pwned*
done_testing
