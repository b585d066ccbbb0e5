#!/bin/bash
# The records read back: sftpjailctl log and metrics over what the real
# sshd, launcher and supervisor wrote (docs/records.md).  Exact byte counts
# of uploads and downloads; hostile names (LF, CR, quotes, '=', backslash,
# bytes that are not UTF-8, sftp-server's close text) round-trip exactly
# through "sftpjailctl log --json"; uploads interrupted by killing the
# client, the session's sftp-server or the connection's sshd are recorded
# interrupted, never complete; a failed open is failed; metrics pass
# promtool and count exactly, once.  Then, in a booted systemd (the
# journal path): the journal fields, log --json --user, forged entries
# skipped, promtool, systemd-analyze verify of the metrics units.
. "$(dirname "$0")/../lib.sh"
# enter_private_ns re-runs this script with stderr on /dev/null; keep the
# real one on fd 5 for diagnostics.
[ -n "${SFTPJAIL_TEST_NS:-}" ] || exec 5>&2
standard_setup "$@"
exec 2>&5
trap '' PIPE
trap 'exit 143' TERM INT HUP

U=sjt-rec
one_jailed_user
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
HELPER=$SRCDIR/tests/helpers/records-client.py
_ssh_opts; SSHO=("${SSH_OPTS[@]}"); SSHO[${#SSHO[@]}-2]=-p
LOG=("$CTL" log --file "$SYSLOG")

# records FILTER.py: the JSON records of $U (sftpjailctl log --json), run
# through a Python expression over "recs" (a list of dicts); prints it.
records() {
        "${LOG[@]}" --json --user "$U" 2>"$W/log.err" >"$W/log.json" || { cat "$W/log.err" >&2; return 1; }
        "$PY" - "$W/log.json" "$1" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8")]
def raw(r, k="path"):
    return bytes.fromhex(r[k + "_hex"]) if k + "_hex" in r else r[k].encode()
def tr(name):
    return [r for r in recs if r["event"] == "transfer" and raw(r).endswith(name.encode() if isinstance(name, str) else name)]
print(eval(sys.argv[2]))
EOF
}
session_ended() { # COUNT-BEFORE: wait until one more session end of $U
        local _
        for _ in $(seq 200); do
                [ "$(grep -c "user=$U session end" "$SYSLOG")" -gt "$1" ] && return 0; sleep 0.05
        done
        return 1
}

# ---- uploads and downloads, exact bytes ----
head -c 1048576 /dev/urandom >"$W/up"
head -c 307200 /dev/urandom >"$H/down"
sftp_batch $U >/dev/null 2>&1 <<EOF
put $W/up uploads/up
get down $W/down
EOF
check "transfers worked" cmp -s "$W/up" "$H/uploads/up"
check "session end logged" wait_log "user=$U session end"
out=$("${LOG[@]}" --user $U 2>"$W/err"); rc=$?
diag "$out"
check "log (text): exit 0, one line per record" [ $rc -eq 0 ] && [ -n "$out" ]
check "log says syslog lines carry no proof of origin" grep -q "no proof of origin" "$W/err"
check "log (text): the upload, complete, its bytes and path" \
        grep -qE "^[0-9-]{10} [0-9:]{8} $U +[0-9a-f]{16} transfer +upload +complete +1048576 \"$H/uploads/up\"$" <<<"$out"
check "log (text): session start and end" bash -c 'grep -q " session-start " <<<"$1" && grep -q " session-end " <<<"$1"' _ "$out"
check "log --json: upload complete, 1048576 bytes" [ "$(records '[(r["status"], r["bytes"], r["direction"], r["handle"]) for r in tr("/uploads/up")]')" = "[('complete', 1048576, 'upload', 1)]" ]
check "log --json: download complete, 307200 bytes" [ "$(records '[(r["status"], r["bytes"], r["direction"]) for r in tr("/down")]')" = "[('complete', 307200, 'download')]" ]
check "log --json: client, key, start, end, duration, session" \
        [ "$(records 'all(r["client"].startswith("127.0.0.1:") and r["key"].startswith("ssh-ed25519 SHA256:") and r["start"] and r["end"] and r["duration"] >= 0 and len(r["session"]) == 16 for r in tr("/uploads/up") + tr("/down"))')" = True ]
check "log --json: the session's end totals the bytes" \
        [ "$(records '[(r["bytes_read"], r["bytes_written"], r["exit"]) for r in recs if r["event"] == "session-end"][-1]')" = "(307200, 1048576, 'exit=0')" ]

# ---- hostile names, exact ----
names=$(timeout 60 "$PY" "$HELPER" hostile -- ssh "${SSHO[@]}" -s "$U@127.0.0.1" sftp)
check "hostile names uploaded ($(wc -l <<<"$names"))" [ "$(wc -l <<<"$names")" -eq 8 ]
wait_log "user=$U session end" 5
sleep 0.5
for hex in $names; do
        got=$(records "[(r['status'], r['bytes']) for r in tr(b'/uploads/' + bytes.fromhex('$hex'))]")
        check "name $(printf '%s' "$hex" | xxd -r -p | od -An -c | tr -s ' \n' ' ' | head -c 60): one record, exact, complete, 5 bytes" \
                [ "$got" = "[('complete', 5)]" ]
done
check "no record names a forged session or user" \
        [ "$(records 'sorted(set((r["session"], r["user"]) for r in recs if r["event"] == "transfer")) == sorted(set((r["session"], r["user"]) for r in recs if r["event"] == "session-start" ))')" = True ]
check "a name that is not UTF-8 has path_hex beside the path" \
        [ "$(records 'len([r for r in recs if "path_hex" in r and b"bad\xff\xfe" in bytes.fromhex(r["path_hex"])])')" = 1 ]
check "the text output keeps the escapes (one line per record, no raw control byte)" \
        bash -c '"$@" --user sjt-rec 2>/dev/null | LC_ALL=C grep -qa "lf\\\\nsession=deadbeef" && ! "$@" 2>/dev/null | LC_ALL=C grep -aq "[[:cntrl:]]"' _ "${LOG[@]}"

# ---- a failed open ----
out=$(timeout 30 "$PY" "$HELPER" missing -- ssh "${SSHO[@]}" -s "$U@127.0.0.1" sftp)
check "open of a missing directory failed for the client ($out)" [ "$out" = "failed 2" ]
sleep 0.5
check "recorded: status failed, error \"No such file\"" \
        [ "$(records '[(r["status"], r["error"]) for r in tr("/uploads/no-such-dir/x")]')" = "[('failed', 'No such file')]" ]

# ---- interrupted uploads ----
# hold NAME: an upload left open; sets HOLD (the helper), SSHPID (its ssh
# client), SPID (the new session's sftp-server).
hold() {
        local before p
        before=" $(jail_pids $U | tr '\n' ' ')"
        mkfifo "$W/hold.$1"
        timeout 150 "$PY" "$HELPER" hold "uploads/$1" -- ssh "${SSHO[@]}" -s "$U@127.0.0.1" sftp >"$W/hold.$1" &
        HOLD=$!
        exec 8<"$W/hold.$1"
        read -r -t 30 SSHPID <&8; read -r -t 30 _ready <&8
        SPID=
        for p in $(jail_pids $U); do [[ "$before" == *" $p "* ]] || SPID=$p; done
        diag "$1: helper $HOLD, ssh $SSHPID, sftp-server $SPID"
}
interrupted_check() { # NAME WHAT
        sleep 0.5
        local got
        got=$(records "[(r['status'], r['direction']) for r in tr('/uploads/$1')]")
        diag "$1: $got"
        case "$got" in
        "[('interrupted', 'upload')]" | "[('failed', 'upload')]") ok "$2: recorded interrupted (or failed), never complete" ;;
        *) not_ok "$2: recorded interrupted (or failed), never complete" ;;
        esac
        exec 8<&-
        kill "$HOLD" 2>/dev/null; wait "$HOLD" 2>/dev/null
}

ends=$(grep -c "user=$U session end" "$SYSLOG")
hold int-client
kill -9 "$SSHPID"
check "client killed: the session ended" session_ended "$ends"
interrupted_check int-client "client killed (kill -9 of ssh)"

ends=$(grep -c "user=$U session end" "$SYSLOG")
hold int-session
check "session killed: found its sftp-server" [ -n "$SPID" ]
kill -9 "$SPID"
check "session killed: the session ended" session_ended "$ends"
interrupted_check int-session "session killed (kill -9 of sftp-server)"
check "... its bytes are unknown (sftp-server never reported them)" \
        [ "$(records '[r.get("bytes") for r in tr("/uploads/int-session")]')" = "['unknown']" ]

ends=$(grep -c "user=$U session end" "$SYSLOG")
hold int-sshd
# The connection's sshd processes (the privileged monitor and the user's
# half), not the listener.
cpids=$(pgrep -f "^sshd: $U" | tr '\n' ' ')
diag "connection sshd pids: $cpids"
check "sshd killed: found the connection's sshd" [ -n "$cpids" ]
# shellcheck disable=SC2086 # a list of pids
kill -9 $cpids
check "sshd killed: the session ended" session_ended "$ends"
interrupted_check int-sshd "sshd killed (kill -9 of the connection's sshd)"
check "the listening sshd is unharmed" kill -0 "$SSHD_PID"

# ---- malformed and forged lines in the file ----
cp "$SYSLOG" "$W/forged.log"
sid=$(records '[r["session"] for r in recs if r["event"] == "session-start"][0]')
printf '<86>Dec  6 01:02:03 sftpjail[1]: session=%s user=%s event=transfer direction=upload status=complete bytes=1 path="/x"y" handle=9 client=local start=a end=b duration=0.000\n' "$sid" $U >>"$W/forged.log"
printf '<86>Dec  6 01:02:03 sftpjail[1]: session=%s user=%s event=transfer direction=upload status=complete bytes=1 path="/x\\qy" handle=9 client=local start=a end=b duration=0.000\n' "$sid" $U >>"$W/forged.log"
"$CTL" log --file "$W/forged.log" --json >"$W/forged.json" 2>"$W/forged.err"
diag "$(cat "$W/forged.err")"
check "malformed lines tagged sftpjail are skipped and counted" grep -q "^sftpjailctl: 2 lines tagged sftpjail skipped" "$W/forged.err"
check "... and not shown" bash -c '! grep -q "\"handle\": 9" "$1"' _ "$W/forged.json"

# ---- filters and bad options ----
check "--session shows that session only" \
        bash -c '[ "$("$@" --json --session "$0" | grep -vc "\"session\": \"$0\"")" = 0 ]' "$sid" "${LOG[@]}"
check "--since in the future: nothing" bash -c '[ -z "$("$@" --since @4000000000 2>/dev/null)" ]' _ "${LOG[@]}"
check "--until long ago: nothing" bash -c '[ -z "$("$@" --until 2001-01-01 2>/dev/null)" ]' _ "${LOG[@]}"
check "--since -1h: all of this test's" bash -c '[ "$("$@" --since -1h 2>/dev/null | wc -l)" -eq "$("$@" 2>/dev/null | wc -l)" ]' _ "${LOG[@]}"
for bad in "--since yesterdayish" "--since 2025-02-30" "--until" "--session xyz" "--user Root!" "--bogus" "extra" "--file rel/../x$(printf '\001')"; do
        # shellcheck disable=SC2086 # split on purpose
        err=$("$CTL" log $bad 2>&1 >/dev/null); rc=$?
        check "log $bad: exit 2, one line on stderr ($err)" [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]
done
err=$("$CTL" metrics --textfile relative 2>&1); rc=$?
check "metrics --textfile relative: exit 2, one line ($err)" [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]

# ---- metrics ----
ssh_cmd $U id >/dev/null 2>&1
wait_log "user=$U refused: this account is for SFTP only" 5
M=("$CTL" metrics --file "$SYSLOG" --state "$W/metrics.state")
"${M[@]}" >"$W/m1" 2>"$W/m1.err"; rc=$?
diag "$(grep -v '^#' "$W/m1")"
check "metrics: exit 0" [ $rc -eq 0 ]
if command -v promtool >/dev/null; then
        check "metrics: promtool check metrics" bash -c 'promtool check metrics <"$1"' _ "$W/m1"
else
        diag "promtool not installed (Debian package prometheus): format not checked"
fi
val() { awk -v k="$1" '$1 == k { print $2 }' "$2"; }
logins=$(grep -c "user=$U session start" "$SYSLOG")
check "metrics: logins = session starts ($logins)" [ "$(val "sftpjail_logins_total{user=\"$U\"}" "$W/m1")" = "$logins" ]
check "metrics: the refused command is one refusal of reason request" [ "$(val 'sftpjail_refusals_total{reason="request"}' "$W/m1")" = 1 ]
check "metrics: 3 interrupted uploads" [ "$(val 'sftpjail_transfers_total{status="interrupted",direction="upload"}' "$W/m1")" = 3 ]
check "metrics: 1 failed upload" [ "$(val 'sftpjail_transfers_total{status="failed",direction="upload"}' "$W/m1")" = 1 ]
check "metrics: 1 complete download" [ "$(val 'sftpjail_transfers_total{status="complete",direction="download"}' "$W/m1")" = 1 ]
check "metrics: download bytes" [ "$(val "sftpjail_bytes_total{user=\"$U\",direction=\"download\"}" "$W/m1")" = 307200 ]
up1=$(val "sftpjail_bytes_total{user=\"$U\",direction=\"upload\"}" "$W/m1")
check "metrics: upload bytes ($up1) = 1 MiB + 8 x 5 + what the interrupted uploads reported" \
        [ "$up1" -ge $((1048576 + 40)) ]
check "metrics: hook metrics 0 without events.stats, and HELP says so" grep -q "^# HELP sftpjail_hook_runs_total .*absent" "$W/m1"
check "metrics: the state file is root's, 0600" [ "$(stat -c %a:%U "$W/metrics.state")" = 600:root ]
"${M[@]}" >"$W/m2" 2>/dev/null
check "metrics again, nothing new: the same counters" cmp -s <(grep -v sessions_live "$W/m1") <(grep -v sessions_live "$W/m2")
head -c 1000 /dev/urandom >"$W/small"
sftp_batch $U <<<"put $W/small uploads/small" >/dev/null 2>&1
wait_log "uploads/small\" handle=" 5
"${M[@]}" >"$W/m3" 2>/dev/null
check "one more upload: +1000 bytes, +1 complete upload, +1 login (counted once)" \
        [ "$(val "sftpjail_bytes_total{user=\"$U\",direction=\"upload\"}" "$W/m3")" = $((up1 + 1000)) -a \
          "$(val "sftpjail_logins_total{user=\"$U\"}" "$W/m3")" = $((logins + 1)) -a \
          "$(val 'sftpjail_transfers_total{status="complete",direction="upload"}' "$W/m3")" = \
          $(( $(val 'sftpjail_transfers_total{status="complete",direction="upload"}' "$W/m1") + 1 )) ]
mkdir "$W/tf"
check "metrics --textfile writes DIR/sftpjail.prom" "${M[@]}" --textfile "$W/tf"
check "... the same text, mode 0644, no temporary file left" bash -c 'cmp -s "$1/tf/sftpjail.prom" "$1/m3" && [ "$(stat -c %a "$1/tf/sftpjail.prom")" = 644 ] && [ "$(ls "$1/tf" | wc -l)" = 1 ]' _ "$W"
live_session $U
"${M[@]}" >"$W/m4" 2>/dev/null
check "metrics: a live session counts in sftpjail_sessions_live" [ "$(val "sftpjail_sessions_live{user=\"$U\"}" "$W/m4")" = 1 ]
end_live_session

# ---- the journal, in a booted systemd ----
if [ "${SFTPJAIL_TEST_NO_CONTAINER:-}" ] || ! command -v systemd-nspawn >/dev/null; then
        diag "the journal part needs systemd-nspawn (systemd-container): skipped"
        done_testing; exit
fi
USER1=sjs-rec
. "$SRCDIR/tests/lib-container.sh"
container_install records
container_prepare
CTLC=/usr/sbin/sftpjailctl
mkdir -p "$MERGED/var/lib/prometheus/node-exporter"
container_boot
C $CTLC add-user "$USER1" >/dev/null 2>&1 || C useradd -M -d /srv/sftp/$USER1 -s "$LAUNCHER" -G sftpjail "$USER1"
HOME1=$(C getent passwd "$USER1" | cut -d: -f6)
C install -d -m 0750 -o "$USER1" -g "$USER1" "$HOME1/uploads"
install -m 0644 "$CLIENT_KEY.pub" "$MERGED/etc/sftpjail/authorized_keys/$USER1"
C systemctl start sftpjail-sshd.socket
wait_for 10 "$PY" -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)"
head -c 54321 /dev/urandom >"$W/jup"
check "journal: an upload through the socket unit" sftp_batch "$USER1" <<<"put $W/jup uploads/jup"
MID=f53082d27e904777b12f5dde998696ee
wait_for 10 eval "C journalctl -o json MESSAGE_ID=$MID SFTPJAIL_USER=$USER1 | grep -q jup"
C journalctl -o json MESSAGE_ID=$MID SFTPJAIL_USER=$USER1 >"$W/j.json"
check "journal: the transfer entry has its fields (_EXE the supervisor, _UID the user's)" "$PY" - "$W/j.json" "$HOME1" "$(C id -u "$USER1")" <<'EOF'
import json, sys
e = [json.loads(l) for l in open(sys.argv[1])][-1]
want = {"SFTPJAIL_EVENT": "transfer", "SFTPJAIL_DIRECTION": "upload", "SFTPJAIL_STATUS": "complete",
        "SFTPJAIL_BYTES": "54321", "SFTPJAIL_PATH": sys.argv[2] + "/uploads/jup", "SFTPJAIL_HANDLE": "1",
        "SYSLOG_IDENTIFIER": "sftpjail", "_UID": sys.argv[3], "_EXE": "/usr/libexec/sftpjail/sftpjail-supervise"}
bad = {k: (e.get(k), v) for k, v in want.items() if e.get(k) != v}
print(bad or "ok", file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
# Forged: our identifier and a transfer's MESSAGE_ID, by root and by the
# user, through logger (its _EXE is logger's).
forge() {
        printf 'SYSLOG_IDENTIFIER=sftpjail\nMESSAGE_ID=%s\nSFTPJAIL_SESSION=00000000deadbeef\nSFTPJAIL_USER=%s\nSFTPJAIL_EVENT=transfer\nSFTPJAIL_DIRECTION=upload\nSFTPJAIL_STATUS=complete\nSFTPJAIL_BYTES=666\nSFTPJAIL_PATH=%s\nMESSAGE=session=00000000deadbeef user=%s event=transfer direction=upload status=complete bytes=666 path="%s"\n' \
                $MID "$USER1" "$1" "$USER1" "$1"
}
forge /forged/by-root | C logger --journald
forge /forged/by-user | C setpriv --reuid "$USER1" --regid "$USER1" --clear-groups logger --journald
wait_for 10 eval "C journalctl -o cat SYSLOG_IDENTIFIER=sftpjail | grep -q by-user"
C $CTLC log --json --user "$USER1" >"$W/jlog.json" 2>"$W/jlog.err"; rc=$?
diag "$(cat "$W/jlog.err"; cut -c1-300 "$W/jlog.json")"
check "journal: log --json --user shows the upload (bytes, path)" [ $rc -eq 0 ] && \
        grep -q "\"event\": \"transfer\".*\"path\": \"$HOME1/uploads/jup\"" "$W/jlog.json" && grep -q '"bytes": 54321' "$W/jlog.json"
check "journal: the forged entries are not shown" bash -c '! grep -q forged "$1"' _ "$W/jlog.json"
check "journal: ... and counted on stderr" grep -q "^sftpjailctl: 2 entries skipped: not written by sftpjail's supervisor" "$W/jlog.err"
check "journal: session start and end shown" bash -c 'grep -q "\"session-start\"" "$1" && grep -q "\"session-end\"" "$1"' _ "$W/jlog.json"
C $CTLC metrics >"$W/jm" 2>"$W/jm.err"; rc=$?
diag "$(grep -v '^#' "$W/jm")"
check "journal: metrics exit 0, promtool check metrics" [ $rc -eq 0 ] && C promtool check metrics <"$W/jm"
check "journal: metrics count the upload, not the forged ones" \
        [ "$(val "sftpjail_bytes_total{user=\"$USER1\",direction=\"upload\"}" "$W/jm")" = 54321 -a \
          "$(val sftpjail_untrusted_entries_total "$W/jm")" = 2 ]
out=$(C systemd-analyze verify --man=no /lib/systemd/system/sftpjail-metrics.service /lib/systemd/system/sftpjail-metrics.timer 2>&1); rc=$?
[ -z "$out" ] || diag "$out"
check "systemd-analyze verify: the metrics units are clean" [ $rc -eq 0 -a -z "$out" ]
C systemctl start sftpjail-metrics.service
check "sftpjail-metrics.service writes the textfile" eval "C grep -q '^sftpjail_bytes_total{user=\"$USER1\",direction=\"upload\"} 54321' /var/lib/prometheus/node-exporter/sftpjail.prom"
[ "$(C systemctl show -P Result sftpjail-metrics.service)" = success ] || diag "$(journal -u sftpjail-metrics.service | tail -n 5)"
check "... and the state, root 0600" [ "$(C stat -c %a:%U /var/lib/sftpjail/metrics.state)" = 600:root ]
done_testing
