#!/bin/bash
# The state of a live jailed sftp-server, read from /proc on the host:
# capabilities, no_new_privs, seccomp, namespaces, mount flags, fds,
# environment; and the supervisor's state and lifetime rules.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-proc
make_user $U
write_config <<CFG
[user $U]
CFG
start_sshd < <(sshd_jail_match)
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
        check "sftp-server has its own $ns namespace" \
                [ "$(readlink /proc/$SPID/ns/$ns)" != "$(readlink /proc/1/ns/$ns)" ]
done
check "sftp-server is pid 1 of its pid namespace" grep -qE '^NSpid:\s+[0-9]+\s+1$' /proc/$SPID/status
check "sftp-server runs as the user" [ "$(stat -c %U /proc/$SPID)" = $U ]
tr '\0' '\n' </proc/$SPID/environ | cut -d= -f1 | sort >"$W/env"
check "environment is only HOME LOGNAME PATH TZ USER" [ "$(tr '\n' ' ' <"$W/env")" = "HOME LOGNAME PATH TZ USER " ]
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
check "exactly the expected mounts" [ "$(wc -l <$mi)" -le 8 ]
check "mounts did not propagate to the host" bash -c '! grep -q " $1/uploads " /proc/1/mountinfo' _ "$home"

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
check "the session end is logged" wait_log "ending session on Terminated"
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
