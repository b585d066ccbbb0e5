#!/bin/bash
# Limits the kernel enforces (sftpjail.conf(5), LIMITS), tried through the
# real sshd and client:
#  - max_file_size: a write past it fails with EFBIG, the session goes on,
#    and the log names the reason;
#  - max_sessions: the login over the limit is refused with a clear line
#    and a log line; logins racing for the last slots get exactly N; a
#    slot comes back when a session ends however it ends (kill -9 of the
#    supervisor or of sftp-server), so nothing leaks.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"
# Clients we hold open may be gone by the time we tell them to quit.
trap '' PIPE

U=sjt-lim
make_user $U
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
H=$TESTROOT/home/$U
SLOTS=${NETNS%/*}/sessions

# ---- max_file_size ----
printf '[user %s]\nmax_file_size = 64K\n' $U | write_config
head -c 100000 /dev/urandom >"$W/big"
head -c 30000 /dev/urandom >"$W/small"
out=$(printf -- '-put %s uploads/big\nput %s uploads/small\nls -l uploads\n' "$W/big" "$W/small" | sftp_batch $U 2>&1); rc=$?
diag "$out"
check "the session went on after the failed write (rc=$rc)" [ $rc -eq 0 ]
check "the client was told the big upload failed" grep -qiE "failure|couldn't write" <<<"$out"
check "a file below the limit uploads whole" cmp -s "$W/small" "$H/uploads/small"
check "the big file stops at the limit (65536 bytes)" [ "$(stat -c %s "$H/uploads/big")" -eq 65536 ]
check "sftp-server was not killed by SIGXFSZ" wait_log "user=$U session end exit=0"
# The write that crossed the limit was cut short there: sftp-server says
# only "Failure" and logs no reason; the record names it.
check "the big upload's record: failed, File too large" \
        wait_log "user=$U event=transfer direction=upload status=failed .*path=\"$H/uploads/big\".* error=\"File too large \\(sftp-server: Failure\\)\""
check "the small upload's record: complete" \
        wait_log "user=$U event=transfer direction=upload status=complete bytes=30000 path=\"$H/uploads/small\""
# Resuming past the limit: the write starts at the limit and fails whole
# with EFBIG, which sftp-server logs with its reason.
out=$(printf -- '-reput %s uploads/big\nls -l uploads/big\n' "$W/big" | sftp_batch $U 2>&1); rc=$?
diag "$out"
check "a resume past the limit fails, the session goes on (rc=$rc)" [ $rc -eq 0 ]
check "the log names the reason (File too large)" wait_log "user=$U .*write .*uploads/big.*: File too large"
rm -f "$H/uploads/big" "$H/uploads/small"

# ---- max_sessions ----
printf '[user %s]\nmax_sessions = 2\n' $U | write_config
check "the slots directory is root's, mode 1733" [ "$(stat -c '%U %a' "$SLOTS")" = "root 1733" ]
# hold N: a session of $U held open on a fifo of our own (HOLD_FD[N],
# HOLD_PID[N] the client, HOLD_SPID[N] its sftp-server, HOLD_SUP[N] its
# supervisor); release N ends it.
declare -A HOLD_FD HOLD_PID HOLD_SPID HOLD_SUP
hold() {
        local n=$1 before p fd _i
        before=" $(pgrep -u $U -x sftp-server | tr '\n' ' ')"
        mkfifo "$W/hold$n"
        sftp_batch $U <"$W/hold$n" >"$W/hold$n.out" 2>&1 &
        HOLD_PID[$n]=$!
        exec {fd}>"$W/hold$n"; HOLD_FD[$n]=$fd
        HOLD_SPID[$n]=
        for _i in $(seq 1 200); do
                for p in $(pgrep -u $U -x sftp-server); do [[ "$before" == *" $p "* ]] || HOLD_SPID[$n]=$p; done
                [ -n "${HOLD_SPID[$n]}" ] && break
                sleep 0.05
        done
        [ -n "${HOLD_SPID[$n]}" ] && HOLD_SUP[$n]=$(awk '/^PPid:/{print $2}' "/proc/${HOLD_SPID[$n]}/status")
}
release() {
        local n=$1 fd=${HOLD_FD[$1]}
        echo bye >&"$fd"; exec {fd}>&-
        wait "${HOLD_PID[$n]}" 2>/dev/null; rm -f "$W/hold$n"
}
gone() { local _i; for _i in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done; return 1; }

hold 1; hold 2
check "two sessions run" [ -n "${HOLD_SPID[1]}" ] && [ -n "${HOLD_SPID[2]}" ]
out=$(sftp_batch $U <<<"ls" 2>&1); rc=$?
check "a third login is refused" [ $rc -ne 0 ]
check "the refusal is logged with the reason" wait_log "user=$U refused: the user already has 2 sessions \(max_sessions = 2\)"
err=$(cd "$W" && setpriv --reuid $U --regid $U --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >/dev/null)
check "the refusal is one clear line on stderr" \
        bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -q "^sftpjail: login refused: the user already has 2 sessions" <<<"$1"' _ "$err"

kill -9 "${HOLD_SUP[1]}"
check "kill -9 of a supervisor ends its jail" gone "${HOLD_SPID[1]}"
check "... and frees its slot: a new login works" sftp_batch $U <<<"ls"
release 1
hold 3
check "two sessions again" [ -n "${HOLD_SPID[3]}" ] && kill -0 "${HOLD_SPID[2]}"
check_not "full again: refused" sftp_batch $U <<<"ls"
kill -9 "${HOLD_SPID[3]}"
gone "${HOLD_SUP[3]}"
check "kill -9 of sftp-server frees its slot too" sftp_batch $U <<<"ls"
release 3; release 2
for _ in $(seq 1 100); do pgrep -u $U -x sftp-server >/dev/null || break; sleep 0.05; done

# Logins racing for the slots: 8 at once with max_sessions = 3, each held
# open; exactly 3 are served.
printf '[user %s]\nmax_sessions = 3\n' $U | write_config
refused_before=$(grep -c "user=$U refused: the user already has 3" "$SYSLOG")
pids=() fds=()
for i in $(seq 1 8); do
        mkfifo "$W/f$i"
        sftp_batch $U <"$W/f$i" >"$W/o$i" 2>&1 &
        pids+=($!)
        exec {fd}>"$W/f$i"; fds+=("$fd")
done
for _ in $(seq 1 200); do
        n=$(grep -c "user=$U refused: the user already has 3" "$SYSLOG")
        [ $((n - refused_before)) -ge 5 ] && [ "$(pgrep -u $U -x sftp-server | wc -l)" -ge 3 ] && break
        sleep 0.05
done
check "racing logins: exactly 3 sftp-servers run" [ "$(pgrep -u $U -x sftp-server | wc -l)" -eq 3 ]
check "racing logins: the other 5 were refused" \
        [ $(($(grep -c "user=$U refused: the user already has 3" "$SYSLOG") - refused_before)) -eq 5 ]
for fd in "${fds[@]}"; do echo bye >&"$fd"; exec {fd}>&-; done
wait "${pids[@]}" 2>/dev/null
for _ in $(seq 1 100); do pgrep -u $U -x sftp-server >/dev/null || break; sleep 0.05; done
three_logins() { local i; for i in 1 2 3; do sftp_batch $U <<<"ls" >/dev/null 2>&1 || return 1; done; }
check "every slot is free once they end" three_logins
check "the slot file is the user's own" [ "$(stat -c '%U %a' "$SLOTS/$(id -u $U)")" = "$U 600" ]

# 50 parallel logins with max_sessions = 5, while random sessions are
# killed (-9, the supervisor or sftp-server): never more than 5 live, and
# every slot free afterwards.
printf '[user %s]\nmax_sessions = 5\n' $U | write_config
pids=() fds=()
for i in $(seq 1 50); do
        mkfifo "$W/p$i"
        sftp_batch $U <"$W/p$i" >/dev/null 2>&1 &
        pids+=($!)
        exec {fd}>"$W/p$i"; fds+=("$fd")
done
# A live session: an sftp-server, not a zombie, whose parent is still its
# supervisor.  (When a supervisor is killed, its slot is free at once and
# its jail is being killed by PR_SET_PDEATHSIG: it serves nothing more.)
live_sessions() {
        local p n=0 pp
        for p in $(pgrep -u $U -x sftp-server); do
                [ "$(awk '/^State:/{print $2}' "/proc/$p/status" 2>/dev/null)" = Z ] && continue
                pp=$(awk '/^PPid:/{print $2}' "/proc/$p/status" 2>/dev/null)
                [ -n "$pp" ] && [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = sftpjail-superv ] && n=$((n + 1))
        done
        echo $n
}
max_seen=0 kills=0
for round in $(seq 1 60); do
        live=$(live_sessions)
        [ "$live" -gt "$max_seen" ] && max_seen=$live
        if [ $((round % 4)) -eq 0 ]; then
                victim=$(pgrep -u $U -x sftp-server | shuf -n 1)
                if [ -n "$victim" ]; then
                        if [ $((RANDOM % 2)) -eq 0 ]; then kill -9 "$victim"
                        else kill -9 "$(awk '/^PPid:/{print $2}' "/proc/$victim/status" 2>/dev/null)" 2>/dev/null; fi
                        kills=$((kills + 1))
                fi
                # Refill: a few more logins arrive while the others hold.
                for _ in 1 2; do sftp_batch $U <<<"ls" >/dev/null 2>&1 & pids+=($!); done
        fi
        sleep 0.05
done
diag "most live sessions seen: $max_seen, kills: $kills"
check "50 racing logins with kills: never more than 5 live sessions ($max_seen)" [ "$max_seen" -le 5 ]
check "the limit was reached, so the bound meant something" [ "$max_seen" -eq 5 ]
check "sessions were killed during the race ($kills)" [ "$kills" -ge 5 ]
for fd in "${fds[@]}"; do echo bye >&"$fd"; exec {fd}>&-; done
wait "${pids[@]}" 2>/dev/null
for _ in $(seq 1 100); do pgrep -u $U -x sftp-server >/dev/null || break; sleep 0.05; done
check "no sftp-server is left" bash -c '! pgrep -u "$1" -x sftp-server' _ $U
hold 11; hold 12; hold 13; hold 14; hold 15
check "afterwards all 5 slots are free: 5 sessions at once" \
        bash -c '[ "$(pgrep -u "$1" -x sftp-server | wc -l)" -eq 5 ]' _ $U
check_not "and a 6th is refused" sftp_batch $U <<<"ls"
for n in 11 12 13 14 15; do release $n; done
for _ in $(seq 1 100); do pgrep -u $U -x sftp-server >/dev/null || break; sleep 0.05; done

# ---- idle_timeout and max_session_time ----
# Measured on the channel: the supervisor relays what the client sends.
printf '[user %s]\nidle_timeout = 2\n' $U | write_config
head -c 20000000 /dev/urandom >"$W/relayed"
printf 'put %s uploads/relayed\nget uploads/relayed %s\n' "$W/relayed" "$W/relayed.back" | sftp_batch $U >/dev/null 2>&1
check "an upload and a download through the relay are intact (20 MB)" \
        bash -c 'cmp -s "$1" "$2" && cmp -s "$1" "$3"' _ "$W/relayed" "$H/uploads/relayed" "$W/relayed.back"
rm -f "$H/uploads/relayed" "$W/relayed.back"
hold 21
spid=${HOLD_SPID[21]}; sup=${HOLD_SUP[21]}
check "the session's stdin is a pipe from its supervisor" \
        bash -c '[ "$(readlink /proc/$1/fd/0)" != "$(readlink /proc/$2/fd/0)" ]' _ "$spid" "$sup"
t0=$(date +%s.%N)
for _ in $(seq 1 200); do kill -0 "$spid" 2>/dev/null || break; sleep 0.05; done
t1=$(date +%s.%N)
check "an idle session ends (after $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s)" bash -c '! kill -0 $1 2>/dev/null' _ "$spid"
check "... logged: session end reason=idle" wait_log "user=$U session end reason=idle exit=0 "
check "... and why" wait_log "user=$U ending session: idle_timeout reached"
release 21
# A client that keeps talking is not idle: 8 requests 0.5 s apart (4 s).
hold 22
for _ in $(seq 1 8); do echo "ls" >&"${HOLD_FD[22]}"; sleep 0.5; done
check "a client sending requests every 0.5 s outlives idle_timeout = 2" kill -0 "${HOLD_SPID[22]}"
release 22
printf '[user %s]\nmax_session_time = 2\n' $U | write_config
hold 23
for _ in $(seq 1 12); do { echo "ls" 1>&"${HOLD_FD[23]}"; } 2>/dev/null; sleep 0.5; done
check "a busy session still ends at max_session_time" bash -c '! kill -0 $1 2>/dev/null' _ "${HOLD_SPID[23]}"
check "... logged: session end reason=time" wait_log "user=$U session end reason=time exit=0 "
release 23

printf '[user %s]\nmax_sessions = 3\n' $U | write_config
# A slot file planted by someone else refuses the login (it would count
# someone else's locks).
rm -f "$SLOTS/$(id -u $U)"
install -m 0644 -o nobody /dev/null "$SLOTS/$(id -u $U)"
check_not "a planted slot file refuses the login" sftp_batch $U <<<"ls"
check "... with a log line naming it" wait_log "user=$U refused: session slots $SLOTS/"
rm -f "$SLOTS/$(id -u $U)"

# Without the directory, a user with max_sessions is refused; doctor --fix
# creates it.
rmdir "$SLOTS"
check_not "no slots directory: refused" sftp_batch $U <<<"ls"
check "... logged" wait_log "user=$U refused: max_sessions is set, but $SLOTS: No such file"
out=$("$CTL" doctor 2>&1)
check "doctor reports it" grep -q "^problem: user $U: max_sessions is set, but $SLOTS is missing" <<<"$out"
"$CTL" doctor --fix >/dev/null 2>&1
check "doctor --fix creates it (root, 1733)" [ "$(stat -c '%U %a' "$SLOTS")" = "root 1733" ]
check "and logins work again" sftp_batch $U <<<"ls"
done_testing
