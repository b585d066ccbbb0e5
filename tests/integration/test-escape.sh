#!/bin/bash
# Escapes by path: "..", symlinks (absolute, relative, magic /proc links),
# hard links across mounts, listing the jail.  Each check fails only if the
# jail shows or lets the user touch something of the host.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-esc
make_user $U
write_config <<CFG
[user $U]
CFG
start_sshd < <(sshd_jail_match)
H=$TESTROOT/home/$U
W=$(mktemp -d); on_exit "rm -rf $W"
echo secret-of-the-host >"$W/hostfile"; chmod 644 "$W/hostfile"

# What the user sees of "/" and the other jail directories, exactly.
ls_names() { sftp_batch $U <<<"ls -1a $1" 2>&1 | grep -v '^sftp>' | sed 's|.*/||' | grep -vx '\.\|\.\.' | sort | tr '\n' ' '; }
check "listing / shows only the jail's entries" [ "$(ls_names /)" = "dev etc lib lib64 usr var " ]
check "/etc holds only passwd and group" [ "$(ls_names /etc)" = "group passwd " ]
check "/dev holds only null" [ "$(ls_names /dev)" = "null " ]
out=$(sftp_batch $U <<<"get /etc/passwd $W/passwd" 2>&1)
check "the jail's passwd has only root and the user" [ "$(cut -d: -f1 "$W/passwd" | tr '\n' ' ')" = "root $U " ]
for d in /usr /lib /lib64; do
        out=$(sftp_batch $U <<<"ls $d" 2>&1)
        check "$d cannot be listed" grep -q "Permission denied" <<<"$out"
done
for p in /proc /sys /tmp /root /etc/shadow /proc/1/root /home /srv "$W"; do
        out=$(sftp_batch $U <<<"ls $p" 2>&1)
        check "$p does not exist in the jail" grep -qE "not found|No such file" <<<"$out"
done

# cd .. from / and from the home stays at /.
out=$(sftp_batch $U <<EOF 2>&1
cd /
cd ..
cd ..
pwd
EOF
)
check "cd .. from / stays at /" grep -q "Remote working directory: /$" <<<"$out"
out=$(sftp_batch $U <<<"get ../../../../../..$W/hostfile $W/got1" 2>&1)
check_not "relative ../../.. path to a host file yields nothing" [ -e "$W/got1" ]

# Symlinks made by the user point into the jail's view, never the host's.
out=$(sftp_batch $U <<EOF 2>&1
cd uploads
symlink /etc/shadow l-shadow
symlink /proc/1/root l-proc1
symlink ../../../../../../../.. l-up
symlink $W/hostfile l-host
ln -s /etc/passwd l-passwd
EOF
)
check "user can create symlinks in uploads" [ -L "$H/uploads/l-shadow" ]
for l in l-shadow l-proc1/etc/shadow l-host l-up$W/hostfile; do
        rm -f "$W/got"
        sftp_batch $U <<<"get uploads/$l $W/got" >/dev/null 2>&1
        check_not "following symlink $l yields no host file" [ -s "$W/got" ]
done
rm -f "$W/got"
sftp_batch $U <<<"get uploads/l-passwd $W/got" >/dev/null 2>&1
check "a symlink to /etc/passwd reaches the jail's passwd only" [ "$(cut -d: -f1 "$W/got" | tr '\n' ' ')" = "root $U " ]
out=$(sftp_batch $U <<<"ls uploads/l-up/" 2>&1)
check "a ../.. symlink lists the jail root, not the host's" bash -c '! grep -qE "(boot|root|var|proc)$" <<<"$1"' _ "$out"

# A symlink planted by root in the home pointing outside leads nowhere.
ln -s "$W/hostfile" "$H/planted"
rm -f "$W/got"; sftp_batch $U <<<"get planted $W/got" >/dev/null 2>&1
check_not "root-planted symlink to a host file yields nothing" [ -s "$W/got" ]

# Hard links: from uploads to the read-only home (another mount) fail
# with EXDEV; to paths the jail does not have fail with ENOENT.
echo admin >"$H/adminfile"
out=$(sftp_batch $U <<<"ln $TESTROOT/home/$U/adminfile uploads/hl" 2>&1)
check_not "hard link from the home into uploads fails (EXDEV)" [ -e "$H/uploads/hl" ]
out=$(sftp_batch $U <<<"ln $W/hostfile uploads/hl2" 2>&1)
check_not "hard link to a host path fails" [ -e "$H/uploads/hl2" ]
out=$(sftp_batch $U <<<"rename adminfile uploads/moved" 2>&1)
check "rename from the home into uploads fails" [ -e "$H/adminfile" ]

# Uploaded set-id or executable files stay inert: the mounts are
# nosuid,noexec (proved on /proc in test-proc-state); here, the bits can be
# set but the file on the host is owned by the user, never root.
printf '#!/bin/sh\necho pwned\n' >"$W/x.sh"
sftp_batch $U >/dev/null 2>&1 <<EOF
put $W/x.sh uploads/x.sh
chmod 4755 uploads/x.sh
EOF
check "an uploaded file is owned by the user, not root" [ "$(stat -c %U "$H/uploads/x.sh")" = "$U" ]

done_testing
