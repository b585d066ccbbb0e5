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
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
touch "$H/uploads/marker-of-uploads"
chown $U: "$H/uploads/marker-of-uploads"

# The only names a jailed "ls -1 uploads" may show: the marker of the
# real uploads, or (when the name "uploads" was the symlink at that
# instant, which then resolves inside the jail) the jail's own /etc.
listing_ok() { # OUTPUT
        local l
        while IFS= read -r l; do
                case "$l" in
                "sftp> "*|"") ;;
                uploads/marker-of-uploads|uploads/passwd|uploads/group) ;;
                *"Couldn't"*|*"not found"*|*"No such file"*|*"Connection closed"*|*"Permission denied"*) ;;
                *) return 1 ;;
                esac
        done <<<"$1"
}
mounts_snapshot() { cut -d' ' -f5- /proc/1/mountinfo | sort; cut -d' ' -f5- /proc/self/mountinfo | sort; }
mounts_before=$(mounts_snapshot)

# swap_as WHO PATH: replace uploads with a symlink to PATH, as root or as
# the user themself (a user-owned home lets them rename in it).
swap_as() {
        local who=$1 target=$2 run=()
        [ "$who" = root ] || run=(setpriv --reuid "$U" --regid "$U" --clear-groups)
        "${run[@]}" mv "$H/uploads" "$H/uploads.real" && "${run[@]}" ln -s "$target" "$H/uploads"
}
unswap_as() {
        local who=$1 run=()
        [ "$who" = root ] || run=(setpriv --reuid "$U" --regid "$U" --clear-groups)
        "${run[@]}" rm "$H/uploads" && "${run[@]}" mv "$H/uploads.real" "$H/uploads"
}

# Before login: uploads is a symlink (made by root, or by the user in a
# home they own).
for who in root user; do
        if [ $who = user ]; then chown $U "$H"; else chown root "$H"; fi
        for target in / /etc ../../../../../../etc uploads.real; do
                check "[$who] uploads replaced by a symlink to $target" swap_as $who $target
                out=$(sftp_batch $U <<<"ls -1 uploads" 2>&1); rc=$?
                check "[$who] uploads -> $target: login refused (rc=$rc)" [ $rc -ne 0 ]
                check "[$who] uploads -> $target: nothing listed" bash -c '! grep -q "^uploads/" <<<"$1"' _ "$out"
                err=$(setpriv --reuid $U --regid $U --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >/dev/null); rc=$?
                check "[$who] uploads -> $target: the launcher says why (rc=$rc)" \
                        grep -q "^sftpjail: login refused: uploads directory $H/uploads is a symlink" <<<"$err"
                check "[$who] uploads -> $target: refusal logged with the reason" wait_log "user=$U refused: uploads directory .* is a symlink"
                check "[$who] uploads -> $target: nothing mounted here or on the host" [ "$(mounts_snapshot)" = "$mounts_before" ]
                unswap_as $who
        done
done
chown root "$H"
check "the setup works again after the swaps" sftp_batch $U <<<"ls uploads"

# The home itself reached through a symlink is refused.
mv "$H" "$H.real"; ln -s "$H.real" "$H"
out=$(sftp_batch $U <<<"ls" 2>&1); rc=$?
check "home path is a symlink: login refused" [ $rc -ne 0 ]
check "home path symlink refusal logged" wait_log "user=$U refused: home directory .*: component '$U' is a symlink"
rm "$H"; mv "$H.real" "$H"
# ... and so is a home whose parent is a symlink.
mv "$TESTROOT/home" "$TESTROOT/home.real"; ln -s home.real "$TESTROOT/home"
out=$(sftp_batch $U <<<"ls" 2>&1); rc=$?
rm "$TESTROOT/home"; mv "$TESTROOT/home.real" "$TESTROOT/home"
check "home's parent is a symlink: login refused" [ $rc -ne 0 ]
check "home's parent symlink refusal logged" wait_log "user=$U refused: home directory .*: component 'home' is a symlink"

# During login: a loop exchanges uploads and a symlink to /etc atomically
# (renameat2 RENAME_EXCHANGE), as fast as it can, while logins list
# uploads.  RUNAS is empty (root) or a setpriv prefix (the user, in a home
# they own).
race() { # LABEL LOGINS [setpriv ...]
        local label=$1 n=$2; shift 2
        local ok_n=0 refused_n=0 leaked=0 other=0 i out rc
        rm -f "$W/stop"
        "$@" ln -s /etc "$H/evil"
        "$@" "$PY" - "$H/uploads" "$H/evil" "$W/stop" <<'PY' &
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
a, b, stop = (p.encode() for p in sys.argv[1:4])
AT_FDCWD, RENAME_EXCHANGE = -100, 2
while not os.path.exists(stop):
    for _ in range(200):
        if libc.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) != 0:
            sys.exit("renameat2: " + os.strerror(ctypes.get_errno()))
PY
        local swapper=$!
        on_exit "touch $W/stop; kill $swapper"
        sleep 0.2
        check "[$label] the swapper is running" kill -0 $swapper
        local named0 any0 named any
        named0=$(grep -cE "user=$U refused: uploads directory $H/uploads (changed during login|is a symlink)" "$SYSLOG")
        any0=$(grep -c "user=$U refused" "$SYSLOG")
        # At least LOGINS logins, and on until both outcomes were seen (a
        # slow build, ASan, shifts the odds a lot), up to 6 x LOGINS.
        i=0
        while [ $i -lt "$n" ] || { [ $refused_n -eq 0 ] || [ $((ok_n + other)) -eq 0 ]; } && [ $i -lt $((6 * n)) ]; do
                i=$((i + 1))
                out=$(sftp_batch $U <<<"ls -1 uploads" 2>&1); rc=$?
                if ! listing_ok "$out"; then
                        leaked=$((leaked + 1)); diag "login $i leaked: $out"
                elif [ $rc -eq 0 ] && grep -qx "uploads/marker-of-uploads" <<<"$out"; then
                        ok_n=$((ok_n + 1))
                elif [ $rc -ne 0 ]; then
                        refused_n=$((refused_n + 1))
                else
                        other=$((other + 1))
                fi
        done
        check "[$label] the swapper ran to the end" kill -0 $swapper
        touch "$W/stop"; wait $swapper 2>/dev/null
        diag "race [$label]: $ok_n normal, $refused_n refused, $leaked leaked, $other saw the jail's /etc"
        check "[$label] no login ever listed anything but uploads or the jail's own /etc" [ $leaked -eq 0 ]
        check "[$label] the race was real: some logins were refused ($i logins)" [ $refused_n -gt 0 ]
        check "[$label] the race was real: some logins worked ($i logins)" [ $((ok_n + other)) -gt 0 ]
        for _ in $(seq 1 40); do
                named=$(grep -cE "user=$U refused: uploads directory $H/uploads (changed during login|is a symlink)" "$SYSLOG")
                [ $((named - named0)) -ge $refused_n ] && break; sleep 0.05
        done
        any=$(grep -c "user=$U refused" "$SYSLOG")
        check "[$label] every refusal is logged naming uploads ($((named - named0)) of $refused_n)" [ $((named - named0)) -eq $refused_n ]
        check "[$label] and no refusal had another reason" [ $((any - any0)) -eq $((named - named0)) ]
        # Leave uploads as a directory again.
        [ -L "$H/uploads" ] && "$PY" -c "import ctypes,sys; ctypes.CDLL(None).renameat2(-100,sys.argv[1].encode(),-100,sys.argv[2].encode(),2)" "$H/uploads" "$H/evil"
        rm -f "$H/evil"
        check "[$label] uploads is a directory again" bash -c '[ -d "$1" ] && [ ! -L "$1" ]' _ "$H/uploads"
}
race root 120
chown $U "$H"
race user 60 setpriv --reuid $U --regid $U --clear-groups
chown root "$H"
check "no mount of /etc or uploads leaked here or to the host" [ "$(mounts_snapshot)" = "$mounts_before" ]
check "the setup works after the races" sftp_batch $U <<<"ls uploads"

done_testing
