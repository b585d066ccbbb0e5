#!/bin/bash
# The state of a live jailed sftp-server, read from /proc on the host:
# capabilities, no_new_privs, seccomp, namespaces, mount flags, fds,
# environment; and the supervisor's state and lifetime rules.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-proc
one_jailed_user
W=$(mktemp -d); on_exit "rm -rf $W"

# start_session: an sftp client kept open on a fifo; sets SPID (the jail's
# sftp-server) and SUP (its supervisor, the launcher's parent half).
start_session() {
        rm -f "$W/cmd"; mkfifo "$W/cmd"
        sftp_batch $U <"$W/cmd" >"$W/client.out" 2>&1 &
        CLIENT=$!
        exec 7>"$W/cmd"
        SPID=
        for _ in $(seq 1 100); do
                SPID=$(pgrep -u $U -x sftp-server | head -1)
                [ -n "$SPID" ] && break
                sleep 0.05
        done
        SUP=$(awk '/^PPid:/{print $2}' "/proc/$SPID/status")
}
end_session() { echo bye >&7; exec 7>&-; wait $CLIENT 2>/dev/null; }
status_field() { awk -v k="$2:" '$1==k{print $2}' "/proc/$1/status"; }

start_session
check "live session found (sftp-server pid ${SPID:-none})" [ -n "$SPID" ]
# fds first, before the client makes the server open anything.
check "sftp-server has only fds 0 1 2" [ "$(ls /proc/$SPID/fd | sort -n | tr '\n' ' ')" = "0 1 2 " ]
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
        check "sftp-server $c is empty" [ "$(status_field $SPID $c)" = 0000000000000000 ]
done
check "sftp-server NoNewPrivs 1" [ "$(status_field $SPID NoNewPrivs)" = 1 ]
check "sftp-server Seccomp 2 (filter)" [ "$(status_field $SPID Seccomp)" = 2 ]
for ns in mnt pid net ipc uts cgroup; do
        # (pid 1 of this machine may not be readable: sshd and this test
        # stand for the host.)
        check "sftp-server has its own $ns namespace (not sshd's, this test's or the supervisor's)" \
                bash -c 'j=$(readlink /proc/$1/ns/$2) && [ -n "$j" ] &&
                        for p in $3 self $4; do o=$(readlink /proc/$p/ns/$2) && [ -n "$o" ] && [ "$j" != "$o" ] || exit 1; done' _ $SPID $ns $SSHD_PID $SUP
done
check "the supervisor stays in sshd's pid and net namespaces (it must reach syslog)" \
        bash -c '[ "$(readlink /proc/$1/ns/pid)" = "$(readlink /proc/$2/ns/pid)" ] && [ "$(readlink /proc/$1/ns/net)" = "$(readlink /proc/$2/ns/net)" ]' _ $SUP $SSHD_PID
check "sftp-server is pid 1 of its pid namespace" grep -qE '^NSpid:\s+[0-9]+\s+1$' /proc/$SPID/status
check "sftp-server runs as the user" [ "$(stat -c %U /proc/$SPID)" = $U ]
tr '\0' '\n' </proc/$SPID/environ | sort >"$W/env"
diag "$(cat "$W/env")"
# HOME USER LOGNAME PATH, and TZ: the host's zone as a POSIX rule string
# (never a file name, which glibc would open), so listings show local time.
check "environment is only HOME LOGNAME PATH TZ USER" [ "$(cut -d= -f1 "$W/env" | tr '\n' ' ')" = "HOME LOGNAME PATH TZ USER " ]
check "HOME is the real home" grep -qx "HOME=$TESTROOT/home/$U" "$W/env"
check "USER and LOGNAME are the user" bash -c 'grep -qx "USER=$2" "$1" && grep -qx "LOGNAME=$2" "$1"' _ "$W/env" $U
check "PATH is fixed" grep -qx "PATH=/usr/bin:/bin" "$W/env"
check "TZ is a rule string, not a path" grep -qxE "TZ=[A-Za-z<][A-Za-z0-9+,.<>:-]*" "$W/env"
check "no controlling tty, own session" [ "$(awk '{print $7}' /proc/$SPID/stat)" = 0 ]
check "core dumps off (RLIMIT_CORE 0)" grep -qE '^Max core file size\s+0\s+0' /proc/$SPID/limits

# Mounts as the jail sees them: every writable mount and the home are
# nodev,nosuid,noexec; the root is read-only.
mi=/proc/$SPID/mountinfo
home=$TESTROOT/home/$U
root_opts=$(awk '$5=="/"{print $6}' $mi)
check "jail root is read-only ($root_opts)" grep -q '^ro,' <<<"$root_opts"
home_opts=$(awk -v m="$home" '$5==m{print $6}' $mi)
check "home is ro,nosuid,nodev,noexec ($home_opts)" \
        bash -c '[[ $1 == ro,* && $1 == *nosuid* && $1 == *nodev* && $1 == *noexec* ]]' _ "$home_opts"
up_opts=$(awk -v m="$home/uploads" '$5==m{print $6}' $mi)
check "uploads is rw,nosuid,nodev,noexec ($up_opts)" \
        bash -c '[[ $1 == rw,* && $1 == *nosuid* && $1 == *nodev* && $1 == *noexec* ]]' _ "$up_opts"
bad=$(awk '$6 ~ /^rw/ && !($6 ~ /nosuid/ && $6 ~ /nodev/ && $6 ~ /noexec/) {print $5}' $mi)
check "no writable mount lacks nosuid,nodev,noexec (${bad:-none})" [ -z "$bad" ]
check "no /proc, /sys or host mounts in the jail" bash -c '! awk "{print \$5}" "$1" | grep -qE "^/(proc|sys|run|boot)"' _ $mi
# Every mount point, exactly: the root, the home, uploads, /dev/null, and
# read-only file mounts of sftp-server and what its loader needs.
extra=$(awk -v h="$home" '$5!="/" && $5!=h && $5!=h"/uploads" && $5!="/dev/null" && $5!=s {print $5}' s="$SFTP_SERVER" $mi)
check "sftp-server is mounted" grep -q " $SFTP_SERVER " $mi
bad=
for m in $extra; do
        case "$m" in /lib/*|/lib64/*|/usr/lib/*) ;; *) bad="$bad $m" ;; esac
        [ -f "$m" ] && [ "$(stat -c %u "$m")" = 0 ] || bad="$bad $m"
done
check "every other mount is a root-owned library of the host (${bad:-ok}; $(echo $extra))" [ -z "$bad" ]
check "a handful of libraries at most" [ "$(wc -w <<<"$extra")" -le 4 ]
bad=$(awk '!($6 ~ /(^|,)nosuid(,|$)/) {print $5}' $mi)
check "every mount is nosuid (${bad:-ok})" [ -z "$bad" ]
bad=$(awk '$5!="/dev/null" && !($6 ~ /(^|,)nodev(,|$)/) {print $5}' $mi)
check "every mount but /dev/null is nodev (${bad:-ok})" [ -z "$bad" ]
bad=$(awk -v h="$home" '($5=="/" || $5==h || $5==h"/uploads" || $5=="/dev/null") && !($6 ~ /(^|,)noexec(,|$)/) {print $5}' $mi)
check "root, home, uploads and /dev/null are noexec (${bad:-ok})" [ -z "$bad" ]
bad=$(awk -v h="$home" '$5!=h"/uploads" && !($6 ~ /^ro(,|$)/) {print $5}' $mi)
check "every mount but uploads is read-only (${bad:-ok})" [ -z "$bad" ]
fstypes=$(awk '{for (i = 7; $i != "-"; i++); print $(i+1)}' $mi | sort -u | tr '\n' ' ')
check "no kernel-interface filesystem is mounted ($fstypes)" \
        bash -c '! grep -qwE "proc|sysfs|cgroup2?|devpts|mqueue|debugfs|securityfs|bpf|tracefs|configfs|fusectl|binfmt_misc" <<<"$1"' _ "$fstypes"
check "mounts did not propagate to the host" bash -c '! grep -q " $1/uploads " /proc/1/mountinfo' _ "$home"

# After some requests: still nothing but 0-2 (and, while a transfer runs,
# files of the home).
echo "ls -l uploads" >&7
echo "put /etc/hostname uploads/h" >&7
echo "get uploads/h $W/h" >&7
echo "ls /" >&7
for _ in $(seq 1 100); do grep -q "^sftp> ls /$" "$W/client.out" && break; sleep 0.05; done
sleep 0.2
fds=$(for f in /proc/$SPID/fd/*; do n=${f##*/}; [ "$n" -le 2 ] && continue; readlink "$f"; done)
check "after requests: no fd but 0-2 outside the home (${fds:-none})" \
        bash -c 'for l in $1; do case "$l" in "$2"/*) ;; *) exit 1 ;; esac; done' _ "$fds" "$TESTROOT/home/$U"
check "fd 0 and 1 are sshd's pipes or sockets" \
        bash -c '[[ $(readlink /proc/$1/fd/0) == socket:* || $(readlink /proc/$1/fd/0) == pipe:* ]]' _ $SPID
# /proc/net/unix: Num RefCount Protocol Flags Type St Inode; 0005 = SOCK_SEQPACKET.
check "fd 2 is the supervisor's log socket, SOCK_SEQPACKET (one message per record)" \
        bash -c 'i=$(readlink /proc/$1/fd/2 | sed -nE "s/^socket:\[([0-9]+)\]$/\1/p");
                 [ -n "$i" ] && awk -v i="$i" "\$7 == i && \$5 == \"0005\" { f = 1 } END { exit !f }" /proc/net/unix' _ $SPID

# The supervisor: no capabilities, no_new_privs, in the host's namespaces.
for c in CapInh CapPrm CapEff CapBnd CapAmb; do
        check "supervisor $c is empty" [ "$(status_field $SUP $c)" = 0000000000000000 ]
done
check "supervisor NoNewPrivs 1" [ "$(status_field $SUP NoNewPrivs)" = 1 ]
check "supervisor is not dumpable (no ptrace by the user)" \
        bash -c '! setpriv --reuid "$1" --regid "$1" --clear-groups cat /proc/$2/environ >/dev/null 2>&1' _ $U $SUP
check "the user cannot read sftp-server's memory" \
        bash -c '! setpriv --reuid "$1" --regid "$1" --clear-groups dd if=/proc/$2/mem bs=1 count=1 skip=4096 >/dev/null 2>&1' _ $U $SPID

# SIGKILL on the supervisor takes the jail with it (PDEATHSIG).
kill -KILL $SUP
for _ in $(seq 1 100); do kill -0 $SPID 2>/dev/null || break; sleep 0.05; done
check "sftp-server dies with its supervisor" bash -c '! kill -0 $1 2>/dev/null' _ $SPID
end_session

# SIGTERM on the supervisor ends the session cleanly and logs it.
start_session
kill -TERM $SUP
for _ in $(seq 1 100); do kill -0 $SPID 2>/dev/null || break; sleep 0.05; done
check "SIGTERM to the supervisor ends the jail" bash -c '! kill -0 $1 2>/dev/null' _ $SPID
check "the SIGTERM is logged" wait_log "user=$U ending session on Terminated"
check "and so is the session end (the jail was killed)" wait_log "user=$U session end signal=SIGKILL duration="
end_session

# The client going away ends everything.
start_session
exec 7>&-; kill $CLIENT 2>/dev/null; wait $CLIENT 2>/dev/null
for _ in $(seq 1 100); do kill -0 $SPID 2>/dev/null || kill -0 $SUP 2>/dev/null || break; sleep 0.05; done
check "client gone: sftp-server gone" bash -c '! kill -0 $1 2>/dev/null' _ $SPID
check "client gone: supervisor gone" bash -c '! kill -0 $1 2>/dev/null' _ $SUP
for _ in $(seq 1 100); do pgrep -u $U >/dev/null || break; sleep 0.05; done
check "client gone: nothing left for the user (sshd's session included)" bash -c '! pgrep -u "$1" >/dev/null' _ $U

done_testing
