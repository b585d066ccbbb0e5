#!/bin/bash
# sftpjailctl end to end: provision -> log in with the real sftp client ->
# sessions shows it -> kill-session disconnects it; add-user is idempotent
# and refuses bad input without changing anything; explain's tree matches a
# live jail's mountinfo; doctor finds broken setups and --fix repairs them.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

CTL=$BUILD/src/sftpjailctl
# The test build's compiled-in paths: keys below its confdir, launcher at
# its libexec path (installed here with its capabilities).
KEYS=$TESTROOT/etc/authorized_keys
install_launcher
BASE=$TESTROOT/ctlhome
U=sjt-ctl
userdel -r $U >/dev/null 2>&1; rm -rf "$BASE" "$KEYS"
write_config <<<"[default]"
start_sshd < <(sed -e "s|@LAUNCHER@|$LAUNCHER|g" -e "s|@KEYS@|$KEYS|g" "$SRCDIR/docs/sshd_config.d-sftpjail.conf.in")
on_exit "userdel -r $U"
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"

state() { # everything add-user may touch
        { getent passwd $U; getent group sftpjail | cut -d: -f1,3; id $U
          stat -c '%n %U:%G %a' "$BASE/$U" "$BASE/$U/uploads" "$KEYS/$U" "$CONF"
          cat "$CONF" "$KEYS/$U"; } 2>&1
}

out=$("$CTL" add-user $U --key "$CLIENT_KEY.pub" --home-base "$BASE" --umask 027 2>&1); rc=$?
diag "$out"
check "add-user succeeds" [ $rc -eq 0 ]
check "account's login shell is the launcher" [ "$(getent passwd $U | cut -d: -f7)" = "$LAUNCHER" ]
check "account is in group sftpjail" bash -c 'id -nG "$1" | grep -qw sftpjail' _ $U
check "home is root:$U 0750" [ "$(stat -c '%U:%G %a' "$BASE/$U")" = "root:$U 750" ]
check "uploads is $U:$U 0750" [ "$(stat -c '%U:%G %a' "$BASE/$U/uploads")" = "$U:$U 750" ]
check "keys are root-owned 0644 outside the home" [ "$(stat -c '%U %a' "$KEYS/$U")" = "root 644" ]
check "the config has the user's section" grep -qx "\[user $U\]" "$CONF"
before=$(state)
out=$("$CTL" add-user $U --key "$CLIENT_KEY.pub" --home-base "$BASE" --umask 027 2>&1); rc=$?
check "add-user twice: succeeds and says no changes" bash -c '[ $1 -eq 0 ] && grep -q "no changes" <<<"$2"' _ $rc "$out"
check "add-user twice: nothing changed" [ "$before" = "$(state)" ]

# Bad input: refused with a clear message, nothing changed.
echo "not a key" >"$W/bad.pub"
bad() { local what=$1 pat=$2; shift 2; local o r; o=$("$CTL" "$@" 2>&1); r=$?
        check "refused: $what (rc=$r)" bash -c '[ $1 -eq 2 ] && grep -q "$2" <<<"$3"' _ $r "$pat" "$o"; }
bad "invalid user name" "invalid user name" add-user 'Bad/Name' --home-base "$BASE"
bad "user name with a colon" "invalid user name" add-user 'a:b' --home-base "$BASE"
bad "bad key file" "not a valid SSH public key" add-user $U --key "$W/bad.pub" --home-base "$BASE"
bad "invalid umask" "umask must be octal" add-user $U --umask 999
bad "invalid access" "access must be" add-user $U --access everything
bad "relative home base" "home-base must be" add-user $U --home-base relative/dir
bad "unknown option" "Usage" add-user $U --frobnicate
check "bad input changed nothing" [ "$before" = "$(state)" ]
check "unknown user for explain is refused" bash -c '! "$1" explain no-such-user-xyz >/dev/null 2>&1' _ "$CTL"
check "--version" bash -c '"$1" --version | grep -q "^sftpjailctl "' _ "$CTL"
check "--help on every command" bash -c 'for c in add-user remove-user doctor explain sessions kill-session print-filter; do "$1" $c --help | grep -q Usage || exit 1; done' _ "$CTL"

# Log in with the real client; see the session; end it.
check "the provisioned user can log in" sftp_batch $U <<<"ls uploads"
rm -f "$W/cmd"; mkfifo "$W/cmd"
sftp_batch $U <"$W/cmd" >"$W/client.out" 2>&1 &
client=$!
exec 7>"$W/cmd"
spid=
for _ in $(seq 1 100); do spid=$(pgrep -u $U -x sftp-server | head -1); [ -n "$spid" ] && break; sleep 0.05; done
check "live session started" [ -n "$spid" ]
sessions=$("$CTL" sessions)
diag "$sessions"
check "sessions lists the user's session with its pid" grep -qE "^$U +[0-9a-f]{16} +$spid " <<<"$sessions"
json=$("$CTL" sessions --json)
check "sessions --json is valid JSON" "$PY" -m json.tool <<<"$json"
sid=$("$PY" -c 'import json,sys; print([s["session"] for s in json.load(sys.stdin) if s["user"]==sys.argv[1]][0])' $U <<<"$json")
check "the session id is the one in the log" grep -q "session=$sid user=$U session start client=127.0.0.1:" "$SYSLOG"
check "JSON carries the client address" bash -c 'grep -q "\"client\": \"127.0.0.1:" <<<"$1"' _ "$json"

# explain's tree against the live jail's mountinfo: same mount points with
# the same ro/rw,nosuid,nodev,noexec.
"$CTL" explain $U >"$W/explain" 2>&1
diag "$(cat "$W/explain")"
awk '/^tree/{t=1; next} t && $1 ~ /^\// {print $1, $NF} t && NF==0 {exit}' "$W/explain" | sort >"$W/explain.tree"
awk '{split($6,o,","); f=o[1]; for (i in o) if (o[i] ~ /^no(suid|dev|exec)$/) fl[o[i]]=1;
      s=f; if ("nosuid" in fl) s=s ",nosuid"; if ("nodev" in fl) s=s ",nodev"; if ("noexec" in fl) s=s ",noexec";
      print $5, s; delete fl}' /proc/$spid/mountinfo | sort >"$W/live.tree"
check "explain's tree matches the live jail's mountinfo" diff -u "$W/live.tree" "$W/explain.tree"
check "explain shows the exact sftp-server command" grep -q "^command: .*sftp-server -e -l VERBOSE -d $BASE/$U -u 027$" "$W/explain"
ul=$(grep -n "^\[user $U\]" "$CONF" | cut -d: -f1)
check "explain names each rule with its header's line ([user $U] at line ${ul:-?})" \
        grep -qx "rules (weakest first): \[default\] line 1, \[user $U\] line $ul" "$W/explain"

sshpid=$(pgrep -P $client -x ssh)
out=$("$CTL" kill-session "$sid" 2>&1)
check "kill-session ends it" grep -q "ended session $sid" <<<"$out"
for _ in $(seq 1 100); do kill -0 $sshpid 2>/dev/null || break; sleep 0.05; done
check "the client's connection was closed" bash -c '! kill -0 $1 2>/dev/null' _ $sshpid
echo "ls" >&7; exec 7>&-
wait $client; rc=$?
check "the client fails its next command (rc=$rc)" [ $rc -ne 0 ]
check "the end is logged" wait_log "session=$sid user=$U ending session on Terminated"
check "kill-session of an unknown id: exit 1" bash -c '"$1" kill-session 0123456789abcdef >/dev/null 2>&1; [ $? -eq 1 ]' _ "$CTL"

# doctor: a clean setup, then broken ones, then --fix.
doctor() { "$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" "$@" 2>&1; }
out=$(doctor)
check "doctor: no problem with $U in a clean setup" bash -c '! grep "^problem" <<<"$1" | grep -q "$2"' _ "$out" "$U\|$LAUNCHER\|$CONF"
chown nobody "$BASE/$U"
setcap -r "$LAUNCHER"
out=$(doctor); rc=$?
diag "$out"
check "doctor exits 1 when problems exist" [ $rc -eq 1 ]
check "doctor finds the wrong home owner, in the launcher's words" \
        grep -q "^problem: user $U: logins are refused: home directory $BASE/$U must be owned by root or the user (owned by uid $(id -u nobody))" <<<"$out"
check "doctor finds the missing file capabilities" grep -q "^problem: launcher $LAUNCHER has file capabilities 'none'" <<<"$out"
out=$(doctor --fix)
diag "$out"
check "doctor --fix repairs them" bash -c '! grep "^problem" <<<"$1" | grep -q "$2"' _ "$out" "$U\|$LAUNCHER"
check "home owner repaired" [ "$(stat -c '%U %a' "$BASE/$U")" = "root 750" ]
check "launcher capabilities repaired" bash -c 'getcap "$1" | grep -q "cap_chown,cap_setpcap,cap_sys_admin=p"' _ "$LAUNCHER"
chmod 0777 "$BASE/$U/uploads"
out=$(doctor); rc=$?
check "doctor finds the world-writable uploads" \
        grep -q "^problem: user $U: logins are refused: uploads directory $BASE/$U/uploads must not be world-writable (mode 0777)" <<<"$out"
out=$(doctor --fix)
check "doctor --fix repairs the uploads" [ "$(stat -c '%U %a' "$BASE/$U/uploads")" = "$U 750" ]
check "login works after the fix" sftp_batch $U <<<"ls uploads"
# doctor and explain check the tree with the user's ids, as the launcher
# does: a directory on the way that root enters but the user cannot (0700
# root:root passes the ownership rule) refuses every login.
chmod 0700 "$BASE"
out=$(doctor); rc=$?
diag "$(grep "user $U:" <<<"$out")"
check "doctor, as the user: a home below a 0700 root directory is a problem (rc=$rc)" \
        grep -q "^problem: user $U: logins are refused: .*Permission denied" <<<"$out"
out=$("$CTL" explain $U 2>&1); rc=$?
check "explain, as the user: refused, exit 1 (rc=$rc)" bash -c '[ $1 -eq 1 ] && grep -q "^refused: .*Permission denied" <<<"$2"' _ $rc "$out"
sftp_batch $U <<<"ls uploads" >/dev/null 2>&1; rc=$?
check "... as a login is (rc=$rc)" [ $rc -ne 0 ]
chmod 0755 "$BASE"
# No problem at all then: the checks after the user's (sshd -T, keys) ran
# as root again.
out=$(doctor)
check "doctor: no problem with $U once the directory is 0755" bash -c '! grep "^problem" <<<"$1" | grep -q "$2"' _ "$out" "$U\|$LAUNCHER\|$CONF"
printf '[user %s]\naccess = bogus\n' $U | write_config
out=$(doctor)
check "doctor reports a config error with file:line" grep -q "^problem: $CONF:2: access must be" <<<"$out"
printf '[user %s]\n' $U | write_config
sed 's/^DisableForwarding yes$/DisableForwarding no/; s/^\tDisableForwarding yes$/\tDisableForwarding no/' \
        "$TESTROOT/sshd/sshd_config" >"$W/sshd_config"
out=$("$CTL" doctor --sshd-config "$W/sshd_config" 2>&1)
check "doctor finds sshd without DisableForwarding" grep -q "DisableForwarding is not yes for $U" <<<"$out"

# remove-user --keep-files, then fully.
out=$("$CTL" remove-user $U --keep-files 2>&1)
check "remove-user --keep-files keeps the home" [ -d "$BASE/$U/uploads" ]
check "remove-user removes the keys" [ ! -e "$KEYS/$U" ]
check "remove-user removes the config section" bash -c '! grep -q "\[user $1\]" "$2"' _ $U "$CONF"
check_not "the removed user can no longer log in" sftp_batch $U <<<"ls"
done_testing
