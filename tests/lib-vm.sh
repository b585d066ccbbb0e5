# shellcheck shell=bash
# A VM for the integration tests that need what the host's kernel may lack
# (project quotas: CONFIG_XFS_QUOTA, CONFIG_QFMT_V2).  It boots Debian's own
# kernel (linux-image-amd64) under QEMU, with KVM where /dev/kvm is usable
# and TCG otherwise.  The guest's root is the host's / over virtio-9p,
# read-only, with a tmpfs overlay on top.  So the guest runs the same
# binaries, build tree, sshd, users and test scripts as the host, and
# nothing it does reaches the host.  /run, /tmp and /dev/shm are fresh
# tmpfs, and /lib/modules of the guest's kernel is the host's (installed by
# linux-image-amd64), so modprobe works in the guest.
#
#   vm_check               can a VM start here?  If not, VM_WHY says why.
#   vm_run DIR CMD...      run CMD as root in the guest, cwd $SRCDIR:
#                          stdout to DIR/out, stderr to DIR/err, exit
#                          status to DIR/rc (missing if the guest died),
#                          the kernel's console to DIR/console, the guest's
#                          uptime when CMD started to DIR/booted; sets
#                          VM_SECONDS (the whole run) and VM_ACCEL (what
#                          was used).  CMD finds DIR at $SFTPJAIL_VM_OUT.
#                          vm_run's own status is CMD's, or 125 if the VM
#                          failed.  VM_MODULES are loaded before CMD.
#
# Environment:
#   SFTPJAIL_VM_ACCEL    kvm or tcg (default: kvm if /dev/kvm opens, else tcg)
#   SFTPJAIL_VM_KERNEL   the kernel (default: the newest /boot/vmlinuz-*
#                        with its modules in /lib/modules)
#   SFTPJAIL_VM_TIMEOUT  seconds before the VM is killed (default 600)
# Needs: qemu-system-x86, linux-image-amd64, busybox-static, cpio, gzip
# (tools/install-deps.sh).
# shellcheck disable=SC2034 # VM_WHY, VM_SECONDS, VM_ACCEL: for the tests that source this file

# The initramfs: what mounts the host's root over 9p and the overlay.
_VM_INIT_MODULES="virtio_pci 9pnet_virtio 9p overlay virtio_rng"

vm_check() {
        VM_WHY=
        VM_QEMU=$(command -v qemu-system-x86_64) || { VM_WHY="no qemu-system-x86_64 (qemu-system-x86)"; return 1; }
        [ "$(uname -m)" = x86_64 ] || { VM_WHY="not an x86_64 host"; return 1; }
        if [ -n "${SFTPJAIL_VM_KERNEL:-}" ]; then
                VM_KERNEL=$SFTPJAIL_VM_KERNEL
        else
                local k
                VM_KERNEL=
                for k in /boot/vmlinuz-*; do
                        [ -d "/lib/modules/${k#/boot/vmlinuz-}/kernel/fs/9p" ] || continue
                        [ -z "$VM_KERNEL" ] || [ "$(printf '%s\n' "$VM_KERNEL" "$k" | sort -V | tail -1)" = "$k" ] && VM_KERNEL=$k
                done
        fi
        [ -r "$VM_KERNEL" ] ||
                { VM_WHY="no kernel with its modules in /boot and /lib/modules (linux-image-amd64)"; return 1; }
        VM_KVER=${VM_KERNEL#/boot/vmlinuz-}
        local m
        for m in $_VM_INIT_MODULES loop xfs ext4 quota_v2; do
                modprobe -S "$VM_KVER" --show-depends "$m" >/dev/null 2>&1 || { VM_WHY="kernel $VM_KVER has no module $m"; return 1; }
        done
        # The initramfs runs it before any library is there.
        file -L /bin/busybox 2>/dev/null | grep -q "statically linked" ||
                { VM_WHY="no static /bin/busybox (busybox-static)"; return 1; }
        command -v cpio >/dev/null || { VM_WHY="no cpio"; return 1; }
        VM_ACCEL=${SFTPJAIL_VM_ACCEL:-}
        if [ -z "$VM_ACCEL" ]; then
                VM_ACCEL=tcg
                { : <>/dev/kvm; } 2>/dev/null && VM_ACCEL=kvm
        fi
        case $VM_ACCEL in
        kvm | tcg) ;;
        *) VM_WHY="SFTPJAIL_VM_ACCEL=$VM_ACCEL: kvm or tcg"; return 1 ;;
        esac
        return 0
}

# _vm_initramfs DIR: DIR/initrd.gz
_vm_initramfs() {
        local d=$1/initramfs i=0 f c
        mkdir -p "$d"/{bin,mods,proc,sys,dev,host,rw,newroot}
        for f in $(for c in $_VM_INIT_MODULES; do modprobe -S "$VM_KVER" --show-depends "$c"; done |
                   awk '$1 == "insmod" && !s[$2]++ {print $2}'); do
                i=$((i + 1)); cp "$f" "$d/mods/$(printf %02d $i)-${f##*/}"
        done
        cp /bin/busybox "$d/bin/"
        for c in sh mount mkdir insmod ip switch_root poweroff sync cat echo; do ln -s busybox "$d/bin/$c"; done
        # Stage 1 (busybox, in the initramfs): the overlay of the host's root,
        # fresh /proc /sys /dev /run /tmp, the output directory, loopback;
        # then the overlay becomes / and stage 2 (the host's busybox sh as
        # pid 1, which reaps orphans while it waits) runs DIR/pid1.
        cat >"$d/init" <<'INIT'
#!/bin/sh
export PATH=/bin
die() { echo "vm-init: $*"; sync; poweroff -f; }
echo "vm-init: stage 1"
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in /mods/*.ko; do insmod "$m" || die "insmod $m"; done
mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 hostroot /host || die "9p hostroot"
mount -t tmpfs -o mode=0755 vm-rw /rw && mkdir /rw/upper /rw/work || die "tmpfs"
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work vm-root /newroot || die "overlay"
for m in proc sys dev; do mount --move /$m /newroot/$m || die "move /$m"; done
mkdir -p /newroot/dev/pts /newroot/dev/shm
ln -s /proc/self/fd /newroot/dev/fd; ln -s fd/0 /newroot/dev/stdin; ln -s fd/1 /newroot/dev/stdout; ln -s fd/2 /newroot/dev/stderr
mount -t devpts -o newinstance,ptmxmode=0666 devpts /newroot/dev/pts
mount -t tmpfs -o mode=1777 shm /newroot/dev/shm
mount -t tmpfs -o mode=0755 run /newroot/run && mkdir -p /newroot/run/lock /newroot/run/vm || die "/run"
mount -t tmpfs -o mode=1777 tmp /newroot/tmp || die "/tmp"
mount -t 9p -o trans=virtio,version=9p2000.L,cache=none,msize=262144 vmout /newroot/run/vm || die "9p vmout"
# The source and build trees at their own paths, whatever they are on
# (another filesystem, or below /tmp, which is fresh here).
while read -r tag path; do
        mkdir -p "/newroot$path" && mount -t 9p -o ro,trans=virtio,version=9p2000.L,cache=loose,msize=262144 \
                "$tag" "/newroot$path" || die "9p $tag on $path"
done </newroot/run/vm/shares
ip link set lo up
echo "vm-init: stage 2"
exec switch_root /newroot /bin/busybox sh /run/vm/pid1
INIT
        chmod 0755 "$d/init"
        (cd "$d" && find . | cpio -o -H newc 2>/dev/null) | gzip -1 >"$1/initrd.gz"
}

vm_run() {
        local dir=$1; shift
        local envs v start
        rm -f "$dir"/{out,err,rc,booted,console,qemu.log,pid1,initrd.gz,shares}
        # Stage 2: the command, with this environment's SFTPJAIL_* variables.
        envs=$(for v in $(compgen -e); do [[ $v == SFTPJAIL_* ]] && printf 'export %s=%q\n' "$v" "${!v}"; done)
        cat >"$dir/pid1" <<PID1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root SFTPJAIL_VM_OUT=/run/vm
$envs
hostname sftpjail-vm
modprobe -a ${VM_MODULES:-} 2>>/run/vm/err
cut -d' ' -f1 /proc/uptime >/run/vm/booted
cd $(printf %q "$SRCDIR") && $(printf '%q ' "$@") </dev/null >/run/vm/out 2>>/run/vm/err &
wait \$!
echo \$? >/run/vm/rc
sync
poweroff -f
PID1
        # The trees the command needs, shared read-only at their paths.
        local p n=0
        VM_SHARES=()
        : >"$dir/shares"
        for p in "$SRCDIR" "${SFTPJAIL_BUILD:-}"; do
                [ -n "$p" ] && [ -d "$p" ] || continue
                p=$(cd "$p" && pwd -P)
                n=$((n + 1))
                VM_SHARES+=(-virtfs "local,path=$p,mount_tag=tree$n,security_model=none,readonly=on,multidevs=remap")
                printf 'tree%s %s\n' "$n" "$p" >>"$dir/shares"
        done
        _vm_initramfs "$dir" || return 125
        start=$SECONDS
        if ! _vm_boot "$dir" "$VM_ACCEL" && [ "$VM_ACCEL" = kvm ] && [ -z "${SFTPJAIL_VM_ACCEL:-}" ]; then
                # /dev/kvm opens but the guest's kernel never starts (nested
                # virtualization that does not work): TCG.
                echo "vm: KVM did not start the kernel within 30 s; TCG" >>"$dir/qemu.log"
                VM_ACCEL=tcg
                _vm_boot "$dir" tcg
        fi
        wait "$VM_QPID"
        VM_SECONDS=$((SECONDS - start))
        [ -s "$dir/rc" ] || return 125
        return "$(cat "$dir/rc")"
}

# _vm_boot DIR ACCEL: start QEMU (VM_QPID); fails if the guest's init has
# not said so on the console in time (30 s with KVM, 120 s with TCG).
_vm_boot() {
        # TCG: qemu64 and mitigations=off make a fork and exec about five
        # times cheaper than with -cpu max and the kernel's defaults (the
        # page-table isolation's TLB flushes on each system call).
        local dir=$1 accel=$2 cpu=qemu64 n=1200 i
        [ "$accel" = kvm ] && cpu=host n=300
        : >"$dir/console"
        timeout --foreground "${SFTPJAIL_VM_TIMEOUT:-600}" "$VM_QEMU" -accel "$accel" -cpu "$cpu" -smp "$(nproc)" -m 2048 \
                -nodefaults -display none -no-reboot \
                -kernel "$VM_KERNEL" -initrd "$dir/initrd.gz" \
                -append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off" \
                -serial "file:$dir/console" \
                -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
                -virtfs "local,path=$dir,mount_tag=vmout,security_model=none" "${VM_SHARES[@]}" \
                -device virtio-rng-pci >>"$dir/qemu.log" 2>&1 &
        VM_QPID=$!
        for ((i = 0; i < n; i++)); do
                grep -q "^vm-init: stage 1" "$dir/console" && return 0
                kill -0 "$VM_QPID" 2>/dev/null || return 1
                sleep 0.1
        done
        kill "$VM_QPID"; wait "$VM_QPID"
        return 1
}
