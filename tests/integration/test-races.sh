#!/bin/bash
# A hostile uploads directory: replaced by a symlink to / or /etc before
# login, and swapped back and forth with such a symlink while logins run.
# No login may ever see the target; each either works normally or is
# refused.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-race
make_user $U
write_config <<CFG
[user $U]
access = uploads
CFG
start_sshd < <(sshd_jail_match)
H=$TESTROOT/home/$U
W=$(mktemp -d); on_exit "rm -rf $W"
touch "$H/uploads/marker-of-uploads"
chown $U: "$H/uploads/marker-of-uploads"

# Before login: uploads is a symlink.
for target in / /etc; do
        mv "$H/uploads" "$H/uploads.real"
        ln -s $target "$H/uploads"
        out=$(sftp_batch $U <<<"ls -1 uploads" 2>&1); rc=$?
        check "uploads -> $target: login refused" [ $rc -ne 0 ]
        check "uploads -> $target: nothing of $target listed" bash -c '! grep -qxE "(passwd|shadow|etc|boot|usr)" <<<"$1"' _ "$out"
        check "uploads -> $target: refusal logged with the reason" wait_log "user=$U refused: uploads directory .* is a symlink"
        rm "$H/uploads"; mv "$H/uploads.real" "$H/uploads"
done

# The home itself reached through a symlink is refused.
mv "$H" "$H.real"; ln -s "$H.real" "$H"
out=$(sftp_batch $U <<<"ls" 2>&1); rc=$?
check "home path through a symlink: login refused" [ $rc -ne 0 ]
check "home path symlink refusal logged" wait_log "user=$U refused: home directory .* is a symlink or not a directory"
rm "$H"; mv "$H.real" "$H"

# During login: a loop exchanges uploads and a symlink to /etc atomically
# (renameat2 RENAME_EXCHANGE), as fast as it can.
ln -s /etc "$H/evil"
"$PY" - "$H/uploads" "$H/evil" "$W/stop" <<'PY' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b, stop = (p.encode() for p in sys.argv[1:4])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while not os.path.exists(stop):
    for _ in range(200):
        libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)
PY
swapper=$!
on_exit "touch $W/stop; kill $swapper"
ok_n=0 refused_n=0 leaked=0 other=0
for i in $(seq 1 120); do
        out=$(sftp_batch $U <<<"ls -1 uploads" 2>&1); rc=$?
        # The jail's own /etc has passwd and group only: a name that only
        # the host's /etc has means the host's /etc was mounted.
        if grep -qxE "uploads/(shadow|hostname|fstab|os-release|ssh|hosts)" <<<"$out"; then
                leaked=$((leaked + 1)); diag "login $i leaked: $out"
        elif [ $rc -eq 0 ] && grep -q "marker-of-uploads" <<<"$out"; then
                ok_n=$((ok_n + 1))
        elif [ $rc -ne 0 ]; then
                refused_n=$((refused_n + 1))
        else
                other=$((other + 1))
        fi
done
touch "$W/stop"; wait $swapper 2>/dev/null
diag "race: $ok_n normal, $refused_n refused, $leaked leaked, $other other"
check "no login ever listed /etc through uploads" [ $leaked -eq 0 ]
# "other": the session worked, but the name "uploads" in the (shared)
# home pointed at the symlink at that instant, which resolves inside the
# jail (to its own /etc at worst).
check "every session that started saw uploads or the jail's own tree" [ $((ok_n + other + refused_n)) -eq 120 ]
check "refusals name the race" wait_log "user=$U refused: uploads directory .* (changed during login|is a symlink)"
check "the race was real: some logins were refused" [ $refused_n -gt 0 ]
check "the race was real: some logins worked" [ $ok_n -gt 0 ]
# Leave uploads as a directory again.
[ -L "$H/uploads" ] && "$PY" -c "import ctypes,sys; ctypes.CDLL(None).renameat2(-100,sys.argv[1].encode(),-100,sys.argv[2].encode(),2)" "$H/uploads" "$H/evil"
check "uploads is a directory again" [ -d "$H/uploads" ] && [ ! -L "$H/uploads" ]
check "no mount of /etc leaked to the host" bash -c '! grep -q " $1/uploads " /proc/1/mountinfo' _ "$H"

done_testing
