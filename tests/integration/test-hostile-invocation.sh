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
}
C
gcc -shared -fPIC -o "$W/evil.so" "$W/evil.c" || bail "cannot build the preload library"
chmod 0755 "$W/evil.so"

err=$(as_user env LD_PRELOAD="$W/evil.so" LD_LIBRARY_PATH="$W" "$LAUNCHER" --subsystem </dev/null 2>&1)
check "LD_PRELOAD is not loaded into the launcher (AT_SECURE)" \
        bash -c '! grep -q sftpjail /tmp/sjt-hos-pwned-preload 2>/dev/null'
check "LD_PRELOAD is not loaded into sftp-server" \
        bash -c '! grep -q sftp-server /tmp/sjt-hos-pwned-preload 2>/dev/null'
as_user env LD_PRELOAD="$W/evil.so" /bin/true
check "the same preload does run in a plain program (so the checks above can fail)" grep -q /true /tmp/sjt-hos-pwned-preload

# SSH_ORIGINAL_COMMAND is compared, never run.
for cmd in 'sftp-server; touch /tmp/sjt-hos-pwned1' '$(touch /tmp/sjt-hos-pwned2)' '`touch /tmp/sjt-hos-pwned3`' \
           'internal-sftp && touch /tmp/sjt-hos-pwned4' 'touch /tmp/sjt-hos-pwned5'; do
        as_user env SSH_ORIGINAL_COMMAND="$cmd" "$LAUNCHER" </dev/null >/dev/null 2>&1
        as_user "$LAUNCHER" -c "$cmd" </dev/null >/dev/null 2>&1
done
check "no original command or -c command was ever executed" bash -c '! ls /tmp/sjt-hos-pwned[0-9] 2>/dev/null'

err=$(as_user "$LAUNCHER" --config /tmp/evil.conf </dev/null 2>&1); rc=$?
check "unknown arguments refused (rc=$rc)" bash -c '[ $1 -ne 0 ] && grep -q "unexpected arguments" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" -c "sh -c id" </dev/null 2>&1); rc=$?
check "-c with a shell command refused" bash -c '[ $1 -ne 0 ] && ! grep -q "uid=" <<<"$2"' _ $rc "$err"
err=$(as_user "$LAUNCHER" "$(head -c 100000 /dev/zero | tr '\0' A)" </dev/null 2>&1); rc=$?
check "a 100 kB argument is refused cleanly" bash -c '[ $1 -eq 1 ]' _ $rc
err=$(as_user "$LAUNCHER" </dev/null 2>&1); rc=$?
check "no arguments and no original command: a shell request, refused" bash -c '[ $1 -ne 0 ] && grep -q "interactive shells" <<<"$2"' _ $rc "$err"

# A hostile environment still gets exactly the user's own jail.
out=$(cd "$W" && as_user env HOME=/ PATH="$W:/usr/bin:/bin" SFTPJAIL_CONFIG=/tmp/evil.conf TZ=/etc/shadow \
        LANG=xx LOCPATH="$W" GCONV_PATH="$W" MALLOC_CHECK_=3 SSH_CONNECTION='x; rm -rf /' \
        sftp -D "$LAUNCHER --subsystem" -b - <<'EOF' 2>&1
pwd
ls -1a /
ls -1 /etc
EOF
); rc=$?
diag "$out"
check "hostile environment: session works" [ $rc -eq 0 ]
check "hostile environment: starts in the real home" grep -q "Remote working directory: $H$" <<<"$out"
check "hostile environment: / is the jail" bash -c '! grep -qE "^/(proc|root|boot|tmp)$" <<<"$1" && grep -q "^/etc$" <<<"$1"' _ "$out"
check "hostile environment: /etc is the jail's" bash -c '! grep -q shadow <<<"$1"' _ "$out"

# Closed standard fds: the launcher must not put its own files on them.
as_user "$LAUNCHER" -c id <&- >&- 2>&-; rc=$?
check "closed fds 0-2: still a clean refusal (rc=$rc)" [ $rc -eq 1 ]
check "closed fds 0-2: the refusal is logged" wait_log "user=$U refused: this account is for SFTP only"

# An inherited fd opened by root (here on /etc/shadow) never reaches the
# jail.
rm -f "$W/cmd"; mkfifo "$W/cmd"; chmod 0666 "$W/cmd"
( exec 9</etc/shadow; cd "$W" && as_user sftp -D "$LAUNCHER --subsystem" -b - <"$W/cmd" >/dev/null 2>&1 ) &
client=$!
exec 7>"$W/cmd"
spid=
for _ in $(seq 1 100); do spid=$(pgrep -u $U -x sftp-server | head -1); [ -n "$spid" ] && break; sleep 0.05; done
check "live session for the fd check" [ -n "$spid" ]
check "the inherited fd 9 is not in sftp-server" [ "$(ls /proc/$spid/fd | sort -n | tr '\n' ' ')" = "0 1 2 " ]
sup=$(awk '/^PPid:/{print $2}' /proc/$spid/status)
check "nor in the supervisor" bash -c '! [ -e /proc/$1/fd/9 ]' _ "$sup"
echo bye >&7; exec 7>&-; wait $client

rm -f /tmp/sjt-hos-pwned*
done_testing
