#!/bin/bash
# The audit trail of one session in syslog: start with the client address,
# every open and close tagged with session and user, and an end line whose
# byte counts are the bytes actually transferred.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-log
one_jailed_user
W=$(mktemp -d); on_exit "rm -rf $W"
head -c 1048576 /dev/urandom >"$W/up"
head -c 307200 /dev/urandom >"$TESTROOT/home/$U/down"

sftp_batch $U >"$W/sftp.out" 2>&1 <<EOF
put $W/up uploads/up
get down $W/down
EOF
rc=$?
check "transfer worked" cmp -s "$W/up" "$TESTROOT/home/$U/uploads/up" ||
        diag "sftp: exit $rc: $(cat "$W/sftp.out")"
check "session end logged" wait_log "user=$U session end"
id=$(grep -oE "session=[0-9a-f]{16} user=$U session start" "$SYSLOG" | tail -1 | cut -d' ' -f1)
check "session start carries a 16-hex session id" [ -n "$id" ]
lines=$(grep -F "$id user=$U" "$SYSLOG")
diag "$lines"
check "start names the client address" grep -qE "session start client=127\.0\.0\.1:[0-9]+ " <<<"$lines"
fp=$(ssh-keygen -lf "$CLIENT_KEY.pub" | cut -d' ' -f2)
check "start names the key that authenticated, as sshd does ($fp)" \
        grep -qF " key=\"ssh-ed25519 $fp\"" <<<"$(grep "session start client=" <<<"$lines")"
check "sftp-server's own lines are forwarded (session opened)" grep -q "session opened for local user $U" <<<"$lines"
# Each transfer is one record (docs/records.md); the open and close
# messages it stands for are not logged a second time.
check "the upload is recorded, complete, with its size" \
        grep -qF "event=transfer direction=upload status=complete bytes=1048576 path=\"$TESTROOT/home/$U/uploads/up\" handle=1 " <<<"$lines"
check "the download is recorded, complete, with its size" \
        grep -qF "event=transfer direction=download status=complete bytes=307200 path=\"$TESTROOT/home/$U/down\" handle=2 " <<<"$lines"
check "the records name the client, the key and the host" \
        bash -c '[ "$(grep -c "^.* event=transfer .* client=127\.0\.0\.1:[0-9]* key=\"ssh-ed25519 $1\" host=\"[^\"]*\" start=" <<<"$2")" = 2 ]' _ "$fp" "$lines"
check "no open or close message besides the records" bash -c '! grep -qE "sftp-server: (open|close) " <<<"$1"' _ "$lines"
check "end line totals the bytes" grep -qE "session end exit=0 duration=[0-9.]+s files=2 bytes_read=307200 bytes_written=1048576$" <<<"$lines"
check "lines go to the authpriv facility (priority 86 = authpriv.info)" grep -q "^<86>" <<<"$(grep -F "$id" "$SYSLOG" | head -1)"

# A refusal is logged with the reason and the client address.
ssh_cmd $U id >/dev/null 2>&1
check "refused exec logged with client" wait_log "user=$U refused command request from 127\.0\.0\.1:[0-9]+"
done_testing
