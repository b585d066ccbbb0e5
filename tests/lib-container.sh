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
#   container_boot           boot it; sets CPID
#   C CMD...                 run CMD in the container
#   journal ARGS...          its journalctl -o cat
#
# Needs: systemd-nspawn (systemd-container), OpenSSH, meson, ninja.

C_PATH=/usr/sbin:/usr/bin:/sbin:/bin
# C CMD...: run a command in the booted container (all its namespaces), with
# a clean environment and a time limit.
C() { timeout "${CT:-60}" nsenter -t "$CPID" -a env -i PATH=$C_PATH SYSTEMD_PAGER= SYSTEMD_COLORS=0 LANG=C.UTF-8 "$@"; }
# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
        local n=$(( $1 * 5 )) i; shift
        for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        return 1
}
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
        # Our own child cgroup on every hierarchy: whatever the container's systemd
        # creates lands below it and is removed with it.
        CGDIRS=()
        while read -r mnt fstype opts; do
                while IFS=: read -r _ ctrls path; do
                        if [ "$fstype" = cgroup2 ]; then [ -z "$ctrls" ] || continue
                        else [ -n "$ctrls" ] && [[ ",$opts," == *",${ctrls%%,*},"* ]] || continue; fi
                        d=$mnt${path%/}/sftpjail-test.$$
                        mkdir -p "$d" 2>/dev/null || continue
                        # A new v1 cpuset has no CPUs or memory nodes until given some.
                        for f in cpuset.cpus cpuset.mems; do
                                [ -f "$d/$f" ] && cat "$mnt${path%/}/$f" >"$d/$f"
                        done
                        CGDIRS+=("$d")
                done </proc/self/cgroup
        done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
        _cg_cleanup() {
                local d p
                for d in "${CGDIRS[@]}"; do
                        find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null |
                                while read -r p; do kill -9 "$p" 2>/dev/null; done
                done
                sleep 0.3
                for d in "${CGDIRS[@]}"; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
        }
        on_exit _cg_cleanup

        (
                for d in "${CGDIRS[@]}"; do echo "$BASHPID" >"$d/cgroup.procs" || { echo "cannot join $d" >&2; exit 1; }; done
                # nspawn's own seccomp allow-list predates Landlock (EPERM inside
                # the container, where a real host has it): allow it.  Its default
                # capability set lacks CAP_NET_ADMIN without a private network: the
                # rate-limit unit needs it (used in a netns of its own only).
                exec timeout -k 10 600 systemd-nspawn -q -D "$MERGED" --uuid="$UUID" --register=no --keep-unit \
                        --console=pipe --capability=CAP_NET_ADMIN \
                        --system-call-filter="landlock_create_ruleset landlock_add_rule landlock_restrict_self" -b
        ) </dev/null >"$W/nspawn.log" 2>&1 &
        NSPAWN_WRAPPER=$!
        _stop_container() {
                if [ -n "${CPID:-}" ] && kill -0 "$CPID" 2>/dev/null; then
                        CT=10 C systemctl poweroff --no-block >/dev/null 2>&1
                        wait_for 30 eval '! kill -0 $CPID 2>/dev/null'
                fi
                kill "$NSPAWN_WRAPPER" 2>/dev/null
                wait_for 10 eval '! kill -0 $NSPAWN_WRAPPER 2>/dev/null'
        }
        on_exit _stop_container

        # The container's init is the child of systemd-nspawn (timeout's child).
        CPID=
        for _ in $(seq 1 100); do
                np=$(pgrep -P "$NSPAWN_WRAPPER" -x systemd-nspawn) && CPID=$(pgrep -P "$np" | head -n1) && [ -n "$CPID" ] &&
                        [ "$(cat /proc/"$CPID"/comm 2>/dev/null)" = systemd ] && break
                CPID=; sleep 0.1
        done
        [ -n "$CPID" ] || { cat "$W/nspawn.log" >&2; ps -ef --forest >&2; bail "systemd-nspawn did not start systemd"; }
        wait_for 30 C test -S /run/systemd/private
        state=$(CT=90 C systemctl is-system-running --wait)
        diag "container booted ($state) in $((SECONDS - START))s since test start, init pid $CPID"
        case "$state" in running | degraded) ok "systemd boots in the container" ;;
        *) not_ok "systemd boots in the container (state: $state)"; cat "$W/nspawn.log" >&2; bail "no booted container" ;; esac

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
