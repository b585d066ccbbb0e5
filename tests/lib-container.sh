# shellcheck shell=bash
# A booted systemd for the integration tests (sourced after lib.sh and
# enter_private_ns): sftpjail built and installed (the fixed layout,
# --prefix=/usr --sysconfdir=/etc) into an overlay of / that
# systemd-nspawn boots.  The container shares the host's network, so its
# sshd listens on the host's loopback and the real OpenSSH clients connect
# from here.
#
#   container_install NAME   build, install into the overlay; sets W, MERGED,
#                            PORT, CLIENT_KEY, LAUNCHER
#   container_prepare        boot to basic.target, the sshd on 127.0.0.1:PORT,
#                            a client key
#   (adjust $MERGED here: units, config, users' files)
#   container_boot           boot it; sets CPID, NSPAWN_WRAPPER
#   C CMD...                 run CMD in the container
#   journal ARGS...          its journalctl -o cat
#
# Needs: systemd-nspawn (systemd-container), OpenSSH, meson, ninja.

# The container itself (C, booting, cleanup): tests/lib-nspawn.sh.
. "$(dirname "${BASH_SOURCE[0]}")/lib-nspawn.sh"
# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() { ns_wait "$@"; }
journal() { C journalctl --no-pager -o cat "$@"; }

container_install() {
        local name=$1
        START=$SECONDS
        W=$(mktemp -d "/var/tmp/sftpjail-$name.XXXXXX") || bail "mktemp"
        on_exit "rm -rf --one-file-system $W"
        MERGED=$W/merged
        PORT=$(free_port)
        CLIENT_KEY=$W/id_ed25519


        # ---- build and install the project (fixed layout) into an overlay of / ----
        meson setup "$W/build" "$SRCDIR" --prefix=/usr --sysconfdir=/etc --buildtype=debugoptimized >"$W/meson.log" 2>&1 &&
                ninja -C "$W/build" >>"$W/meson.log" 2>&1 || { cat "$W/meson.log" >&2; bail "build failed"; }

        mkdir -p "$W/upper" "$W/work" "$MERGED"
        mount -t overlay sftpjail-test -o "lowerdir=/,upperdir=$W/upper,workdir=$W/work" "$MERGED" || bail "overlay mount"
        on_exit "umount -l $MERGED"
        # A host installation (if any) must not leak into the container's result.
        rm -rf "$MERGED/etc/sftpjail" "$MERGED/usr/libexec/sftpjail" "$MERGED/usr/share/sftpjail" \
                "$MERGED"/lib/systemd/system/sftpjail* "$MERGED"/usr/lib/systemd/system/sftpjail* \
                "$MERGED/etc/systemd/system/sftpjail"* "$MERGED/etc/tmpfiles.d/sftpjail"* "$MERGED/srv/sftp"
        DESTDIR=$MERGED meson install -C "$W/build" --no-rebuild >>"$W/meson.log" 2>&1 || { cat "$W/meson.log" >&2; bail "meson install failed"; }
        LAUNCHER=/usr/libexec/sftpjail/sftpjail
        # What the install hook does outside DESTDIR installs.
        setcap cap_chown,cap_setpcap,cap_sys_admin=p "$MERGED$LAUNCHER" || bail "setcap on the overlay"
        install -m 0644 "$SRCDIR/docs/sftpjail.conf.example" "$MERGED/etc/sftpjail/sftpjail.conf"
}

# The container's settings, as an admin would make them, and a client key.
container_prepare() {
        # Boot to basic.target: none of the image's own services (its sshd, its
        # databases...) would start and bind ports on the shared network.  And never
        # nftables.service: it flushes the ruleset, the host's ruleset here.
        ln -sf /lib/systemd/system/basic.target "$MERGED/etc/systemd/system/default.target"
        for u in nftables.service ssh.service ssh.socket; do ln -sf /dev/null "$MERGED/etc/systemd/system/$u"; done
        UUID=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
        echo "$UUID" >"$MERGED/etc/machine-id"
        # The group comes from sysusers.d at boot; drop any copy of the host's.
        sed -i '/^sftpjail:/d' "$MERGED/etc/group" "$MERGED/etc/gshadow" 2>/dev/null

        # Test settings, as an admin would make them: a free port on loopback.
        install -d "$MERGED/etc/systemd/system/sftpjail-sshd.socket.d"
        printf '[Socket]\nListenStream=\nListenStream=127.0.0.1:%s\n' "$PORT" \
                >"$MERGED/etc/systemd/system/sftpjail-sshd.socket.d/test.conf"
        sed -i -e "s/^Port .*/Port $PORT/" -e "s/^#ListenAddress 0.0.0.0/ListenAddress 127.0.0.1/" \
                "$MERGED/etc/sftpjail/sshd_config"
        ssh-keygen -q -t ed25519 -N '' -C sftpjail-test -f "$CLIENT_KEY" || bail "ssh-keygen"

}

container_boot() {
        # ---- boot ----
        # In a child cgroup of ours, Landlock allowed (tests/lib-nspawn.sh).
        # nspawn's default capability set lacks CAP_NET_ADMIN without a
        # private network: the rate-limit unit needs it (used in a netns of
        # its own only).
        ns_boot "$MERGED" "$W/nspawn.log" --capability=CAP_NET_ADMIN
        # shellcheck disable=SC2034 # NSPAWN_WRAPPER: for the tests (the shutdown check)
        CPID=$NS_PID NSPAWN_WRAPPER=$NS_WRAPPER
        diag "container booted in $((SECONDS - START))s since test start, init pid $CPID"
        ok "systemd boots in the container"

        # On a host with the legacy/hybrid cgroup layout, systemd-nspawn mounts the
        # v1 controllers read-only, and the container's systemd then enforces no
        # TasksMax=/MemoryMax=.  Make them writable in the container's mount
        # namespace (a per-mount flag: the host's view is unchanged) and let
        # systemd re-detect them.  A no-op on unified (v2) hosts.
        remounted=
        for h in pids memory cpu cpuacct; do
                if C findmnt -rn -t cgroup -O ro "/sys/fs/cgroup/$h" >/dev/null 2>&1; then
                        C mount -o remount,bind,rw "/sys/fs/cgroup/$h" && remounted+=" $h"
                fi
        done
        if [ -n "$remounted" ]; then
                diag "legacy cgroup controllers made writable in the container:$remounted"
                C systemctl daemon-reexec
                wait_for 30 C systemctl is-system-running
        fi

}
