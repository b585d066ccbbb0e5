# shellcheck shell=bash
# Containers for tests that need a whole machine: an overlay of a root
# directory, run with systemd-nspawn, either booted (systemd as PID 1) or
# running one command (no init system).  Source after lib.sh (on_exit,
# bail, diag), inside enter_private_ns: the overlays vanish with the test's
# mount namespace.  The containers share the host's network unless given
# --private-network.

# nspawn's own seccomp allow list (systemd 252) predates Landlock: inside
# the container the launcher would get EPERM where a real host has it.
NS_SYSCALLS="landlock_create_ruleset landlock_add_rule landlock_restrict_self"
NS_PATH=/usr/sbin:/usr/bin:/sbin:/bin

# ns_overlay DIR LOWER[:LOWER...]: mount an overlay of the lower
# directories (leftmost on top) at DIR/merged, changes in DIR/upper.
ns_overlay() {
        local dir=$1 lower=$2
        mkdir -p "$dir/upper" "$dir/work" "$dir/merged" || bail "mkdir $dir"
        mount -t overlay sftpjail-test -o "lowerdir=$lower,upperdir=$dir/upper,workdir=$dir/work" "$dir/merged" ||
                bail "overlay mount on $dir"
        on_exit "umount -l $dir/merged"
        # Each container a machine of its own.
        od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$dir/merged/etc/machine-id"
}

# ns_run ROOT [nspawn options...] -- COMMAND...: run COMMAND in a container
# without an init system (nspawn's stub init is PID 1, COMMAND PID 2; when
# it ends, every process it left behind is killed with the pid namespace),
# time limit CT (default 600 s).
ns_run() {
        local root=$1 opts=()
        shift
        while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
        shift
        timeout -k 10 "${CT:-600}" systemd-nspawn -q -D "$root" --uuid="$(cat "$root/etc/machine-id")" --register=no --keep-unit \
                --console=pipe --as-pid2 --system-call-filter="$NS_SYSCALLS" "${opts[@]}" \
                env -i PATH=$NS_PATH HOME=/root LANG=C.UTF-8 TERM=dumb "$@" </dev/null
}

# ns_boot ROOT LOG [nspawn options...]: boot ROOT with systemd-nspawn -b in
# the background; sets NS_PID (the container's systemd) once it is up.
# Stopped by ns_stop (also at exit).
ns_boot() {
        local root=$1 log=$2 np i
        shift 2
        # Our own child cgroup on every hierarchy: whatever the container's
        # systemd creates lands below it, and goes with it.
        _ns_cgroups
        (
                for d in "${NS_CGDIRS[@]}"; do echo "$BASHPID" >"$d/cgroup.procs" || exit 1; done
                exec timeout -k 10 1800 systemd-nspawn -q -D "$root" --uuid="$(cat "$root/etc/machine-id")" \
                        --register=no --keep-unit --console=pipe --system-call-filter="$NS_SYSCALLS" "$@" -b
        ) </dev/null >"$log" 2>&1 &
        NS_WRAPPER=$!
        on_exit ns_stop
        NS_PID=
        for i in $(seq 1 100); do
                np=$(pgrep -P "$NS_WRAPPER" -x systemd-nspawn) && NS_PID=$(pgrep -P "$np" | head -n1) &&
                        [ -n "$NS_PID" ] && [ "$(cat /proc/"$NS_PID"/comm 2>/dev/null)" = systemd ] && break
                NS_PID=; sleep 0.1
        done
        [ -n "$NS_PID" ] || { cat "$log" >&2; bail "systemd-nspawn did not start systemd in $root"; }
        ns_wait 30 C test -S /run/systemd/private || bail "the container's systemd does not answer"
        local state
        state=$(CT=120 C systemctl is-system-running --wait)
        case $state in running | degraded) ;; *) cat "$log" >&2; bail "the container did not boot ($state)" ;; esac
        [ "$state" = running ] || diag "container booted $state: $(C systemctl --failed --no-legend --plain | tr '\n' ' ')"
}

# C COMMAND...: run COMMAND in the booted container (all its namespaces),
# clean environment, time limit CT (default 60 s).
C() {
        timeout "${CT:-60}" nsenter -t "$NS_PID" -a env -i PATH=$NS_PATH HOME=/root LANG=C.UTF-8 TERM=dumb \
                SYSTEMD_PAGER= SYSTEMD_COLORS=0 "$@"
}

# ns_stop: power the booted container off (and kill what is left).
ns_stop() {
        if [ -n "${NS_PID:-}" ] && kill -0 "$NS_PID" 2>/dev/null; then
                CT=10 C systemctl poweroff --no-block >/dev/null 2>&1
                ns_wait 30 eval '! kill -0 $NS_PID 2>/dev/null'
        fi
        [ -n "${NS_WRAPPER:-}" ] && kill "$NS_WRAPPER" 2>/dev/null
        [ -n "${NS_WRAPPER:-}" ] && ns_wait 10 eval '! kill -0 $NS_WRAPPER 2>/dev/null'
        _ns_cgroups_cleanup
        NS_PID='' NS_WRAPPER=''
}

# ns_wait SECONDS COMMAND...: poll until COMMAND succeeds.
ns_wait() {
        local n=$(($1 * 5)) i
        shift
        for ((i = 0; i < n; i++)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.2; done
        return 1
}

NS_CGDIRS=()
_ns_cgroups() {
        local mnt fstype opts ctrls path d f
        NS_CGDIRS=()
        while read -r mnt fstype opts; do
                while IFS=: read -r _ ctrls path; do
                        if [ "$fstype" = cgroup2 ]; then [ -z "$ctrls" ] || continue
                        else [ -n "$ctrls" ] && [[ ",$opts," == *",${ctrls%%,*},"* ]] || continue; fi
                        d=$mnt${path%/}/sftpjail-ns.$$
                        mkdir -p "$d" 2>/dev/null || continue
                        # A new v1 cpuset has no CPUs or memory nodes until given some.
                        for f in cpuset.cpus cpuset.mems; do
                                [ -f "$d/$f" ] && cat "$mnt${path%/}/$f" >"$d/$f"
                        done
                        NS_CGDIRS+=("$d")
                done </proc/self/cgroup
        done < <(findmnt -rn -t cgroup,cgroup2 -o TARGET,FSTYPE,OPTIONS)
}
_ns_cgroups_cleanup() {
        local d p
        for d in "${NS_CGDIRS[@]}"; do
                find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null |
                        while read -r p; do kill -9 "$p" 2>/dev/null; done
        done
        sleep 0.3
        for d in "${NS_CGDIRS[@]}"; do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
        NS_CGDIRS=()
}
