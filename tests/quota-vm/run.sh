#!/bin/bash
# The launcher's quota check (src/quota.c) against a kernel that enforces
# project quotas, for hosts whose own kernel cannot (no CONFIG_XFS_QUOTA or
# CONFIG_QFMT_V2: test-quota.sh then SKIPs enforcement).  Boots Debian's
# kernel (linux-image-amd64) under QEMU with an initramfs holding busybox,
# the fs modules, an XFS and an ext4 image, and check.c built statically
# with quota.c; prints what check.c sees.  Not part of the suite.
#   apt-get install --no-install-recommends qemu-system-x86 linux-image-amd64 busybox-static
#   tests/quota-vm/run.sh
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
K=$(ls /boot/vmlinuz-* | sort -V | tail -1); K=${K#/boot/vmlinuz-}
R=$(mktemp -d); trap 'rm -rf "$R"' EXIT; chmod 0755 "$R" # the jail user must traverse /
mkdir -p "$R"/{bin,mods,proc,sys,dev,mnt/x,mnt/e,tmp}
i=0
for m in loop quota_v2 ext4 xfs; do modprobe -S "$K" --show-depends $m; done | awk '$1=="insmod"{print $2}' | awk '!s[$0]++' |
        while read -r f; do i=$((i + 1)); cp "$f" "$R/mods/$(printf %02d $i)-${f##*/}"; done
cp /bin/busybox "$R/bin/"
for c in sh mount umount insmod losetup poweroff sync rm; do ln -s busybox "$R/bin/$c"; done
cc -static -O2 -D_GNU_SOURCE -I"$SRC/src" -o "$R/bin/qvm" "$SRC/tests/quota-vm/check.c" "$SRC/src/quota.c" "$SRC/src/limit.c"
truncate -s 320M "$R/x.img"; mkfs.xfs -q -f "$R/x.img"
truncate -s 64M "$R/e.img"; mkfs.ext4 -q -F -b 4096 -O quota,project -I 256 "$R/e.img"
cat >"$R/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in /mods/*.ko; do insmod $m; done
echo "=== XFS"
losetup /dev/loop0 /x.img && mount -t xfs -o prjquota /dev/loop0 /mnt/x && /bin/qvm /mnt/x/u
echo "=== ext4"
losetup /dev/loop1 /e.img && mount -t ext4 -o prjquota /dev/loop1 /mnt/e && /bin/qvm /mnt/e/u
echo "=== ext4 without prjquota (quotas off)"
umount /mnt/e; mount -t ext4 /dev/loop1 /mnt/e && /bin/qvm /mnt/e/u2 2>&1 | grep "no project yet"
echo "=== end"
sync; poweroff -f
INIT
chmod +x "$R/init"
(cd "$R" && find . | cpio -o -H newc 2>/dev/null | gzip -1 >"$R/initrd.gz")
timeout 600 qemu-system-x86_64 -accel tcg -m 1536 -nographic -no-reboot -kernel "/boot/vmlinuz-$K" \
        -initrd "$R/initrd.gz" -append "console=ttyS0 panic=-1 loglevel=4" | tr -d '\r' | sed -n '/^=== XFS/,/^=== end/p'
