#!/bin/bash
# File names against the log: a client uploads and renames files whose
# names carry LF, CR, quotes, '=', backslashes, ESC, bytes that are not
# UTF-8, a forged "session=... session end" line and a forged syslog
# priority, and paths of about 4 KiB, through the real sshd into the real
# jail (seccomp filter and Landlock on; sftp-server's stderr is a
# SOCK_SEQPACKET socket).  Each of sftp-server's messages must be exactly
# one syslog line, starting with the real session's prefix, escaped as
# docs/security.md says; and the session end must count files and bytes
# exactly, not what a name says.
#
# The expected lines come from an oracle: the same requests against a bare
# sftp-server (as the same user, stderr a SOCK_SEQPACKET socket), its
# messages escaped by tests/helpers/log-hostile.py's own implementation of
# the documented rule.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-loghost
one_jailed_user
HELPER=$SRCDIR/tests/helpers/log-hostile.py
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
install -d -m 0750 -o $U -g $U "$W/o" "$W/o/uploads"
_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p

# session SCENARIO: run it in a real session; sets PID, SID, LINES (that
# session's syslog lines after the tag), WRITTEN (bytes the client wrote).
session() {
        local sc=$1 ends
        ends=$(grep -c "user=$U session end" "$SYSLOG")
        WRITTEN=$(timeout 120 "$PY" "$HELPER" "$sc" client -- ssh "${o[@]}" -s "$U@127.0.0.1" sftp)
        check "$sc: the client's requests all succeeded" [ -n "$WRITTEN" ]
        check "$sc: session end logged" bash -c 'for i in $(seq 100); do
                [ "$(grep -c "user=$1 session end" "$2")" -gt "$3" ] && exit 0; sleep 0.05; done; exit 1' \
                _ $U "$SYSLOG" "$ends"
        local start
        start=$(grep -aE "sftpjail\[[0-9]+\]: session=[0-9a-f]{16} user=$U session start " "$SYSLOG" | tail -1)
        PID=$(sed -E 's/.*sftpjail\[([0-9]+)\]: .*/\1/' <<<"$start")
        SID=$(sed -E 's/.*\]: session=([0-9a-f]{16}) .*/\1/' <<<"$start")
        check "$sc: session start found (pid $PID, session $SID)" [ -n "$PID" ] && [ -n "$SID" ]
        # Everything that pid logged (launcher, then supervisor: one pid).
        grep -a "sftpjail\[$PID\]: " "$SYSLOG" | sed -E "s/^.*sftpjail\[$PID\]: //" >"$W/$sc.lines"
        # The oracle: a bare sftp-server, same user, same requests.
        rm -rf "$W/o/uploads"; install -d -m 0750 -o $U -g $U "$W/o/uploads"
        (cd "$W/o" && "$PY" "$HELPER" "$sc" oracle "$W/o" -- \
                setpriv --reuid $U --regid $U --clear-groups "$SFTP_SERVER" -e -l INFO -d "$W/o") >"$W/$sc.want" 2>"$W/$sc.oracle"
        check "$sc: the oracle saw messages" [ -s "$W/$sc.want" ]
}

# common_checks SCENARIO
common_checks() {
        local sc=$1 prefix="session=$SID user=$U "
        diag "$(head -c 3000 "$W/$sc.lines")"
        check "$sc: every line of the session starts with its real prefix" \
                bash -c '! grep -avF -- "$1" "$2" | grep -q .' _ "$prefix" "$W/$sc.lines"
        check "$sc: ...at the very start of the line" \
                bash -c '[ "$(grep -ac "^$1" "$2")" -eq "$(wc -l <"$2")" ]' _ "$prefix" "$W/$sc.lines"
        check "$sc: no line continues the real prefix with a forged one (or a priority)" \
                bash -c '! grep -aE "^session=[0-9a-f]{16} user=[^ ]+ (session=|<13>)" "$1"' _ "$W/$sc.lines"
        # A syslog line: <PRI>Mmm dd hh:mm:ss TAG[PID]: MESSAGE.
        check "$sc: no syslog message anywhere starts with the forged session" \
                bash -c '! grep -aE "^<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} [^ ]+: session=deadbeef" "$1"' _ "$SYSLOG"
        check "$sc: no syslog line anywhere has the forged priority or tag" \
                bash -c '! grep -aE "^<13>|^<[0-9]+>[A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8} (forged|sftpjail\[1\])" "$1"' _ "$SYSLOG"
        check "$sc: no raw control byte in any line" bash -c '! LC_ALL=C grep -aq "[[:cntrl:]]" "$1"' _ "$W/$sc.lines"
        # The lines between start and end are sftp-server's messages, one
        # each, in order, escaped as documented.
        # (Our own records of the operations, "event=...", are checked by
        # test-records; every other line is "sftp-server: " and a message.)
        # Operations become records (event=..., checked below): their
        # messages are not forwarded; every other line is "sftp-server: "
        # and a message.
        sed -n '/^session=[0-9a-f]* user=[^ ]* session start /,$p' "$W/$sc.lines" | sed '1d;$d' |
                sed "s/^session=$SID user=$U //" >"$W/$sc.body"
        grep -a '^event=' "$W/$sc.body" >"$W/$sc.recs"
        grep -av '^event=' "$W/$sc.body" >"$W/$sc.fwd"
        check "$sc: every forwarded message is marked as sftp-server's" \
                bash -c '! grep -avq "^sftp-server: " "$1"' _ "$W/$sc.fwd"
        sed 's/^sftp-server: //' "$W/$sc.fwd" >"$W/$sc.got"
        grep -avE '^(open|close|forced close|remove name|mkdir name|rmdir name|rename old|posix-rename old|symlink old|hardlink old|set) \\"' \
                "$W/$sc.want" >"$W/$sc.want.fwd"
        mv "$W/$sc.want.fwd" "$W/$sc.want"
        check "$sc: one syslog line per sftp-server message ($(wc -l <"$W/$sc.got") lines, $(wc -l <"$W/$sc.want") messages)" \
                [ "$(wc -l <"$W/$sc.got")" -eq "$(wc -l <"$W/$sc.want")" ]
        check "$sc: each line is its message, escaped" cmp "$W/$sc.got" "$W/$sc.want"
        diff "$W/$sc.want" "$W/$sc.got" | head -20 | while IFS= read -r l; do diag "$l"; done
        check "$sc: the session end line is the last" grep -qE "^${prefix}session end exit=0 " <(tail -1 "$W/$sc.lines")
}

# ---- names ----
session names
common_checks names
check "names: 7 uploads of 5 bytes" [ "$WRITTEN" = 35 ]
# Each name's record, exactly once (the helper escapes the absolute name
# by the documented rule, independently of the supervisor).
while IFS= read -r want; do
        check "names: recorded once: ${want:0:110}" [ "$(grep -acF -- "$want" "$W/names.recs")" = 1 ]
done < <("$PY" "$HELPER" expect-records "$H")
check "names: LF in a name is \\n in its record, the forged line inside it" \
        grep -qF 'uploads/evil\nsession=deadbeefdeadbeef user=root session end exit=0 duration=0.1s files=0 \"x" ' "$W/names.recs"
check "names: a forged close tail in a name is part of the name, not counted" \
        grep -qF 'bytes=5 path="'"$H"'/uploads/x\" bytes read 999 written 999" ' "$W/names.recs"
check "names: 7 transfer records and one rename, nothing else" [ "$(wc -l <"$W/names.recs")" = 8 ]
check "names: session end counts 7 files and 35 bytes written, exactly" \
        grep -qE "^session=$SID user=$U session end exit=0 duration=[0-9.]+s files=7 bytes_read=0 bytes_written=35$" "$W/names.lines"
check "names: the files are there, with their names" \
        bash -c '[ -f "$1/uploads/$(printf "r\r\n<13>forged: hi\r\n<13>sftpjail[1]: session=deadbeefdeadbeef user=root session end exit=0 duration=0.1s files=0 ")" ] &&
                 [ "$(ls "$1/uploads" | wc -l)" -ge 7 ]' _ "$H"

# ---- long ----
session long
common_checks long
check "long: 3 uploads (3 + 7 + 5 bytes)" [ "$WRITTEN" = 15 ]
check "long: sftp-server cut its longest messages at 1021 characters plus CR LF" \
        grep -qx "longest record 1023" "$W/long.oracle"
check "long: the 4 KiB path's upload is recorded, marked not exact (sftp-server cut its name)" \
        grep -qE '^event=transfer direction=unknown status=complete bytes=unknown path="[^"]*/uploads/d00D+/d01D+.*" exact=no ' "$W/long.recs"
check "long: the forged tail of a cut message counts for nothing" bash -c '! grep -q "bytes=99999" "$1"' _ "$W/long.recs"
check "long: the ordinary file's record is exact" \
        grep -qF "event=transfer direction=upload status=complete bytes=5 path=\"$H/uploads/plain\" handle=" "$W/long.recs"
check "long: session end: 3 files, only the 5 bytes of the complete message, 2 unmeasured (not 99999)" \
        grep -qE "^session=$SID user=$U session end exit=0 duration=[0-9.]+s files=3 bytes_read=0 bytes_written=5 unmeasured_files=2$" "$W/long.lines"
# ---- direct ----
# The supervisor itself, fed records log.c never writes (a subverted
# sftp-server could): a stand-in for the jail sends them on the socket.
sid=0123456789abcdef
(cd "$W" && setpriv --reuid $U --regid $U --clear-groups env USER=$U \
        "$PY" "$HELPER" direct "$TESTROOT/bin/sftpjail-supervise" $sid); rc=$?
check "direct: the supervisor passes on the jail's exit status 0 (rc=$rc)" [ $rc -eq 0 ]
check "direct: session end logged" wait_log "session=$sid user=$U session end"
grep -a "session=$sid user=$U " "$SYSLOG" | sed -E "s/^.*\]: session=$sid user=$U //" >"$W/direct.all"
# Records (event=...) are test-records' business; one follows from the
# stray close.
grep -av '^event=' "$W/direct.all" >"$W/direct.lines"
check "direct: the stray close of a subverted sftp-server is recorded once, exactly" \
        bash -c '[ "$(grep -ac "^event=transfer direction=upload status=complete bytes=7 path=\"$1/x\" " "$2")" = 1 ]' _ "$W" "$W/direct.all"
diag "$(cut -c1-200 "$W/direct.lines")"
A4095=$(printf 'A%.0s' $(seq 4095))
# The session's start names the host (docs/records.md).
printf '%s\n' "session start client=local host=\"$(hostname)\"" "sftp-server: hello" "sftp-server: $A4095 [truncated: message of 5002 bytes]" "sftp-server: no-newline" \
        'sftp-server: multi\nline\rrec\x00nul' >"$W/direct.want"
check "direct: a record above 4 KiB is one line, marked truncated; an empty record is no line" \
        cmp <(head -n 4 "$W/direct.lines") <(head -n 4 "$W/direct.want")
check "direct: one line per record, each escaped (the closes are records)" cmp <(head -n 5 "$W/direct.lines") "$W/direct.want"
diff "$W/direct.want" <(head -n 5 "$W/direct.lines") | cut -c1-200 | while IFS= read -r l; do diag "$l"; done
check "direct: the cut close is recorded, not exact, its forged count not taken" \
        grep -qE '^event=transfer direction=unknown status=complete bytes=unknown path="[^"]*/y{900,}.*" exact=no ' "$W/direct.all"
check "direct: end counts 2 files, 7 bytes, the forged 99999 unmeasured" \
        grep -qE "^session end exit=0 duration=[0-9.]+s files=2 bytes_read=0 bytes_written=7 unmeasured_files=1$" \
        <(tail -n 1 "$W/direct.lines")
check "direct: nothing else" [ "$(wc -l <"$W/direct.lines")" -eq 6 ]
done_testing
