#!/bin/bash
# The audit log is never silently lost (audit = required, the default):
#  - no sink at /dev/log: the login is refused, one stderr line; doctor
#    says so; audit = best-effort serves it;
#  - a sink that stalls mid-session: the supervisor queues a bounded
#    amount (log.h LOG_QUEUE_MAX), stops reading sftp-server's log, and
#    once the sink has taken nothing for LOG_STALL_SECONDS (10) ends the
#    session (reason=audit) instead of stalling sftp-server without bound;
#    once the sink takes records again, the session's end and the reason
#    arrive.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"
trap '' PIPE

U=sjt-audit
make_user $U
write_config <<<"[user $U]"
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"

check "baseline: login works" sftp_batch $U <<<"ls"

# ---- no sink ----
: >"$W/not-a-socket"
mount --bind "$W/not-a-socket" /dev/log || bail "cannot hide /dev/log"
err=$(cd "$W" && setpriv --reuid $U --regid $U --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >/dev/null); rc=$?
diag "$err"
check "no sink: the login is refused (rc=$rc)" [ $rc -ne 0 ]
check "no sink: one stderr line says why" \
        bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -q "^sftpjail: login refused: the audit log cannot be written (/dev/log: [^)]*); with audit = required" <<<"$1"' _ "$err"
check_not "no sink: the sftp login through sshd fails" sftp_batch $U <<<"ls"
check "no sink: no sftp-server runs" bash -c '! pgrep -u "$1" -x sftp-server' _ $U
out=$("$CTL" doctor 2>&1)
check "no sink: doctor reports it" grep -q "^problem: the audit log cannot be written (/dev/log: " <<<"$out"
printf '[global]\naudit = best-effort\n[user %s]\n' $U | write_config
check "audit = best-effort: served without a sink" sftp_batch $U <<<"ls"
out=$("$CTL" doctor 2>&1)
check "audit = best-effort: doctor notes it, no problem" \
        bash -c 'grep -q "^note: the audit log cannot be written" <<<"$1" && ! grep -q "^problem: the audit log" <<<"$1"' _ "$out"
umount /dev/log
write_config <<<"[user $U]"
check "the sink is back: login works" sftp_batch $U <<<"ls"

# ---- a sink that stalls mid-session ----
for _ in $(seq 1 4000); do echo "ls"; done >"$W/many"
start=$(grep -c "user=$U session start" "$SYSLOG")
# shellcheck disable=SC2154 # set by start_syslog in lib.sh
kill -STOP "$_syslog_pid"
t0=$(date +%s)
sftp_batch $U <"$W/many" >/dev/null 2>&1 &
client=$!
# The session's sftp-server must go (killed by its supervisor) while the
# sink is still stalled; then the sink wakes up and the supervisor, which
# waits for its last records to go out (up to 30 s), delivers them.
for _ in $(seq 1 1200); do [ -n "$(pgrep -u $U -x sftp-server)" ] && break; sleep 0.05; done
for _ in $(seq 1 1200); do [ -z "$(pgrep -u $U -x sftp-server)" ] && break; sleep 0.05; done
t1=$(date +%s)
still=$(pgrep -u $U -x sftp-server | wc -l)
sleep 1
kill -CONT "$_syslog_pid"
wait $client; rc=$?
diag "the stalled session ended after $((t1 - t0)) s, rc=$rc"
check "a stalled sink ends the session (the client's batch fails, rc=$rc)" [ $rc -ne 0 ]
check "... in bounded time ($((t1 - t0)) s), sftp-server not left stalled" [ $((t1 - t0)) -lt 60 ] && [ "$still" -eq 0 ]
check "once the sink reads again: the reason arrives" \
        wait_log "user=$U ending session: the audit log is not taking records \((none for [0-9]+ s, )?[0-9]+ lost\)" 10
check "... and the session's end, with reason=audit and the count" \
        wait_log "user=$U session end reason=audit signal=SIGKILL .* records_lost=[0-9]+$" 10
check "the session's start was delivered too" \
        [ "$(grep -c "user=$U session start" "$SYSLOG")" -gt "$start" ]
check "afterwards logins work again" sftp_batch $U <<<"ls"
done_testing
