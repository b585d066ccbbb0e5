#!/bin/bash
# A full disk mid-upload (docs/reliability.md, "Full disk"): the upload
# fails, the session goes on (the client lists, downloads, removes the
# partial file and uploads again once there is room), and the record says
# why: status=failed and an error naming the lack of space, even where
# sftp-server itself says only "Failure" (a short write).
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-enospc
make_user $U
write_config <<<"[user $U]"
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
UP=$TESTROOT/home/$U/uploads
# A small filesystem for the uploads (this test's mount namespace only).
mount -t tmpfs -o size=2m,mode=0750,uid="$(id -u $U)",gid="$(id -g $U)" sjt-enospc "$UP" || bail "tmpfs on $UP"
on_exit "umount $UP"
echo "a small file" >"$UP/small"; chown $U:$U "$UP/small"
head -c 8M /dev/urandom >"$W/big"
head -c 100k /dev/urandom >"$W/fits"

# One session: the upload that fills the disk, then everything else.
out=$(sftp_batch $U <<EOF 2>&1
-put $W/big uploads/big
ls -l uploads
get uploads/small $W/small.got
rm uploads/big
put $W/fits uploads/fits
get uploads/fits $W/fits.got
EOF
); rc=$?
diag "$out"
check "the session goes on after the failed upload (batch rc=$rc)" [ $rc -eq 0 ]
check "the client saw the upload fail" grep -qiE "(failure|no space|couldn't write)" <<<"$out"
check "it can still download" cmp -s "$UP/small" "$W/small.got" 2>/dev/null || cmp -s <(echo "a small file") "$W/small.got"
check "it removed the partial file" [ ! -e "$UP/big" ]
check "an upload that fits works afterwards, intact" cmp -s "$W/fits" "$W/fits.got"

check "the session ended" wait_log "user=$U session end exit=0" 10
rec=$(grep "user=$U event=transfer direction=upload status=failed .*path=\"$UP/big\"" "$SYSLOG")
diag "record: $rec"
check "the upload's record: status=failed" [ -n "$rec" ]
check "... with an error naming the lack of space" grep -q 'error="No space left on device' <<<"$rec"
# (Its status may read failed: the stat that sftp's next put makes of a
# missing name follows it in sftp-server's log, docs/records.md,
# "Statuses"; that the file is gone is checked above.)
check "the remove of the partial file is recorded" \
        grep -q "user=$U event=remove status=[a-z]* path=\"$UP/big\"" "$SYSLOG"
check "the later upload is complete" \
        grep -q "user=$U event=transfer direction=upload status=complete bytes=102400 path=\"$UP/fits\"" "$SYSLOG"

# The same with the disk full from the start: the first write fails.
head -c 2M /dev/zero >"$UP/filler" 2>/dev/null; chown $U:$U "$UP/filler"
out=$(sftp_batch $U <<EOF 2>&1
-put $W/fits uploads/nope
rm uploads/filler
put $W/fits uploads/again
EOF
); rc=$?
check "disk full from the start: the session goes on (rc=$rc)" [ $rc -eq 0 ]
check "... and the record names the lack of space" \
        wait_log "user=$U event=transfer direction=upload status=failed .*path=\"$UP/nope\".* error=\"No space left on device" 5
check "... the upload after the remove is complete" \
        wait_log "user=$U event=transfer direction=upload status=complete bytes=102400 path=\"$UP/again\"" 5

# A short write: less room left than one write request (sftp's 32 KiB),
# and nothing more to write.  write(2) writes what fits and sftp-server
# answers "Failure" with no message of its own: the supervisor names the
# reason (a statvfs of the upload's directory: no space left).
rm -f "$UP/again"
avail=$(($(stat -f -c '%a*%S' "$UP")))
head -c $((avail - 8192)) /dev/zero >"$UP/filler" 2>/dev/null; chown $U:$U "$UP/filler"
head -c 32k /dev/urandom >"$W/one-write"
diag "room left: $(($(stat -f -c '%a*%S' "$UP"))) bytes"
out=$(sftp_batch $U <<EOF 2>&1
-put $W/one-write uploads/short
rm uploads/short
rm uploads/filler
EOF
); rc=$?
diag "$out"
check "a short write: the session goes on (rc=$rc)" [ $rc -eq 0 ]
check "... the client was told" grep -q "Failure" <<<"$out"
check "... the record names the lack of space" \
        wait_log "user=$U event=transfer direction=upload status=failed .*path=\"$UP/short\".* error=\"No space left on device" 5
diag "$(grep "path=\"$UP/short\"" "$SYSLOG")"

# The same with a supervisor that is slow to read sftp-server's log: here
# stopped (SIGSTOP) for the whole batch.  The client's requests pass
# through it (channel.h), so none reaches sftp-server before the supervisor
# has read what sftp-server said of the ones before: the client cannot free
# the space before the failure is looked at.  (Without the relay the batch
# would run to its end while the supervisor sleeps, and the record would
# find room again.)
avail=$(($(stat -f -c '%a*%S' "$UP")))
head -c $((avail - 8192)) /dev/zero >"$UP/filler" 2>/dev/null; chown $U:$U "$UP/filler"
mkfifo "$W/batch"
sftp_batch $U <"$W/batch" >"$W/slow.out" 2>&1 &
client=$!
exec {BATCH}>"$W/batch"
echo "ls uploads" >&$BATCH
check "slow supervisor: the session started" wait_log "user=$U session start .*" 10
sup=''
for _ in $(seq 1 100); do
        sup=$(pgrep -u $U -f "sftpjail-supervise" | head -1); [ -n "$sup" ] && break; sleep 0.05
done
check "... its supervisor is found" [ -n "$sup" ]
kill -STOP "$sup"
printf -- '-put %s uploads/slow\nrm uploads/slow\nrm uploads/filler\n' "$W/one-write" >&$BATCH
exec {BATCH}>&-
sleep 2
check "... the client waits while the supervisor is stopped" kill -0 $client
check "... nothing was removed meanwhile" [ -e "$UP/filler" ]
kill -CONT "$sup"
wait $client; rc=$?
diag "$(cat "$W/slow.out")"
check "... the session goes on (rc=$rc)" [ $rc -eq 0 ]
check "... the filler is gone after the batch" [ ! -e "$UP/filler" ]
check "... the record names the lack of space" \
        wait_log "user=$U event=transfer direction=upload status=failed .*path=\"$UP/slow\".* error=\"No space left on device" 5
diag "$(grep "path=\"$UP/slow\"" "$SYSLOG")"
done_testing
