#!/bin/bash
# Every SFTP request and extension, through the real sshd, the real jail
# and its real filter: tests/sftpclient.py drives them all (large file, many
# small files, long paths, odd names); the OpenSSH sftp CLI drives its own
# commands.  sftp-server must never be killed by the filter.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-sc-req
make_user $U
# The other sftp-server command lines the launcher builds: -R (readonly,
# with DEBUG3 logging), -P (dropbox, with -u), -d (home access, start_dir).
make_user sjt-sc-ro; make_user sjt-sc-db; make_user sjt-sc-hm
write_config <<CFG
[user $U]
[user sjt-sc-ro]
access = readonly
log_level = DEBUG3
[user sjt-sc-db]
access = dropbox
umask = 077
[user sjt-sc-hm]
access = home
start_dir = uploads
CFG
start_sshd < <(sshd_jail_match)
H=$TESTROOT/home/$U
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
audit_before=$(dmesg 2>/dev/null | grep -c 'type=1326.*comm="sftp-server".*code=0x80000000')

_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
out=$(timeout 300 "$PY" "$SRCDIR/tests/sftpclient.py" exercise --dir "$H/uploads" --big-mib 64 --small 500 -- \
        ssh "${o[@]}" -s "$U@127.0.0.1" sftp 2>&1); rc=$?
diag "$out"
check "every request and extension succeeds under the filter" [ $rc -eq 0 ]
for r in open close read write lstat fstat setstat fsetstat opendir readdir remove mkdir rmdir realpath stat \
         rename readlink symlink posix-rename statvfs fstatvfs hardlink fsync lsetstat limits expand-path \
         copy-data home-directory users-groups-by-id; do
        check "request $r" grep -qx "ok $r" <<<"$out"
done

head -c 3M /dev/urandom >"$W/f"
# Partial copies, so that reput and reget really resume.
head -c 1M "$W/f" >"$W/half"; cp "$W/half" "$W/f.reget"
out=$(sftp_batch $U 2>&1 <<CMDS
cd uploads
put $W/f f
get f $W/f.got
ls -l
mkdir d
rename f d/f
ln -s d/f s
ln d/f h
put -p $W/half p
reput $W/f p
reget p $W/f.reget
ls -la
chmod 600 d/f
chgrp $(id -g $U) d/f
df -h
df -i
rm h
rm p
rm s
rm d/f
rmdir d
CMDS
)
rc=$?
diag "$out"
check "the sftp CLI's commands all work" [ $rc -eq 0 ]
check "transfers intact" cmp -s "$W/f" "$W/f.got"
check "resumed transfers intact" cmp -s "$W/f" "$W/f.reget"

# The other modes: every command, failing ones included ("-": go on).
for u in sjt-sc-ro sjt-sc-db sjt-sc-hm; do
        out=$(sftp_batch $u 2>&1 <<CMDS
-ls -la
-cd uploads
-put $W/f f
-get f $W/f.$u
-ls -l
-mkdir d
-rename f d/f
-ln -s d/f s
-chmod 600 d/f
-df -h
-rm s
-rm d/f
-rmdir d
-get /etc/passwd $W/passwd.$u
CMDS
)
        rc=$?
        diag "$out"
        check "$u: the sftp CLI session ran to the end" [ $rc -eq 0 ]
done

for u in $U sjt-sc-ro sjt-sc-db sjt-sc-hm; do
        check "$u: sessions logged" wait_log "user=$u session end"
        check "$u: no session was killed by the filter" bash -c '! grep -q "user=$1 session end signal=SIGSYS" "$2"' _ $u "$SYSLOG"
        check "$u: no syscall was refused by the policy" bash -c '! grep -q "user=$1 seccomp: " "$2"' _ $u "$SYSLOG"
        check "$u: every session ended with exit 0" bash -c '! grep "user=$1 session end" "$2" | grep -qv "exit=0"' _ $u "$SYSLOG"
done
audit_after=$(dmesg 2>/dev/null | grep -c 'type=1326.*comm="sftp-server".*code=0x80000000')
check "the kernel audit log shows no new seccomp kill of sftp-server" [ "${audit_after:-0}" -le "${audit_before:-0}" ]
done_testing
