#!/bin/bash
# Project quotas (quota, quota_files; sftpjail.conf(5) LIMITS) over the
# real sshd and client, on loop-mounted XFS and ext4 filesystems this test
# makes:
#  - add-user --quota sets the project id and inherit flag on the uploads
#    directory and on what is already in it (counted), and the kernel's
#    limits; sftpjailctl quota shows usage and limits;
#  - uploads up to the limit and past it: exact counts of files and bytes
#    at the boundary, and the log names the reason;
#  - 30 sessions of the user racing past the quota: usage never exceeds
#    the hard limit;
#  - every quota the kernel would not enforce refuses the login, and
#    doctor says why in the launcher's words and --fix repairs it.
#
# Where the host's kernel cannot enforce project quotas on XFS or ext4
# (no CONFIG_XFS_QUOTA, CONFIG_QFMT_V2), what needs it runs in a VM with
# Debian's own kernel (tests/lib-vm.sh): this same script, with
# SFTPJAIL_QUOTA_IN_VM=FILESYSTEMS, on the host's root under an overlay;
# its TAP lines are relayed here, marked "vm:".  Without a VM (no qemu or
# kernel: tools/install-deps.sh installs them) that is a failure, unless
# SFTPJAIL_QUOTA_VM=never, which skips it.  SFTPJAIL_QUOTA_VM=only runs
# just XFS and ext4 in the VM, whatever the host's kernel.
. "$(dirname "$0")/../lib.sh"
. "$SRCDIR/tests/lib-vm.sh"
IN_VM=${SFTPJAIL_QUOTA_IN_VM:-}
# In the VM: a fresh test root (the host's shows through the overlay).
if [ -n "$IN_VM" ] && [ -z "${SFTPJAIL_TEST_NS:-}" ]; then
        mount -t tmpfs -o mode=0755 sftpjail-test "$TESTROOT" || bail "tmpfs on $TESTROOT"
fi
standard_setup "$@"
trap '' PIPE

command -v mkfs.xfs >/dev/null || bail "mkfs.xfs not found (xfsprogs; tools/install-deps.sh)"
# add-user sets the installed launcher as the login shell (test-ctl does the same).
KEYS=$TESTROOT/etc/authorized_keys
install_launcher
U=sjt-quota
userdel -r $U >/dev/null 2>&1
on_exit "userdel $U"
write_config <<<"[default]"
start_sshd < <(echo "MaxStartups 100:30:200"
               sed -e "s|@LAUNCHER@|$LAUNCHER|g" -e "s|@KEYS@|$KEYS|g" "$SRCDIR/docs/sshd_config.d-sftpjail.conf.in")
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
IMG=$TESTROOT/quota-img
install -d -m 0755 "$IMG"; on_exit "rm -rf $IMG"
PROJ=$((2000000 + $(id -u $U 2>/dev/null || echo 0)))

# qj FIELD: a field of 'sftpjailctl quota U --json'.
qj() { "$CTL" quota $U --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
doctor() { "$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" "$@" 2>&1; }
# login_ok: a session of U works (ls of uploads).
login_ok() { sftp_batch $U <<<"ls uploads" >/dev/null 2>&1; }

# mkimg FS: a fresh image and loop device, mounted at $MNT with OPTS.
mkimg() {
        local fs=$1
        MNT=$TESTROOT/q$fs
        truncate -s 0 "$IMG/$fs.img"
        if [ "$fs" = xfs ]; then
                truncate -s 320M "$IMG/$fs.img" && mkfs.xfs -q "$IMG/$fs.img" || bail "mkfs.xfs"
        else
                truncate -s 64M "$IMG/$fs.img" && mkfs.ext4 -q -b 4096 -O quota,project -I 256 "$IMG/$fs.img" || bail "mkfs.ext4"
        fi
        DEV=$(losetup -f --show "$IMG/$fs.img") || bail "losetup"
        on_exit "losetup -d $DEV"
        install -d -m 0755 "$MNT"
        on_exit "umount $MNT; rmdir $MNT"
}
mnt() { umount "$MNT" 2>/dev/null; mount -t "$FS" ${1:+-o "$1"} "$DEV" "$MNT" || return 1; chmod 0755 "$MNT"; }
forget_user() { userdel $U; rm -f "$KEYS/$U"; sed -i "/^\[user $U\]/,\$d" "$CONF"; umount "$MNT" 2>/dev/null; }

run_fs() {
        FS=$1
        mkimg "$FS"
        local H=$MNT/$U out rc
        diag "---- $FS ----"

        # Without prjquota (ext4: a kernel without CONFIG_QFMT_V2 cannot
        # mount the quota feature at all; then the project feature alone).
        local features=yes
        if ! mnt "" 2>/dev/null; then
                diag "$FS with the quota and project features does not mount here; a plain one"
                features=no
                mkfs.ext4 -q -F "$DEV" && mnt "" || bail "mount $FS"
        fi
        out=$("$CTL" add-user $U --key "$CLIENT_KEY.pub" --home-base "$MNT" 2>&1); rc=$?
        diag "$out"
        check "$FS: add-user without a quota succeeds (rc=$rc)" [ $rc -eq 0 ]
        PROJ=$((2000000 + $(id -u $U)))
        # Content made before the quota must be counted: it gets the project.
        head -c 102400 /dev/urandom >"$H/uploads/old"
        install -d -o $U -g $U "$H/uploads/sub"
        head -c 4096 /dev/urandom >"$H/uploads/sub/old2"
        ln -s old "$H/uploads/link"
        mkfifo "$H/uploads/fifo"
        chown -h $U:$U "$H/uploads/old" "$H/uploads/sub/old2" "$H/uploads/link" "$H/uploads/fifo"
        check "$FS: no quota configured: a login works" login_ok
        # add-user --quota where the filesystem cannot enforce it: refused
        # before anything changes (the launcher's reason, quota_check_fs).
        cp "$CONF" "$W/conf.before"
        out=$("$CTL" add-user $U --quota 1M --quota-files 20 --home-base "$MNT" 2>&1); rc=$?
        diag "$out"
        if [ $features = no ]; then
                check "$FS without the project feature: add-user --quota fails and says so" \
                        bash -c '[ $1 -ne 0 ] && grep -q "needs the project and quota features" <<<"$2"' _ $rc "$out"
        else
                check "$FS: add-user --quota on a filesystem without prjquota fails and says so" \
                        bash -c '[ $1 -ne 0 ] && grep -q "mount it with -o prjquota" <<<"$2"' _ $rc "$out"
        fi
        check "$FS: ... before it changed anything: the configuration" cmp -s "$W/conf.before" "$CONF"
        [ $features = no ] || check "$FS: ... and the uploads directory's project id (0)" bash -c \
                'xfs_io -c lsproj "$1/uploads" | grep -qw 0' _ "$H"
        check "$FS: ... and it says nothing was changed" grep -q "nothing was changed" <<<"$out"
        # The admin writes the keys by hand instead: doctor --fix puts the
        # project in place, and logins are refused until quotas are on.
        sed -i "/^\[user $U\]\$/a quota = 1M\nquota_files = 20" "$CONF"
        check "$FS: the keys are in the user's section" grep -qx "quota = 1M" "$CONF"
        out=$(doctor --fix); rc=$?
        diag "$(grep -E "$U|uploads" <<<"$out")"
        if [ $features = no ]; then
                expect_refusal "$FS without the quota feature" "project quotas are off on the filesystem of $H/uploads"
                need_vm "the kernel cannot mount $FS with the project or quota feature"
                forget_user
                return
        fi
        check "$FS: the project id is on the uploads directory, the files and directories below" bash -c \
                'for f in "" /old /sub /sub/old2; do xfs_io -c lsproj "$1/uploads$f" | grep -qw "$2" || exit 1; done' _ "$H" $PROJ
        check "$FS: the directories carry the inherit flag" bash -c \
                'for f in "" /sub; do xfs_io -c "lsattr -v" "$1/uploads$f" | grep -q "proj-inherit" || exit 1; done' _ "$H"
        check "$FS: the symlink was left (not followed)" bash -c \
                '[ "$(readlink "$1/uploads/link")" = old ] && grep -q "2 entries left" <<<"$2"' _ "$H" "$out"
        expect_refusal "$FS without prjquota" "project quotas are off|project quota limits are not enforced"
        out=$(doctor); diag "$(grep "$U" <<<"$out")"
        check "$FS: doctor reports the launcher's reason" grep -qE "problem: user $U: logins are refused: quota cannot be enforced: project quota" <<<"$out"
        out=$("$CTL" quota $U 2>&1); rc=$?
        diag "$out"
        check "$FS: quota USER says logins are refused (rc=$rc)" bash -c '[ $1 -eq 1 ] && grep -q "logins refused: quota cannot be enforced" <<<"$2"' _ $rc "$out"

        if ! mnt prjquota 2>/dev/null; then
                # This kernel cannot enforce project quotas on $FS
                # (CONFIG_XFS_QUOTA, CONFIG_QFMT_V2): the rest needs it.
                need_vm "the kernel cannot mount $FS with prjquota"
                forget_user
                return
        fi
        out=$("$CTL" add-user $U --quota 1M --quota-files 20 --home-base "$MNT" 2>&1); rc=$?
        diag "$out"
        check "$FS: add-user --quota succeeds (rc=$rc)" [ $rc -eq 0 ]
        check "$FS: a login works" login_ok
        out=$("$CTL" add-user $U --quota 1M --quota-files 20 --home-base "$MNT" 2>&1); rc=$?
        check "$FS: add-user --quota twice: no changes" bash -c '[ $1 -eq 0 ] && grep -q "no changes" <<<"$2"' _ $rc "$out"
        diag "$("$CTL" quota $U)"
        check "$FS: quota shows the old content counted (>= 106496 bytes, 4 files)" \
                bash -c '[ "$1" -ge 106496 ] && [ "$2" -eq 4 ]' _ "$(qj space_used)" "$(qj files_used)"
        check "$FS: quota shows the limits" bash -c '[ "$1" -eq 1048576 ] && [ "$2" -eq 20 ] && [ "$3" = True ]' _ \
                "$(qj space_limit)" "$(qj files_limit)" "$(qj enforced)"
        check "$FS: quota --report lists the user" bash -c '"$1" quota --report --json | "$2" -c "import json,sys; d=json.load(sys.stdin); assert [u for u in d if u[\"user\"]==sys.argv[1]]" "$3"' \
                _ "$CTL" "$PY" $U

        # Files: exactly quota_files - used more entries, then EDQUOT.
        local used left cmds i
        used=$(qj files_used); left=$((20 - used))
        cmds=$(for i in $(seq 1 $((left + 3))); do echo "-mkdir uploads/d$i"; done)
        out=$(sftp_batch $U <<<"$cmds" 2>&1); rc=$?
        diag "$(tail -2 <<<"$out")"
        check "$FS: exactly $left more entries fit the file limit" \
                bash -c '[ "$(ls -d "$1"/uploads/d* | wc -l)" -eq "$2" ] && [ ! -e "$1/uploads/d$(($2 + 1))" ]' _ "$H" $left
        check "$FS: files used = 20" [ "$(qj files_used)" -eq 20 ]
        rmdir "$H"/uploads/d*

        # Bytes: an upload larger than the space left stops short, its bytes
        # intact.  sftp-server writes what each write request of the client
        # carries (OpenSSH: up to 261120 bytes) with one write(2); the
        # kernels differ at the boundary (docs/deployment.md):
        #  - ext4 reserves page by page: the write that crosses the limit is
        #    cut short there, and the file ends exactly at the limit;
        #  - XFS reserves each write's new blocks at once: the write that does
        #    not fit fails (but for the rest of a block already reserved), so
        #    less than one write request stays free.
        # Either way usage never passes the limit, and then the client's next
        # file fails whole.
        local free size after before wlen=261120 rec
        before=$(qj space_used); free=$((1048576 - before))
        head -c $((free + 65536)) /dev/urandom >"$W/fill"; echo x >"$W/one"
        out=$(printf -- '-put %s uploads/fill\n-put %s uploads/one\n' "$W/fill" "$W/one" | sftp_batch $U 2>&1); rc=$?
        diag "$(tail -4 <<<"$out")"
        size=$(stat -c %s "$H/uploads/fill"); after=$(qj space_used)
        diag "$FS: $free bytes were free; the upload of $((free + 65536)) left $size bytes; usage $after of 1048576"
        check "$FS: the upload past the limit stops short, its bytes intact ($size of $((free + 65536)))" \
                bash -c '[ "$1" -lt "$2" ] && cmp -s -n "$1" "$3" "$4"' _ "$size" $((free + 65536)) "$W/fill" "$H/uploads/fill"
        check "$FS: usage = what was used + the file's blocks ($after = $before + $size)" \
                [ "$after" -eq $((before + (size + 4095) / 4096 * 4096)) ]
        if [ "$FS" = ext4 ]; then
                check "$FS: usage = the limit exactly ($after)" [ "$after" -eq 1048576 ]
                check "$FS: the bytes that arrived are the bytes that were free ($size = $free)" [ "$size" -eq "$free" ]
        else
                check "$FS: less than one write request stayed free ($((1048576 - after)) < $wlen)" \
                        [ $((1048576 - after)) -lt $wlen ]
        fi
        check "$FS: one byte more fails whole (empty file; the client sees a failure)" \
                bash -c '[ ! -s "$1/uploads/one" ] && grep -qi "failure" <<<"$2"' _ "$H" "$out"
        check "$FS: usage unchanged by it" [ "$(qj space_used)" -eq "$after" ]
        # The records (docs/records.md): neither upload is complete, and
        # each names the quota.  The fill's bytes are those of its whole
        # writes (sftp-server counts no short write).  Where sftp-server
        # gives no reason (ext4's short write; XFS's open of the next file,
        # which fails as XFS reserves blocks for the new inode) or the wrong
        # one (XFS reports a project's quota as ENOSPC), the supervisor
        # names it from the project's and the filesystem's numbers.  ext4
        # says EDQUOT for the next file's first write itself.
        wait_log "user=$U event=transfer direction=upload [^\"]*path=\"$H/uploads/one\"" 3
        diag "$(grep -aE "uploads/(fill|one)" "$SYSLOG" | sed 's/^.*user=/user=/')"
        check "$FS: the fill's record: failed, the bytes of its whole writes" \
                wait_log "user=$U event=transfer direction=upload status=failed bytes=$((size / wlen * wlen)) path=\"$H/uploads/fill\"" 1
        rec="user=$U event=transfer direction=upload status=failed bytes=0 path=\"$H/uploads/one\" .*"
        local fillrec="user=$U event=transfer direction=upload status=failed bytes=[0-9]+ path=\"$H/uploads/fill\" .*"
        if [ "$FS" = ext4 ]; then
                check "$FS: the fill's record names the quota (a short write: sftp-server said Failure)" \
                        wait_log "$fillrec error=\"Disk quota exceeded \\(sftp-server: Failure\\)\"" 1
                check "$FS: the next file's record names the reason" wait_log "$rec error=\"Disk quota exceeded\"" 1
                check "$FS: sftp-server's message too" \
                        wait_log "user=$U sftp-server: process_write: write \\\\\"$H/uploads/one\\\\\": Disk quota exceeded" 1
        else
                # XFS: the crossing write fails whole with ENOSPC, or is cut
                # short where part of it was already reserved (Failure).
                check "$FS: the fill's record names the quota (sftp-server said Failure or ENOSPC)" \
                        wait_log "$fillrec error=\"Disk quota exceeded \\(sftp-server: (Failure|No space left on device)\\)\"" 1
                check "$FS: the next file's record names the quota (its open failed: Failure)" \
                        wait_log "$rec error=\"Disk quota exceeded \\(sftp-server: Failure\\)\"" 1
        fi
        rm -f "$H/uploads/fill" "$H/uploads/one"

        # The filesystem full while the project has room: that is what the
        # record names.  root fills it (root's file is in no project) to
        # less than a write request of room for the user.
        local avail bsize
        read -r avail bsize < <(stat -f -c '%a %S' "$MNT")
        fallocate -l $((avail * bsize - 65536)) "$MNT/filler" || diag "fallocate failed"
        diag "$FS full: $(stat -f -c '%a blocks of %S free for users' "$MNT"); quota used $(qj space_used) of 1048576"
        head -c 204800 /dev/urandom >"$W/two"
        out=$(printf -- '-put %s uploads/two\n' "$W/two" | sftp_batch $U 2>&1)
        diag "$(tail -2 <<<"$out")"
        check "$FS: filesystem full, project not: the record says No space left on device" \
                wait_log "user=$U event=transfer direction=upload status=failed .*path=\"$H/uploads/two\" .*error=\"No space left on device" 3
        check "$FS: ... and does not blame the quota" \
                bash -c '! grep -aE "path=\"$1/uploads/two\" .*error=\"Disk quota" "$2"' _ "$H" "$SYSLOG"
        rm -f "$MNT/filler" "$H/uploads/two"

        # 30 sessions racing past the quota: 30 x 64K into about 900K.
        head -c 65536 /dev/urandom >"$W/race"
        local max=0 s pids=()
        for i in $(seq 1 30); do
                sftp_batch $U <<<"put $W/race uploads/race$i" >/dev/null 2>&1 &
                pids+=($!)
        done
        while kill -0 "${pids[@]}" 2>/dev/null; do
                s=$(qj space_used); [ "$s" -gt "$max" ] && max=$s
                sleep 0.05
        done
        wait "${pids[@]}"
        s=$(qj space_used); [ "$s" -gt "$max" ] && max=$s
        local bytes
        bytes=$(find "$H/uploads" -type f -printf '%s\n' | awk '{t+=$1} END {print t}')
        diag "$FS race: max usage seen $max, files hold $bytes bytes, $(ls "$H"/uploads/race* 2>/dev/null | wc -l) race files"
        check "$FS: racing sessions: usage never exceeded the limit (max $max)" [ "$max" -le 1048576 ]
        check "$FS: racing sessions: the files hold at most the limit ($bytes)" [ "$bytes" -le 1048576 ]
        check "$FS: racing sessions: some uploads were refused" [ "$(find "$H/uploads" -name 'race*' -size 65536c | wc -l)" -lt 30 ]
        rm -f "$H"/uploads/race*

        # Every quota the kernel would not enforce refuses the login.
        xfs_io -c "chattr -P" "$H/uploads"
        expect_refusal "$FS: inherit flag missing" "$H/uploads lacks the project-inherit flag"
        out=$(doctor --fix); diag "$(grep -E "fixed|$U" <<<"$out")"
        check "$FS: doctor --fix restores the inherit flag" login_ok
        xfs_io -c "chproj 7" "$H/uploads"
        expect_refusal "$FS: project id wrong" "$H/uploads has project id 7, not $PROJ"
        doctor --fix >/dev/null
        check "$FS: doctor --fix restores the project id" login_ok
        sed -i 's/^quota = 1M$/quota = 2M/' "$CONF"
        expect_refusal "$FS: kernel limit differs" "space limit of project $PROJ .* is 1M, the configuration says 2M"
        out=$(doctor); check "$FS: doctor names the difference" grep -q "problem: user $U: .*is 1M, the configuration says 2M" <<<"$out"
        doctor --fix >/dev/null
        check "$FS: doctor --fix sets the kernel limit" bash -c '[ "$1" -eq 2097152 ]' _ "$(qj space_limit)"
        check "$FS: then logins work" login_ok
        sed -i 's/^quota_files = 20$/quota_files = 30/' "$CONF"
        expect_refusal "$FS: kernel file limit differs" "file limit of project $PROJ .* is 20, the configuration says 30"
        doctor --fix >/dev/null
        check "$FS: doctor --fix sets the file limit" login_ok
        if [ "$FS" = xfs ]; then
                xfs_quota -x -c "disable -p" "$MNT"
                expect_refusal "$FS: quotas off" "project quota limits are not enforced"
                xfs_quota -x -c "enable -p" "$MNT"
        else
                mnt "" || bail "mount $FS"
                expect_refusal "$FS: quotas off (mounted without prjquota)" "project quota limits are not enforced"
                mnt prjquota || bail "mount $FS prjquota"
        fi
        check "$FS: quotas on again: logins work" login_ok
        sed -i -e 's/^quota = 2M$/quota = 1M/' -e 's/^quota_files = 30$/quota_files = 20/' "$CONF"
        forget_user
}

# need_vm WHY: what follows in run_fs needs a kernel that enforces
# project quotas on $FS: in the VM, that is a failure; on the host, $FS
# runs again in the VM.
VM_FS=()
need_vm() {
        if [ -n "$IN_VM" ]; then
                not_ok "$FS: project quotas enforced by the VM's kernel: $1"
        else
                diag "$1 ($(uname -r)): $FS runs again in a VM"
                VM_FS+=("$FS")
        fi
}

# quota_vm: run_fs for each of VM_FS in the VM, its TAP lines relayed.
quota_vm() {
        local what="project quotas enforced on ${VM_FS[*]} (in a VM with Debian's kernel)"
        if [ "${SFTPJAIL_QUOTA_VM:-}" = never ]; then
                echo "ok $((++_tap_n)) - $what # SKIP SFTPJAIL_QUOTA_VM=never"
                return
        fi
        if ! vm_check; then
                not_ok "$what: no VM: $VM_WHY (tools/install-deps.sh installs it; SFTPJAIL_QUOTA_VM=never skips)"
                return
        fi
        local d l desc results=0 failed=0 plan='' rc boot
        d=$(mktemp -d); on_exit "rm -rf $d"
        (export SFTPJAIL_QUOTA_IN_VM="${VM_FS[*]}"
         VM_MODULES="loop xfs ext4 quota_v2"
         vm_run "$d" bash tests/integration/test-quota.sh
         echo "$? $VM_ACCEL $VM_SECONDS" >"$d/status") &
        local vpid=$!
        diag "vm: $VM_KERNEL, ${SFTPJAIL_VM_ACCEL:-$VM_ACCEL}"
        while IFS= read -r l; do
                case $l in
                "ok "* | "not ok "*)
                        desc=$(sed -E 's/^(not )?ok [0-9]+( -)? ?//' <<<"$l")
                        results=$((results + 1))
                        if [[ $l == "ok "* ]]; then ok "vm: $desc"; else failed=$((failed + 1)); not_ok "vm: $desc"; fi ;;
                1..*) plan=${l#1..} ;;
                "Bail out!"*) failed=$((failed + 1)); not_ok "vm: $l" ;;
                "#"*) echo "$l" ;;
                *) diag "vm: $l" ;;
                esac
        done < <(tail -n +1 -F --pid=$vpid "$d/out" 2>/dev/null)
        wait $vpid
        read -r rc VM_ACCEL VM_SECONDS <"$d/status"
        boot=$(cat "$d/booted" 2>/dev/null)
        diag "vm: accel $VM_ACCEL; booted in ${boot:-?} s (guest uptime); the VM ran $VM_SECONDS s"
        check "vm: the test in the VM ran to its end ($results results, plan ${plan:-none}, status $rc)" \
                bash -c '[ -n "$1" ] && [ "$1" -eq "$2" ] && { [ "$3" -eq 0 ] || [ "$4" -gt 0 ]; }' _ "$plan" $results "$rc" $failed
        if [ "$rc" -ne 0 ]; then
                echo "---- the VM's stderr, console and qemu's messages" >&2
                tail -50 "$d/err" >&2; tail -30 "$d/console" >&2; cat "$d/qemu.log" >&2
                echo "---- the end of the guest's syslog" >&2
                tail -40 "$d/syslog.txt" >&2 2>/dev/null
        fi
}

if [ -n "$IN_VM" ]; then
        # The guest's log, for the host to show.
        [ -n "${SFTPJAIL_VM_OUT:-}" ] && on_exit "cp $SYSLOG $SFTPJAIL_VM_OUT/syslog.txt"
        for FS in $IN_VM; do run_fs "$FS"; done
        done_testing
        exit
fi
if [ "${SFTPJAIL_QUOTA_VM:-}" = only ]; then
        VM_FS=(xfs ext4)
        quota_vm
        done_testing
        exit
fi
run_fs xfs
run_fs ext4

# Not XFS or ext4 (a tmpfs home): refused.
install -d -m 0755 "$TESTROOT/qtmp"; mount -t tmpfs -o mode=0755 sjt-quota "$TESTROOT/qtmp"; on_exit "umount $TESTROOT/qtmp; rmdir $TESTROOT/qtmp"
# add-user --quota there: refused before it changes anything.
cp "$CONF" "$W/conf.before"
out=$("$CTL" add-user $U --key "$CLIENT_KEY.pub" --quota 1M --home-base "$TESTROOT/qtmp" 2>&1); rc=$?
diag "$out"
check "tmpfs: add-user --quota fails in the launcher's words, and says nothing was changed (rc=$rc)" bash -c \
        '[ $1 -ne 0 ] && grep -q "is not on XFS or ext4" <<<"$2" && grep -q "nothing was changed" <<<"$2"' _ $rc "$out"
check "... no account, no home, no keys; the configuration as it was" bash -c \
        '! id "$1" 2>/dev/null && [ ! -e "$2/$1" ] && [ ! -e "$3/$1" ] && cmp -s "$4" "$5"' \
        _ $U "$TESTROOT/qtmp" "$KEYS" "$W/conf.before" "$CONF"
"$CTL" add-user $U --key "$CLIENT_KEY.pub" --home-base "$TESTROOT/qtmp" >/dev/null 2>&1
# The user's uploads made a symlink (to another filesystem, say): the
# pre-check follows none, refuses, and changes nothing.
mv "$TESTROOT/qtmp/$U/uploads" "$TESTROOT/qtmp/$U/uploads.real"
ln -s / "$TESTROOT/qtmp/$U/uploads"
cp "$CONF" "$W/conf.before"
out=$("$CTL" add-user $U --quota 1M --home-base "$TESTROOT/qtmp" 2>&1); rc=$?
diag "$out"
check "uploads a symlink: add-user --quota refuses it, and changes nothing (rc=$rc)" bash -c \
        '[ $1 -ne 0 ] && grep -q "uploads: a symlink, refusing; nothing was changed" <<<"$2" && cmp -s "$3" "$4"' \
        _ $rc "$out" "$W/conf.before" "$CONF"
rm "$TESTROOT/qtmp/$U/uploads"; mv "$TESTROOT/qtmp/$U/uploads.real" "$TESTROOT/qtmp/$U/uploads"
printf 'quota = 1M\n' >>"$CONF"
expect_refusal "tmpfs: no project quotas" "$TESTROOT/qtmp/$U/uploads is not on XFS or ext4"
# The project id scheme: base + uid must stay below 2^32-1; base 0 is no base.
sed -i '1i [global]\nquota_project_base = 4294967294' "$CONF"
expect_refusal "project id past 2^32-2" "quota_project_base 4294967294 \\+ uid $(id -u $U) = [0-9]+ is not a project id"
sed -i 's/^quota_project_base = .*/quota_project_base = 0/' "$CONF"
expect_refusal "quota_project_base = 0" "quota_project_base must be a number from 1 to 4294967294"
sed -i '1,2d' "$CONF"
# access=readonly: the quota is ignored (nothing is writable), doctor notes it.
sed -i 's/^quota = 1M$/quota = 1M\naccess = readonly/' "$CONF"
check "readonly: a quota is ignored, the login works" login_ok
check "readonly: doctor notes it" bash -c 'grep -q "note: user $1: access=readonly: quota and quota_files are ignored" <<<"$2"' _ $U "$(doctor)"
[ ${#VM_FS[@]} -eq 0 ] || quota_vm
done_testing
