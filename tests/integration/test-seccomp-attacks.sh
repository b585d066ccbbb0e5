#!/bin/bash
# Attacks from inside a jail identical to a real login's: the launcher is
# configured to exec tests/helpers/try-syscall in place of sftp-server, so
# the helper runs with the same namespaces, capabilities, Landlock and
# seccomp filter.  Every syscall the policy refuses is tried; each must be
# killed or fail with the policy's errno, never run.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-sc-att
make_user $U
H=$TESTROOT/home/$U
# Built here, without the build's sanitizers: an ASan runtime makes
# syscalls of its own that the filter (rightly) kills.
cc -O2 -D_GNU_SOURCE -o "$TESTROOT/bin/try-syscall" "$SRCDIR/tests/helpers/try-syscall.c" || bail "cannot build try-syscall"
chown root:root "$TESTROOT/bin/try-syscall"; chmod 0755 "$TESTROOT/bin/try-syscall"
write_config <<CFG
[global]
sftp_server = $TESTROOT/bin/try-syscall
[user $U]
CFG
POLICY=$SRCDIR/seccomp/sftp-server.policy

# attack NAME: run one attack in a fresh jail; sets OUT (helper's stdout)
# and RC (the launcher's exit status).  A refused syscall never runs: the
# supervisor is notified, logs it by name and SIGKILLs the jail; a foreign
# ABI hits the filter's bad-arch action, SIGSYS.  Both exit 159.
attack() {
        OUT=$(echo "$1" | setpriv --reuid $U --regid $U --init-groups "$LAUNCHER" --subsystem 2>/dev/null)
        RC=$?
}
killed() { attack "$1"; [ $RC -eq 159 ] && [ -z "$OUT" ]; }
killed_named() { killed "$1" && grep -q "user=$U seccomp: sftp-server called $2 (nr " "$SYSLOG"; }
badarch() { attack "$1"; [ $RC -eq 159 ] && [ -z "$OUT" ]; }
fails_with() { attack "$1"; [ "$OUT" = "errno $2" ]; }

# The helper itself works under the filter: otherwise every "killed"
# below would prove nothing.
check "allowed: getpid works in the jail" bash -c 'o=$(echo getpid | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = ok ]' _ $U "$LAUNCHER"
check "allowed: write reaches the kernel (EBADF on fd -1)" fails_with write 9
check "the jail's exit status is passed on" bash -c 'echo nope | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem >/dev/null 2>&1; [ $? -eq 2 ]' _ $U "$LAUNCHER"

# Every "kill" line of the policy: killed, whatever the arguments.
kills=$(awk '$1=="kill"{for(i=2;i<=NF;i++) if ($i !~ /^#/) print $i; else break}' "$POLICY")
n=0 bad=()
for name in $kills; do
        nr=$(scmp_sys_resolver -a x86_64 "$name" 2>/dev/null)
        [ -n "$nr" ] && [ "$nr" -ge 0 ] 2>/dev/null || continue # not a syscall on x86_64
        n=$((n + 1))
        killed_named "nr $nr" "$name" || bad+=("$name(rc=$RC,$OUT)")
done
check "all $n syscalls of the policy's kill list are stopped and logged by name (${bad[*]:-none failed})" [ ${#bad[@]} -eq 0 ]
check "the kill list is not empty" [ "$n" -gt 40 ]

# A syscall the policy never mentions: the default action kills.
check "an unlisted syscall (kill) is stopped and named" killed_named kill-1 kill
check "an unlisted syscall (sysinfo) is stopped and named" killed_named "nr $(scmp_sys_resolver -a x86_64 sysinfo)" sysinfo
check "the session end names the refused syscall" wait_log "user=$U session end signal=SIGKILL \(refused syscall sysinfo\)"

# Every "errno" line of the policy: the policy's errno, with arguments
# (all -1) that the kernel would answer with another one (EBADF, EINVAL,
# EAFNOSUPPORT, EFAULT) had the call run.
n=0 bad=()
while read -r err names; do
        num=$("$PY" -c 'import errno, sys; print(getattr(errno, sys.argv[1]))' "$err")
        for name in $names; do
                [ "${name#\#}" = "$name" ] || break
                n=$((n + 1))
                fails_with "nr $(scmp_sys_resolver -a x86_64 "$name")" "$num" || bad+=("$name(rc=$RC,$OUT)")
        done
done < <(awk '$1=="errno"{$1=""; print}' "$POLICY")
check "all $n syscalls of the policy's errno lines fail with their errno (${bad[*]:-none failed})" [ ${#bad[@]} -eq 0 ]
check "socket(AF_UNIX) fails with EACCES (nscd probe)" fails_with socket-unix 13
check "socket(AF_INET) fails with EACCES" fails_with socket-inet 13
check "clone3 fails with ENOSYS (glibc falls back to clone)" fails_with clone3 38
check "clone with namespace flags is stopped" killed_named clone-newuser clone

# Argument filters: only the traced values pass.
check "sendmsg on fd 3 reaches the kernel (EBADF: nothing open there)" fails_with sendmsg-3 9
check "prctl(PR_SET_DUMPABLE) works" bash -c 'o=$(echo prctl-dumpable | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = ok ]' _ $U "$LAUNCHER"
check "prctl with another option is stopped and named" killed_named prctl-other prctl
check "prctl(PR_SET_DUMPABLE) with the high 32 bits set is stopped" killed_named prctl-dumpable-high prctl
check "mmap read-write works" bash -c 'o=$(echo mmap-rw | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = ok ]' _ $U "$LAUNCHER"
check "mmap writable and executable (W^X) is stopped and named" killed_named mmap-wx mmap
check "mprotect to read-only works" bash -c 'o=$(echo mprotect-r | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = ok ]' _ $U "$LAUNCHER"
check "mprotect to executable is stopped and named" killed_named mprotect-x mprotect

nr() { scmp_sys_resolver -a x86_64 "$1"; }
# args: a raw syscall with the given arguments.  Allowed values reach the
# kernel (EFAULT on a NULL pointer); others are stopped.
check "futex(FUTEX_WAKE_PRIVATE) reaches the kernel (EINVAL: misaligned)" fails_with "args $(nr futex) 1 129 1 0 0 0" 22
check "futex(FUTEX_LOCK_PI_PRIVATE) is stopped and named" killed_named "args $(nr futex) 0 134 0 0 0 0" futex
check "futex(FUTEX_CMP_REQUEUE_PI) is stopped and named" killed_named "args $(nr futex) 0 12 1 0 0 0" futex
check "prlimit64 reading (new limit NULL) reaches the kernel" fails_with "args $(nr prlimit64) 0 7 0 1 0 0" 14
check "prlimit64 setting a limit is stopped and named" killed_named "args $(nr prlimit64) 0 7 1 0 0 0" prlimit64
check "arch_prctl(ARCH_GET_FS) is stopped and named" killed_named "args $(nr arch_prctl) 0x1003 0 0 0 0 0" arch_prctl
check "arch_prctl(ARCH_MAP_VDSO_64) is stopped and named" killed_named "args $(nr arch_prctl) 0x2003 0 0 0 0 0" arch_prctl

# Foreign ABIs never run.
check "x32 getpid (nr | 0x40000000) is killed (bad arch)" badarch x32-getpid
check "x32 write is killed (bad arch)" badarch x32-write
check "a bad-arch kill is logged as the seccomp filter's" wait_log "user=$U session end signal=SIGSYS \(killed by the seccomp filter\)"
# int 0x80 outside the jail tells whether this kernel runs i386 syscalls
# at all (ia32 emulation may be off: then it is a SIGSEGV everywhere).
native=$(echo int80-getpid | "$TESTROOT/bin/try-syscall" 2>/dev/null)
attack int80-getpid
if [ "$native" = ok ]; then
        check "i386 getpid through int 0x80 is killed (kernel has ia32 emulation)" [ $RC -eq 159 ]
else
        check "i386 getpid through int 0x80 never runs (kernel without ia32 emulation: rc=$RC)" \
                bash -c '[ "$1" != ok ] && [ "$2" -ge 128 ]' _ "$OUT" $RC
fi

# ioctl: nothing sftp-server needs; TIOCSTI/TIOCLINUX refused in any encoding.
check "TIOCSTI refused" fails_with tiocsti 25
check "TIOCSTI with the high 32 bits set refused" fails_with tiocsti-high 25
check "TIOCLINUX refused" fails_with tioclinux 25

# Landlock and mount flags, from inside.
printf '#!/bin/sh\necho pwned\n' >"$H/uploads/x"; chmod 0755 "$H/uploads/x"; chown $U "$H/uploads/x"
check "exec of an uploaded file fails (EACCES)" fails_with "exec $H/uploads/x" 13
check "exec of /dev/null fails (EACCES)" fails_with exec-devnull 13
check "exec of the loader itself fails (Landlock allows only the exec of sftp-server's files, noexec elsewhere)" \
        bash -c 'o=$(echo "exec /etc/passwd" | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = "errno 13" ]' _ $U "$LAUNCHER"
attack "open-write $H/newfile"
check "creating a file in the read-only home fails ($OUT)" bash -c '[ "$1" = "errno 13" ] || [ "$1" = "errno 30" ]' _ "$OUT"
attack "open-write /etc/passwd"
check "writing the jail's /etc/passwd fails ($OUT)" bash -c '[ "$1" = "errno 13" ] || [ "$1" = "errno 30" ]' _ "$OUT"
attack "open-write $H/uploads/newfile"
check "creating a file in uploads works ($OUT)" [ "$OUT" = ok ]
check "reading the home works" bash -c 'o=$(echo "open-read $3" | setpriv --reuid "$1" --regid "$1" --init-groups "$2" --subsystem 2>/dev/null); [ "$o" = ok ]' _ $U "$LAUNCHER" "$H"

# A seccomp listener above the launcher (a container manager intercepting
# syscalls; tests/helpers/enosys-exec holds one): the kernel allows one
# listener per filter chain, so the launcher loads the same policy with
# "kill" as its default.  Same refusals, only the name is missing.
ENOSYS=$BUILD/tests/enosys-exec
outer() { OUT=$(echo "$1" | "$ENOSYS" --hold-listener $U - "$LAUNCHER" --subsystem 2>/dev/null); RC=$?; }
outer getpid
check "outer listener: the helper runs under the filter ($OUT)" [ "$OUT" = ok ]
check "outer listener: said so in the log" wait_log "user=$U sftp-server: sftpjail: note: a seccomp listener above the launcher"
outer "nr $(scmp_sys_resolver -a x86_64 ptrace)"
check "outer listener: ptrace is killed by the filter itself (rc=$RC)" bash -c '[ "$1" -eq 159 ] && [ -z "$2" ]' _ $RC "$OUT"
outer "nr $(scmp_sys_resolver -a x86_64 sysinfo)"
check "outer listener: an unlisted syscall is killed too (rc=$RC)" bash -c '[ "$1" -eq 159 ] && [ -z "$2" ]' _ $RC "$OUT"
outer socket-unix
check "outer listener: errno lines unchanged ($OUT)" [ "$OUT" = "errno 13" ]
outer mprotect-x
check "outer listener: W^X still enforced (rc=$RC)" [ $RC -eq 159 ]
check "outer listener: no holder process left behind" bash -c 'sleep 0.2; ! pgrep -f "enosys-exe[c] --hold-listener"'

done_testing
