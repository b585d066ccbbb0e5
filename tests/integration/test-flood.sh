#!/bin/bash
# An operation flood (docs/reliability.md, "Operation flood"): one session
# opens and closes a file as fast as sftp-server answers, through real
# sshd, while another user works.
#  - every open is one transfer record: none dropped, none doubled, and
#    the session's log lines are its records and a bounded few more;
#  - sftp-server's own messages (a flood of failing requests: "sent status
#    No such file" each) are rate-limited with counts: what was forwarded
#    plus what the summaries count is exactly what was sent, and what was
#    forwarded stays within the limit; the records of the same session are
#    all there;
#  - the other user's download and request latency with and without the
#    flood: the ratios are reported (docs/reliability.md has the figures);
#    the test asserts only that the other user is served, with a generous
#    bound, since timings on a shared 2-core machine vary.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

F=sjt-flood
O=sjt-flood-other
make_user $F
make_user $O
write_config <<CFG
[user $F]
[user $O]
CFG
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); on_exit "rm -rf $W"
_ssh_opts
SSHO=("${SSH_OPTS[@]}"); SSHO[${#SSHO[@]}-2]=-p
flood() { local u=$1; shift; timeout 120 "$PY" "$SRCDIR/tests/helpers/sftp-flood.py" "$@" -- ssh "${SSHO[@]}" "$u@127.0.0.1" -s sftp; }
json() { "$PY" -c 'import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$1" "$2"; }
# The session=ID of USER's Nth session start in the log (1 = first).
session_id() { grep -oE "session=[0-9a-f]{16} user=$1 session start" "$SYSLOG" | sed -n "${2}p" | cut -d' ' -f1 | cut -d= -f2; }
wait_end() { wait_log "session=$1 user=[^ ]+ session end" 30; }
# Each of the three floods runs 5 s: about 25 s for the test in both
# builds (under ASan the flood may be slower, 12,000-27,000 opens/s
# instead of 27,000-37,000, and every check holds the same).
SECONDS_FLOOD=${FLOOD_SECONDS:-5}

echo x >"$TESTROOT/home/$F/uploads/f"; chown $F "$TESTROOT/home/$F/uploads/f"
head -c 32M /dev/urandom >"$TESTROOT/home/$O/uploads/big"; chown $O "$TESTROOT/home/$O/uploads/big"
sum=$(sha256sum <"$TESTROOT/home/$O/uploads/big")

# The other user's work: a 32 MiB download (seconds) and 300 stats one
# after another (their median round trip, ms).
other_work() {
        local t0 t1 lat
        t0=$(date +%s.%N)
        sftp_batch $O <<<"get uploads/big $W/got" >/dev/null 2>&1 || return 1
        t1=$(date +%s.%N)
        [ "$(sha256sum <"$W/got")" = "$sum" ] || return 1
        lat=$(flood $O latency --path uploads/big --count 300) || return 1
        echo "$(echo "$t1 - $t0" | bc -l) $(json "$lat" median_ms) $(json "$lat" p90_ms)"
}

base=$(other_work)
check "the other user's work, alone" [ -n "$base" ]

# ---- the flood ----
flood $F opens --path uploads/f --seconds "$SECONDS_FLOOD" --depth 64 >"$W/flood.json" &
fpid=$!
sleep 1
under=$(other_work)
check "the other user's work, under the flood: served, intact" [ -n "$under" ]
wait $fpid; frc=$?
out=$(cat "$W/flood.json")
check "the flood session ran to its end (rc=$frc)" [ $frc -eq 0 ]
opens=$(json "$out" opens)
diag "flood: $out"
read -r bt bl bp <<<"$base"
read -r ut ul up <<<"$under"
diag "other user alone:       download ${bt}s, stat median ${bl} ms, p90 ${bp} ms"
diag "other user under flood: download ${ut}s, stat median ${ul} ms, p90 ${up} ms"
diag "ratios: download $(echo "$ut / $bt" | bc -l | cut -c1-5), stat median $(echo "$ul / $bl" | bc -l | cut -c1-5)"
# Generous: a factor of 20 on a 1 s download still fails nothing real;
# a session starved by the flood would.
check "the other user's download under the flood: within 20x of alone" [ "$(echo "$ut < 20 * $bt + 2" | bc)" = 1 ]

sid=$(session_id $F 1)
check "the flood session ended" wait_end "$sid"
recs=$(grep -c "session=$sid user=$F event=transfer direction=download status=complete bytes=0 path=\"$TESTROOT/home/$F/uploads/f\"" "$SYSLOG")
lines=$(grep -c "session=$sid " "$SYSLOG")
diag "flood session: $opens opens, $recs records, $lines log lines"
check "at least 10,000 opens in the flood ($opens)" [ "$opens" -ge 10000 ]
check "one complete transfer record per open ($recs of $opens)" [ "$recs" -eq "$opens" ]
check "handles are numbered 1..N, each once" \
        bash -c '[ "$(grep -oE "session=$1 user=[^ ]+ event=transfer .* handle=[0-9]+" "$2" | grep -oE "handle=[0-9]+$" | sort -u | wc -l)" -eq "$3" ]' _ "$sid" "$SYSLOG" "$opens"
check "its log: the records and no more than 10 other lines ($lines)" [ "$lines" -le $((opens + 10)) ]
check "no record lost, the session not ended for its log" \
        bash -c '! grep -E "session=$1 .*(records_lost|reason=audit|not taking records)" "$2"' _ "$sid" "$SYSLOG"

# ---- a flood of failing requests, and opens, in one session ----
flood $F mixed --path uploads/f --missing uploads/nothing-here --seconds "$SECONDS_FLOOD" --depth 64 >"$W/mixed.json"; rc=$?
out=$(cat "$W/mixed.json")
diag "mixed flood: $out"
check "the mixed flood ran (rc=$rc)" [ $rc -eq 0 ]
errors=$(json "$out" errors) opens=$(json "$out" opens)
sid=$(session_id $F 2)
check "the mixed session ended" wait_end "$sid"
# Every message of sftp-server that no record stands for: its failing
# stats, and "session opened" and "session closed".
sent=$((errors + 2))
fwd=$(grep -c "session=$sid user=$F sftp-server: " "$SYSLOG")
supp=$(grep -oE "session=$sid user=$F suppressed [0-9]+ messages of sftp-server" "$SYSLOG" | awk '{s += $4} END {print s + 0}')
summaries=$(grep -cE "session=$sid user=$F suppressed [0-9]+ messages of sftp-server" "$SYSLOG")
recs=$(grep -c "session=$sid user=$F event=transfer direction=download status=complete" "$SYSLOG")
lines=$(grep -c "session=$sid " "$SYSLOG")
# FORWARD_BURST (1000) per FORWARD_INTERVAL (10 s) of the session.
intervals=$((SECONDS_FLOOD / 10 + 2))
diag "mixed session: $errors failing stats: $fwd messages forwarded, $supp suppressed in $summaries summaries; $opens opens, $recs records; $lines log lines"
check "sftp-server's messages: forwarded + counted as suppressed = sent ($fwd + $supp = $sent)" [ $((fwd + supp)) -eq "$sent" ]
check "forwarded within the limit ($fwd <= $intervals x 1000)" [ "$fwd" -le $((intervals * 1000)) ]
check "something was suppressed, with a summary ($summaries)" [ "$supp" -gt 0 -a "$summaries" -ge 1 ]
check "records are never suppressed: one per open ($recs of $opens)" [ "$recs" -eq "$opens" ]
check "its log: bounded by the records, not by the flood ($lines <= $opens + $intervals x 1001 + 10)" \
        [ "$lines" -le $((opens + intervals * 1001 + 10)) ]

# ---- a sink that pauses mid-flood ----
# For 3 s (less than LOG_STALL_SECONDS, 10) the log takes nothing: the
# queue (256 KiB) would overflow within a fraction of a second.  The
# session waits for the sink instead (back-pressure), and goes on.
flood $F opens --path uploads/f --seconds "$SECONDS_FLOOD" --depth 64 >"$W/pause.json" &
fpid=$!
sleep 1
# shellcheck disable=SC2154 # set by start_syslog in lib.sh
kill -STOP "$_syslog_pid"
sleep 3
kill -CONT "$_syslog_pid"
wait $fpid; rc=$?
out=$(cat "$W/pause.json")
diag "flood with a pause of the sink: $out"
check "the flood session with a paused sink ran to its end (rc=$rc)" [ $rc -eq 0 ]
opens=$(json "$out" opens)
sid=$(session_id $F 3)
check "... and ended" wait_end "$sid"
recs=$(grep -c "session=$sid user=$F event=transfer direction=download status=complete" "$SYSLOG")
check "... one record per open, none lost ($recs of $opens)" [ "$recs" -eq "$opens" ]
check "... not ended for its log" bash -c '! grep -E "session=$1 .*(records_lost|reason=audit|not taking records)" "$2"' _ "$sid" "$SYSLOG"

done_testing
