#!/bin/bash
# SFTP works where the policy allows it and fails where it does not; data
# arrives intact.  Real sshd, real OpenSSH sftp/scp clients.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

make_user sjt-alice
make_user sjt-ro
make_user sjt-home
make_user sjt-drop
write_config <<CFG
[default]
umask = 022
[user sjt-alice]
[user sjt-ro]
access = readonly
[user sjt-home]
access = home
[user sjt-drop]
access = dropbox
CFG
chown sjt-home "$TESTROOT/home/sjt-home"
start_sshd < <(sshd_jail_match)

W=$(mktemp -d); on_exit "rm -rf $W"
head -c 5M /dev/urandom >"$W/big"
echo "from the admin" >"$TESTROOT/home/sjt-alice/readme.txt"

out=$(sftp_batch sjt-alice 2>&1 <<EOF
pwd
ls -la
get readme.txt $W/readme.got
cd uploads
put $W/big big
get big $W/big.got
mkdir d1
rename big d1/big2
symlink d1/big2 link
ls -l
rm d1/big2
rmdir d1
rm link
EOF
)
rc=$?
diag "$out"
check "sftp session in uploads succeeds" [ $rc -eq 0 ]
check "starts in the home at its real path" grep -q "Remote working directory: $TESTROOT/home/sjt-alice" <<<"$out"
check "reads a file from the read-only home" cmp -s "$W/readme.got" "$TESTROOT/home/sjt-alice/readme.txt"
check "5 MiB upload+download intact (checksum)" [ "$(sha256sum <"$W/big")" = "$(sha256sum <"$W/big.got")" ]
check "uploads directory is empty again (rm/rmdir worked)" [ -z "$(ls -A "$TESTROOT/home/sjt-alice/uploads")" ]

# Writes outside uploads fail: the home is read-only.
check_not "put into the home itself fails" sftp_batch sjt-alice <<<"put $W/readme.got stolen"
check_not "mkdir in the home fails" sftp_batch sjt-alice <<<"mkdir newdir"
check_not "rm of the admin's file fails" sftp_batch sjt-alice <<<"rm readme.txt"
check "admin's file still there" [ -f "$TESTROOT/home/sjt-alice/readme.txt" ]
check_not "rename uploads away fails" sftp_batch sjt-alice <<<"rename uploads up2"
check_not "put to / fails" sftp_batch sjt-alice <<<"put $W/readme.got /x"
check_not "chmod the home fails" sftp_batch sjt-alice <<<"chmod 777 ."

# scp in SFTP mode (the default since OpenSSH 9.0) works in the jail.
check "scp (SFTP mode) upload works" scp_cmd "$W/big" "sjt-alice@127.0.0.1:uploads/viascp"
check "scp upload intact" cmp -s "$W/big" "$TESTROOT/home/sjt-alice/uploads/viascp"
check "scp (SFTP mode) download works" scp_cmd "sjt-alice@127.0.0.1:uploads/viascp" "$W/viascp.got"
check "scp download intact" cmp -s "$W/big" "$W/viascp.got"

# Read-only rule: nothing can be written, not even in uploads.
check "readonly user can read" sftp_batch sjt-ro <<<"ls -l"
check_not "readonly user cannot write to uploads" sftp_batch sjt-ro <<<"put $W/readme.got uploads/x"
check "readonly upload left nothing" [ -z "$(ls -A "$TESTROOT/home/sjt-ro/uploads")" ]

# Whole-home-writable rule.
check "home user can write in the home" sftp_batch sjt-home <<<"put $W/readme.got top.txt"
check "home write landed" [ -f "$TESTROOT/home/sjt-home/top.txt" ]

# Drop box: upload yes, read back, list or delete no.
check "dropbox upload works" sftp_batch sjt-drop <<<"put $W/readme.got dropped"
check "dropbox upload landed in uploads" [ -f "$TESTROOT/home/sjt-drop/uploads/dropped" ]
check_not "dropbox cannot read back" sftp_batch sjt-drop <<<"get dropped $W/dropped.got"
out=$(sftp_batch sjt-drop <<<"ls" 2>&1)
check "dropbox cannot list" grep -q "Couldn't read directory: Permission denied" <<<"$out"
check_not "dropbox cannot delete" sftp_batch sjt-drop <<<"rm dropped"
check "dropbox file still there" [ -f "$TESTROOT/home/sjt-drop/uploads/dropped" ]

done_testing
