#!/bin/bash
# Escapes by path: "..", symlinks (absolute, relative, magic /proc links),
# hard links across mounts, listing the jail.  Each check fails only if the
# jail shows or lets the user touch something of the host.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-esc
one_jailed_user
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
out=$(sftp_batch $U <<EOF 2>&1
cd ..
cd ..
cd ..
cd ..
cd ..
cd ..
cd ..
pwd
ls -1a
EOF
)
check "cd .. from the home ends at the jail's /" grep -q "Remote working directory: /$" <<<"$out"
check "... whose listing is the jail's, not the host's" \
        [ "$(grep -v '^sftp>' <<<"$out" | grep -v '^Remote' | grep -vx '\.\|\.\.' | sort | tr '\n' ' ')" = "dev etc lib lib64 usr var " ]
out=$(sftp_batch $U <<<"ls -1a .." 2>&1)
check "the home's parent shows the user's home only (no other users)" \
        [ "$(grep -v '^sftp>' <<<"$out" | sed 's|.*/||' | grep -vx '\.\|\.\.' | tr '\n' ' ')" = "$U " ]
out=$(sftp_batch $U <<<"get ../../../../../..$W/hostfile $W/got1" 2>&1)
check_not "relative ../../.. path to a host file yields nothing" [ -e "$W/got1" ]

# Symlinks made by the user point into the jail's view, never the host's.
out=$(sftp_batch $U <<EOF 2>&1
cd uploads
symlink /etc/shadow l-shadow
symlink /proc/1/root l-proc1
symlink ../../../../../../../.. l-up
symlink $W/hostfile l-host
symlink $W l-hostdir
symlink /root l-root
ln -s /etc/passwd l-passwd
ln -s /etc/shadow ln-shadow
ln -s /proc/1/root ln-proc1
ln -s ../../../../../../../.. ln-up
ln -s $W/hostfile ln-host
EOF
)
check "user can create symlinks in uploads (symlink)" [ -L "$H/uploads/l-shadow" ]
check "user can create symlinks in uploads (ln -s)" [ -L "$H/uploads/ln-shadow" ]
for l in l-shadow l-proc1/etc/shadow l-host l-up$W/hostfile l-hostdir/hostfile \
        ln-shadow ln-proc1/etc/shadow ln-host ln-up$W/hostfile ln-up/etc/shadow; do
        rm -f "$W/got"
        sftp_batch $U <<<"get uploads/$l $W/got" >/dev/null 2>&1
        check_not "following symlink $l yields no host file" [ -s "$W/got" ]
done
rm -f "$W/got"
sftp_batch $U <<<"get uploads/l-passwd $W/got" >/dev/null 2>&1
check "a symlink to /etc/passwd reaches the jail's passwd only" [ "$(cut -d: -f1 "$W/got" | tr '\n' ' ')" = "root $U " ]
for l in l-up ln-up; do
        out=$(sftp_batch $U <<<"ls -1a uploads/$l/" 2>&1)
        check "ls through the ../.. symlink $l shows the jail root, not the host's" \
                [ "$(grep -v '^sftp>' <<<"$out" | sed 's|.*/||' | grep -vx '\.\|\.\.' | sort | tr '\n' ' ')" = "dev etc lib lib64 usr var " ]
done
for l in l-proc1 ln-proc1 l-root l-hostdir; do
        out=$(sftp_batch $U <<<"ls -la uploads/$l/" 2>&1)
        check "ls through the symlink $l lists nothing" grep -qE "not found|No such file" <<<"$out"
        check_not "ls through the symlink $l shows no entry" grep -qE "^[-dlcbps][-rwxsStT]{9}" <<<"$out"
done
# Writing through a symlink that points out of uploads fails: the jail's
# root and /etc are read-only, the rest does not exist.
echo sjt-esc-written-through-a-link >"$W/small"
out=$(sftp_batch $U <<EOF 2>&1
-put $W/small uploads/l-shadow
-put $W/small uploads/l-host
-put $W/small uploads/l-hostdir/planted-by-user
EOF
)
check_not "put through a symlink to /etc/shadow wrote nothing on the host" grep -q sjt-esc-written /etc/shadow
check "put through a symlink to a host file left it unchanged" [ "$(cat "$W/hostfile")" = secret-of-the-host ]
check "put through a symlink to a host directory created nothing there" [ ! -e "$W/planted-by-user" ]

# A symlink planted by root in the home pointing outside leads nowhere.
ln -s "$W/hostfile" "$H/planted"
rm -f "$W/got"; sftp_batch $U <<<"get planted $W/got" >/dev/null 2>&1
check_not "root-planted symlink to a host file yields nothing" [ -s "$W/got" ]
ln -s /etc "$H/planted-etc"
out=$(sftp_batch $U <<<"ls -1 planted-etc/" 2>&1)
check "root-planted symlink to /etc shows the jail's /etc only" \
        [ "$(grep -v '^sftp>' <<<"$out" | sed 's|.*/||' | sort | tr '\n' ' ')" = "group passwd " ]

# Hard links: from uploads to the read-only home (another mount) fail
# with EXDEV (sftp-server reports it as "Failure"); to paths the jail does
# not have they fail with ENOENT.  A link inside uploads works, so the
# hardlink request itself is not what stops the others.
echo admin >"$H/adminfile"
echo mine >"$H/uploads/mine"; chown $U: "$H/uploads/mine"
out=$(sftp_batch $U <<EOF 2>&1
-ln uploads/mine uploads/mine2
-ln $H/adminfile uploads/hl
-ln /etc/passwd uploads/hl-etc
-ln $W/hostfile uploads/hl2
-ln /etc/shadow uploads/hl3
-ln uploads/mine $H/hl-into-home
EOF
)
diag "$out"
check "hard link inside uploads works (control)" [ "$(stat -c %h "$H/uploads/mine")" = 2 ]
check_not "hard link from the home into uploads fails" [ -e "$H/uploads/hl" ]
check "... with EXDEV (Failure)" grep -q "adminfile\" to .*uploads/hl\": Failure" <<<"$out"
check_not "hard link from the jail's /etc into uploads fails" [ -e "$H/uploads/hl-etc" ]
check_not "hard link to a host path fails" [ -e "$H/uploads/hl2" ]
check "... with ENOENT (No such file)" grep -q "hostfile\" to .*uploads/hl2\": No such file" <<<"$out"
check_not "hard link to /etc/shadow fails" [ -e "$H/uploads/hl3" ]
check_not "hard link from uploads into the read-only home fails" [ -e "$H/hl-into-home" ]
check "the admin's file still has one link" [ "$(stat -c %h "$H/adminfile")" = 1 ]
out=$(sftp_batch $U <<<"rename adminfile uploads/moved" 2>&1)
check "rename from the home into uploads fails" [ -e "$H/adminfile" ]

# Uploaded set-id or executable files stay inert.  sftp-server lets the
# client set any mode (setstat), so the bits land on the file; what makes
# them harmless is the mount: in the jail, uploads and the home are
# nosuid,noexec,nodev, and on the host the file belongs to the user.
printf '#!/bin/sh\necho pwned\n' >"$W/x.sh"
live_session $U
check "live session for the mount check" [ -n "$LIVE_SPID" ]
cat >&7 <<EOF
put $W/x.sh uploads/x.sh
chmod 4755 uploads/x.sh
EOF
for _ in $(seq 1 100); do [ "$(stat -c %a "$H/uploads/x.sh" 2>/dev/null)" = 4755 ] && break; sleep 0.05; done
check "the set-uid bit was accepted on the uploaded file" [ "$(stat -c %a "$H/uploads/x.sh")" = 4755 ]
check "an uploaded file is owned by the user, not root" [ "$(stat -c %U "$H/uploads/x.sh")" = "$U" ]
# mountinfo field 5 is the mount point, field 6 the per-mount options.
up_opts=$(awk -v m="$H/uploads" '$5==m{print $6}' /proc/$LIVE_SPID/mountinfo)
home_opts=$(awk -v m="$H" '$5==m{print $6}' /proc/$LIVE_SPID/mountinfo)
has_all() { [[ $1 == *nosuid* && $1 == *noexec* && $1 == *nodev* ]]; }
check "the jail's uploads mount is nosuid,noexec,nodev (${up_opts:-missing})" has_all "$up_opts"
check "the jail's home mount is nosuid,noexec,nodev (${home_opts:-missing})" has_all "$home_opts"
# The same file seen through the jail's own root: its mount refuses exec.
check "the uploaded file is visible through the jail's root" [ -f "/proc/$LIVE_SPID/root$H/uploads/x.sh" ]
out=$(timeout 5 "/proc/$LIVE_SPID/root$H/uploads/x.sh" 2>&1)
check "... but cannot be executed through the jail's mount (noexec)" \
        bash -c '! grep -q pwned <<<"$1" && grep -q "Permission denied" <<<"$1"' _ "$out"
check "... though the same file runs from the host's view (control)" \
        bash -c '[ "$(setpriv --reuid "$1" --regid "$1" --clear-groups "$2")" = pwned ]' _ $U "$H/uploads/x.sh"
check "the jail's root as the kernel sees it holds only the jail's entries" \
        [ "$(ls -A /proc/$LIVE_SPID/root/ | sort | tr '\n' ' ')" = "dev etc lib lib64 usr var " ]
end_live_session

done_testing
