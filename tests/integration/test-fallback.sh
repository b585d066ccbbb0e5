#!/bin/bash
# Kernels without a feature: a seccomp filter around the launcher (put there
# by tests/helpers/enosys-exec, as crun's no_openat2 test does) makes the
# feature's syscalls fail with ENOSYS.  Without Landlock the jail is still
# complete; without the new mount API or openat2 the login is refused.
# Never a weaker jail in silence.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-sc-fb
make_user $U
write_config <<CFG
[user $U]
CFG
H=$TESTROOT/home/$U
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
ENOSYS=$BUILD/tests/enosys-exec

# Without Landlock: a live session, then its state.
rm -f "$W/cmd"; mkfifo "$W/cmd"; chmod 0666 "$W/cmd"
(cd "$W" && "$ENOSYS" $U landlock_create_ruleset,landlock_add_rule,landlock_restrict_self \
        /usr/bin/sftp -D "$LAUNCHER --subsystem" -b - <"$W/cmd" >"$W/out" 2>&1) &
client=$!
exec 7>"$W/cmd"
echo "ls uploads" >&7
spid=
for _ in $(seq 1 100); do spid=$(pgrep -u $U -x sftp-server | head -1); [ -n "$spid" ] && break; sleep 0.05; done
check "no Landlock: the session runs" [ -n "$spid" ]
status_field() { awk -v k="$2:" '$1==k{print $2}' "/proc/$1/status"; }
check "no Landlock: capabilities still all empty" \
        bash -c 'for c in CapInh CapPrm CapEff CapBnd CapAmb; do [ "$(awk -v k="$c:" "\$1==k{print \$2}" /proc/$1/status)" = 0000000000000000 ] || exit 1; done' _ "$spid"
check "no Landlock: no_new_privs" [ "$(status_field "$spid" NoNewPrivs)" = 1 ]
check "no Landlock: seccomp filter still loaded" [ "$(status_field "$spid" Seccomp)" = 2 ]
check "no Landlock: own mount namespace" [ "$(readlink /proc/$spid/ns/mnt)" != "$(readlink /proc/1/ns/mnt)" ]
check "no Landlock: home still read-only in the jail" \
        bash -c 'awk -v m="$2" "\$5==m{print \$6}" /proc/$1/mountinfo | grep -q "^ro,"' _ "$spid" "$H"
echo bye >&7; exec 7>&-; wait $client
check "no Landlock: the session worked" [ $? -eq 0 ]
check "no Landlock: said so in the log, not silently" wait_log "user=$U sftp-server: sftpjail: note: this kernel has no Landlock"

# Landlock built in but disabled at boot (EOPNOTSUPP): the same complete
# jail, said so.
: >"$W/eop.out"
echo "ls uploads" | "$ENOSYS" $U landlock_create_ruleset=95 /usr/bin/sftp -D "$LAUNCHER --subsystem" -b - >"$W/eop.out" 2>&1
check "Landlock disabled at boot: the session works" [ $? -eq 0 ]
check "Landlock disabled at boot: said so in the log" \
        bash -c '[ "$(grep -c "user=$1 sftp-server: sftpjail: note: this kernel has no Landlock" "$2")" -ge 2 ]' _ $U "$SYSLOG"

# Landlock present but failing part-way: refused, never a session without it.
for sc in landlock_add_rule landlock_restrict_self landlock_create_ruleset=1; do
        err=$("$ENOSYS" $U $sc "$LAUNCHER" --subsystem </dev/null 2>&1); rc=$?
        check "Landlock failing ($sc): login refused (rc=$rc)" [ $rc -ne 0 ]
        check "Landlock failing ($sc): the refusal names it" grep -q "^sftpjail: login refused: .*landlock" <<<"$err"
done

# Without the new mount API or openat2: refused, with the reason.
for sc in open_tree fsopen fsmount move_mount mount_setattr openat2; do
        err=$("$ENOSYS" $U $sc "$LAUNCHER" --subsystem </dev/null 2>&1); rc=$?
        check "no $sc: login refused (rc=$rc)" [ $rc -ne 0 ]
        check "no $sc: the refusal names it" grep -q "^sftpjail: login refused: .*Function not implemented" <<<"$err"
        check "no $sc: no sftp-server ran" bash -c '! pgrep -u "$1" -x sftp-server' _ $U
done
done_testing
