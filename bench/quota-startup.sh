#!/bin/bash
# bench/run.sh's row 9: the start-up of a login with a project quota against
# one without, interleaved.  The launcher's extra work with a quota is
# quota_check() (libmount's view of the filesystem and a quotactl on the
# uploads fd).  Both sides run through setpriv as root, so each pays the
# same.
#
#   bench/quota-startup.sh BR LAUNCHER USER ROUNDS
#
# Prints the row's text on stdout.  bench/run.sh runs it directly where the
# kernel can mount XFS with prjquota, and otherwise in a VM with Debian's
# own kernel (tests/lib-vm.sh; the host's / shared read-only under a tmpfs
# overlay): there, this script first brings what a fresh /run and /dev lack
# (the shared network namespace, a log sink, the launcher with its file
# capabilities on a filesystem that keeps them).
set -euo pipefail
BR=$1 J=$2 U=$3 R=$4
UQ=sjb-quota QMNT=$BR/qhome QIMG=$BR/quota.img

if [ -n "${SFTPJAIL_VM_OUT:-}" ]; then
        "$BR/build-normal/src/sftpjailctl" netns create >&2
        install -d -m 0755 /run/sshd # for doctor's sshd -T
        "$BR/bin/log-sink" /run/bench-log.sock /run/bench-syslog.txt >/run/bench-log.ready &
        for _ in $(seq 50); do [ -s /run/bench-log.ready ] && break; sleep 0.1; done
        [ -e /dev/log ] || : >/dev/log
        mount --bind /run/bench-log.sock /dev/log
        # 9p carries no security.capability: a copy on the tmpfs overlay.
        # The launcher finds its supervisor by a compiled-in path, not
        # beside itself, so the copy may live anywhere.
        install -d -m 0755 /run/bench-bin
        install -m 0755 "$J" /run/bench-bin/sftpjail
        setcap cap_chown,cap_setpcap,cap_sys_admin=p /run/bench-bin/sftpjail
        J=/run/bench-bin/sftpjail
        QIMG=/run/quota.img
fi

truncate -s 0 "$QIMG"; truncate -s 320M "$QIMG"; mkfs.xfs -q -f "$QIMG"
QDEV=$(losetup -f --show "$QIMG")
cleanup() { umount "$QMNT" 2>/dev/null || true; losetup -d "$QDEV"; rm -f "$QIMG"; }
trap cleanup EXIT
install -d -m 0755 "$QMNT"
if ! mount -o prjquota "$QDEV" "$QMNT" 2>/dev/null; then
        echo "n/a: this kernel cannot mount XFS with prjquota (CONFIG_XFS_QUOTA)"
        exit 0
fi
chmod 0755 "$QMNT"
id $UQ >/dev/null 2>&1 || useradd -M -d "$QMNT/$UQ" -s "$J" $UQ
usermod -p '*' -d "$QMNT/$UQ" $UQ
install -d -m 0750 -o root -g $UQ "$QMNT/$UQ"; install -d -m 0750 -o $UQ -g $UQ "$QMNT/$UQ/uploads"
conf=$BR/etc/sftpjail.conf
cp "$conf" "$conf.noquota"
trap 'mv "$conf.noquota" "$conf"; cleanup' EXIT
# Below the filesystem's size: with prjquota, statfs() reports the smaller
# of the two, and the launcher checks the kernel's limit against the config.
printf '[user %s]\nlog_level = INFO\nquota = 100M\n' $UQ >>"$conf"
"$BR/build-normal/src/sftpjailctl" doctor --fix >/dev/null || true
"$BR/build-normal/src/sftpjailctl" quota $UQ >&2 || true
sp() { echo setpriv --reuid "$1" --regid "$1" --init-groups "$J" --subsystem; }
# shellcheck disable=SC2046 # word splitting of sp is intended
tq=$("$BR/bin/interleave" "$R" :noquota $(sp "$U") :quota $(sp $UQ) | cat)
echo "$tq" >&2
med() { awk -v n="$1" -F'\t' '$1==n{print $3}'; }
a=$(med quota <<<"$tq") b=$(med noquota <<<"$tq")
[ -n "$a" ] && [ -n "$b" ] || { echo "n/a: the logins failed (see above)"; exit 0; }
where=
[ -z "${SFTPJAIL_VM_OUT:-}" ] || where="; in a VM, kernel $(uname -r)"
printf 'without %s ms, with %s ms: %+.1f%% (target <= 3%%)%s\n' "$b" "$a" \
        "$(awk -v a="$a" -v b="$b" 'BEGIN{print (a/b-1)*100}')" "$where"
