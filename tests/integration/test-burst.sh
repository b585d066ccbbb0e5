#!/bin/bash
# A login burst (docs/reliability.md, "Login burst"): 500 logins at once
# through real sshd (MaxStartups set above the burst, so that sshd itself
# drops none), for a user with max_sessions = 100.
#  - exactly 100 are served; the other 400 are refused cleanly: one line
#    on stderr naming the limit, a log line each, no session started;
#  - slots: 100 held during the burst (the OFD locks on the user's slot
#    file, /proc/locks), none once the sessions end; a second burst gets
#    all 100 again;
#  - nothing is left: processes, mounts, sshd's fds.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-burst
make_user $U
# 500 at once in both builds: the burst takes about 40 s in release
# (sshd's key exchanges are most of it, and they are not sanitized).
MAX=${BURST_MAX:-100}
N=${BURST_LOGINS:-500}
printf '[user %s]\nmax_sessions = %d\n' $U "$MAX" | write_config
start_sshd < <(echo "MaxStartups $((N + 100))"; sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
SLOTS=${NETNS%/*}/sessions
_ssh_opts
SSHO=("${SSH_OPTS[@]}" -o ConnectTimeout=120); SSHO[${#SSHO[@]}-4]=-p

snapshot() { host_snapshot "$1" "^$U "; }
# Slots held: the OFD locks on the user's slot file.
slots_held() {
        local id
        id=$("$PY" -c 'import os,sys; s=os.stat(sys.argv[1]); print("%02x:%02x:%d" % (os.major(s.st_dev), os.minor(s.st_dev), s.st_ino))' \
                "$SLOTS/$(id -u $U)" 2>/dev/null) || { echo 0; return; }
        grep -cE "OFDLCK .* $id " /proc/locks || true
}
refusals() { grep -c "user=$U refused: the user already has $MAX sessions (max_sessions = $MAX)" "$SYSLOG"; }

# burst NAME COUNT: COUNT sftp logins at once, each held open on the gate
# fifo (no byte is ever written to it: sftp-server waits for its INIT)
# until the gate closes.  Waits until every login is served or refused.
burst() {
        local name=$1 count=$2 i t0
        mkfifo "$W/$name.gate"
        BURST_PIDS=()
        t0=$(date +%s.%N)
        for i in $(seq 1 "$count"); do
                ( ssh "${SSHO[@]}" -s $U@127.0.0.1 sftp <"$W/$name.gate" >/dev/null 2>"$W/$name.err$i"
                  echo $? >"$W/$name.rc$i" ) &
                BURST_PIDS+=($!)
        done
        exec {GATE}>"$W/$name.gate"
        for _ in $(seq 1 1200); do
                served=$(pgrep -u $U -x sftp-server | wc -l)
                done_n=$(find "$W" -name "$name.rc*" | wc -l)
                [ $((served + done_n)) -ge "$count" ] && break
                sleep 0.1
        done
        BURST_SECONDS=$(echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-6)
}
close_gate() {
        exec {GATE}>&-
        wait "${BURST_PIDS[@]}" 2>/dev/null
        for _ in $(seq 1 200); do pgrep -u $U >/dev/null || break; sleep 0.05; done
}

snapshot before
# sshd's log from here on: the bursts' lines.
SSHD_LOG_FROM=$(($(wc -l <"$SSHD_LOG") + 1))
refused0=$(refusals)
burst b1 "$N"
served=$(pgrep -u $U -x sftp-server | wc -l)
held=$(slots_held)
diag "burst of $N: $served served, $(find "$W" -name 'b1.rc*' | wc -l) refused, settled in ${BURST_SECONDS}s; slots held: $held"
check "exactly max_sessions ($MAX) logins are served ($served)" [ "$served" -eq "$MAX" ]
check "... holding $MAX slots ($held)" [ "$held" -eq "$MAX" ]
# Every refused login: the launcher's exit status (1), passed on by sshd.
# Its one stderr line does not reach an sftp client: sshd discards a
# subsystem's stderr (OpenSSH session.c, CHAN_EXTENDED_IGNORE), so the
# client sees the connection close; the reason is in the log, one line per
# refusal, and on stderr (checked below, once, outside sshd).  Nothing
# else may appear on the client's stderr.
bad=0
for f in "$W"/b1.rc*; do
        i=${f##*rc}
        if [ "$(cat "$f")" -ne 1 ] || grep -qv "^sftpjail: login refused: the user already has $MAX sessions (max_sessions = $MAX)$" "$W/b1.err$i"; then
                bad=$((bad + 1)); [ $bad -le 3 ] && diag "login $i: rc $(cat "$f"): $(cat "$W/b1.err$i")"
        fi
done
check "the other $((N - MAX)) are refused, exit status 1, nothing else said ($bad not)" \
        [ $bad -eq 0 -a "$(find "$W" -name 'b1.rc*' | wc -l)" -eq $((N - MAX)) ]
err=$(cd "$W" && setpriv --reuid $U --regid $U --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >/dev/null)
check "while full, the launcher's refusal is one line naming the limit" \
        bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -q "^sftpjail: login refused: the user already has $2 sessions (max_sessions = $2)$" <<<"$1"' _ "$err" "$MAX"
# The log is asynchronous: a refusal's line may still be in the
# listener's socket queue when its client has exited.  Wait until the
# count reaches what is expected, or stops growing for 2 s.
want=$((N - MAX + 1)) last=-1 still=0
for _ in $(seq 1 200); do
        got=$(($(refusals) - refused0))
        [ "$got" -ge "$want" ] && break
        if [ "$got" -eq "$last" ]; then still=$((still + 1)); [ $still -ge 20 ] && break; else still=0; fi
        last=$got; sleep 0.1
done
if [ $bad -ne 0 ] || [ "$got" -ne "$want" ]; then
        # Why: refusals for another reason, and what sshd said of the burst.
        diag "$(grep "user=$U refused:" "$SYSLOG" | grep -v "the user already has $MAX sessions" | head -n 5 | sed 's/^/other refusal: /')"
        diag "$(tail -n "+$SSHD_LOG_FROM" "$SSHD_LOG" | grep -iE "error|fatal|fail|drop|timeout|reset" | head -n 10 | sed 's/^/sshd: /')"
fi
check "each refusal is logged once ($(($(refusals) - refused0)))" [ $(($(refusals) - refused0)) -eq $((N - MAX + 1)) ]
check "$MAX sessions started, no more" [ "$(grep -c "user=$U session start" "$SYSLOG")" -eq "$MAX" ]
check "sshd dropped no connection (MaxStartups)" bash -c '! tail -n "+$2" "$1" | grep -q "drop connection"' _ "$SSHD_LOG" "$SSHD_LOG_FROM"
close_gate
check "the served sessions end cleanly ($MAX)" \
        [ "$(grep -c "user=$U session end exit=0" "$SYSLOG")" -eq "$MAX" ]
check "no slot is held once they end ($(slots_held))" [ "$(slots_held)" -eq 0 ]

# A second burst of exactly max_sessions: every slot is free again.
burst b2 "$MAX"
served=$(pgrep -u $U -x sftp-server | wc -l)
diag "second burst of $MAX: $served served in ${BURST_SECONDS}s"
check "a second burst of $MAX: all served, no slot leaked ($served)" [ "$served" -eq "$MAX" ]
close_gate
check "... and none held afterwards" [ "$(slots_held)" -eq 0 ]

snapshot after
check "host mount table unchanged" diff -u "$W/before.mnt1" "$W/after.mnt1"
check "this namespace's mount table unchanged" diff -u "$W/before.mnt" "$W/after.mnt"
check "no sftp-server, launcher or user process left" diff -u "$W/before.ps" "$W/after.ps"
check "sshd holds no extra fds" diff -u "$W/before.fd" "$W/after.fd"
done_testing
