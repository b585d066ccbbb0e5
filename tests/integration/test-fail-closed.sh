#!/bin/bash
# Fail closed: every broken piece of the setup refuses the login with one
# line on stderr naming the problem and a syslog line, and starts no
# sftp-server.  Each case is tried directly (to see the stderr line) and
# through the real sshd and sftp client.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-fc
make_user $U
GOOD="[user $U]"
write_config <<<"$GOOD"
start_sshd < <(sshd_jail_match)
H=$TESTROOT/home/$U
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
CONFDIR=$TESTROOT/etc

# both DESCRIPTION PATTERN: the launcher refuses (expect_refusal), and
# "sftpjailctl doctor" reports a problem carrying the launcher's very
# reason, word for word: one rule, written once (pathrule.c, mounts.c).
both() {
        local what=$1 err reason out
        expect_refusal "$@"
        err=$(cd "$W" && setpriv --reuid "$U" --regid "$U" --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >/dev/null)
        reason=${err#sftpjail: login refused: }
        reason=${reason#configuration error: }
        out=$("$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" 2>&1)
        check "$what: doctor reports the launcher's reason" bash -c 'grep "^problem: " <<<"$1" | grep -qF -- "$2"' _ "$out" "$reason"
        diag "doctor: $(grep "^problem: .*$U" <<<"$out")"
        explain_refuses "$what" "$reason"
}
# explain_refuses DESCRIPTION REASON: "sftpjailctl explain" says why, on
# stdout, through the same resolve step, and is not itself a refused
# login: no "login refused" line, nothing on stderr, nothing logged.
explain_refuses() {
        local out pid
        "$CTL" explain $U >"$W/explain.out" 2>"$W/explain.err" &
        pid=$!
        wait $pid
        check "$1: explain gives the launcher's reason" grep -qF -- "refused: " "$W/explain.out"
        check "$1: explain names it" grep -qF -- "$2" "$W/explain.out"
        check "$1: explain writes nothing on stderr" [ ! -s "$W/explain.err" ]
        # A line sent after explain's arrives after it (one datagram socket).
        logger -u /dev/log -t sjt-fc "explain-mark $pid"
        wait_log "explain-mark $pid" 5
        check "$1: explain logs nothing (pid $pid)" bash -c '! grep -qF "[$1]" "$2"' _ "$pid" "$SYSLOG"
}
# accepted DESCRIPTION: a setup the launcher accepts; doctor must not call
# it refused either (the other half of "doctor reports exactly what the
# launcher refuses").
accepted() {
        check "$1: login works" sftp_batch $U <<<"ls"
        doctor_clean "$1"
}
# And in the good setup doctor has nothing to say about the user.
doctor_clean() {
        local out
        out=$("$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" 2>&1)
        check "$1: doctor finds no refusal for $U" bash -c '! grep -q "^problem: user $2: logins are refused" <<<"$1"' _ "$out" "$U"
}

good() { write_config <<<"$GOOD"; chmod 0755 "$CONFDIR"; chown root:root "$CONFDIR"; }

# A working baseline first, so the refusals below mean something.
check "baseline: login works" sftp_batch $U <<<"ls"
doctor_clean "baseline"

# --- the configuration ---
mv "$CONF" "$CONF.away"
both "config missing" "configuration .* No such file or directory"
mv "$CONF.away" "$CONF"
printf '[user %s]\naccess = sideways\n' $U | write_config
both "config value invalid" "sftpjail.conf:2: access must be"
printf '[user %s\n' $U | write_config
both "config unparseable" "sftpjail.conf:1: "
good; chmod 0664 "$CONF"
both "config group-writable" "configuration .* must be a regular file owned by root and not group/world-writable"
good; chmod 0646 "$CONF"
both "config world-writable" "configuration .* must be a regular file owned by root and not group/world-writable"
good; chown $U "$CONF"
both "config owned by the user" "owned by root and not group/world-writable \\(owner uid $(id -u $U)"
good; chmod 0775 "$CONFDIR"
both "config directory group-writable" "directory 'etc' must be owned by root"
good; mv "$CONF" "$CONF.real"; ln -s "$CONF.real" "$CONF"
both "config is a symlink" "component 'sftpjail.conf' is a symlink"
rm "$CONF"; mv "$CONF.real" "$CONF"; good

# --- who ---
write_config <<<"[user somebody-else]"
expect_refusal "user without a rule" "no rule in .* allows user $U"
write_config <<<"[default]"
expect_refusal "[default] alone grants nothing" "no rule in .* allows user $U"
good

# --- the home ---
mv "$H" "$H.away"
both "home missing" "home directory .* No such file"
mv "$H.away" "$H"
chown nobody "$H"
both "home owned by another user" "must be owned by root or the user \\(owned by uid $(id -u nobody)\\)"
chown root "$H"; chmod 0770 "$H"
both "home group-writable" "must not be group/world-writable"
chmod 0750 "$H"
chmod 0777 "$TESTROOT/home"
both "a home ancestor world-writable" "must be owned by root and not group/world-writable"
chmod 0755 "$TESTROOT/home"
chown $U "$TESTROOT/home"
both "a home ancestor owned by the user" "'home' must be owned by root"
chown root "$TESTROOT/home"
mv "$H" "$H.real"; ln -s "$U.real" "$H"
both "home is a symlink" "component '$U' is a symlink"
rm "$H"; mv "$H.real" "$H"
ln -sfn home "$TESTROOT/homelink"; usermod -d "$TESTROOT/homelink/$U" $U
both "home path contains a symlink" "component 'homelink' is a symlink"
usermod -d "$H" $U; rm -f "$TESTROOT/homelink"
mv "$H" "$H.real"; touch "$H"
both "home is a file" "component '$U' is not a directory"
rm "$H"; mv "$H.real" "$H"
usermod -d "$TESTROOT/home/../home/$U" $U
both "home path is not canonical" "not a canonical path"
usermod -d "$H" $U

# Homes and uploads the launcher accepts, though they are not what add-user
# makes (pathrule.c: a home may be the user's, uploads group-writable).
chown $U "$H"
accepted "home owned by the user (access=uploads)"
chown root "$H"; chmod 0770 "$H/uploads"
accepted "uploads group-writable"
chmod 0750 "$H/uploads"

# --- uploads ---
mv "$H/uploads" "$H/uploads.away"
both "uploads missing" "uploads directory .* does not exist"
mv "$H/uploads.away" "$H/uploads"
chown root "$H/uploads"
both "uploads owned by root" "uploads directory $H/uploads must be owned by the user \\(owned by uid 0\\)"
chown nobody "$H/uploads"
both "uploads owned by another user" "must be owned by the user \\(owned by uid $(id -u nobody)\\)"
chown $U "$H/uploads"; chmod 0777 "$H/uploads"
both "uploads world-writable" "must not be world-writable"
chmod 0750 "$H/uploads"
mv "$H/uploads" "$H/uploads.real"; ln -s uploads.real "$H/uploads"
both "uploads is a symlink" "is a symlink or not a directory"
rm "$H/uploads"; mv "$H/uploads.real" "$H/uploads"
printf '[user %s]\nstart_dir = nowhere\n' $U | write_config
both "start directory missing" "start directory .* does not exist"
good

# --- sftp-server and the launcher itself ---
install -m 0755 -o $U "${SFTP_SERVER}" "$TESTROOT/bin/sftp-server-userowned"
printf '[global]\nsftp_server = %s\n[user %s]\n' "$TESTROOT/bin/sftp-server-userowned" $U | write_config
both "sftp-server not owned by root" "sftp-server .* must be a regular file owned by root"
printf '[global]\nsftp_server = /nonexistent/sftp-server\n[user %s]\n' $U | write_config
both "sftp-server missing" "sftp-server /nonexistent/sftp-server"
good; rm -f "$TESTROOT/bin/sftp-server-userowned"

install -m 0755 "$LAUNCHER" "$TESTROOT/bin/sftpjail-nocaps"
expect_refusal "launcher without file capabilities" "lacks capability" "$TESTROOT/bin/sftpjail-nocaps"
install -m 4755 "$LAUNCHER" "$TESTROOT/bin/sftpjail-setuid"
expect_refusal "launcher installed set-uid root" "must not be set-uid" "$TESTROOT/bin/sftpjail-setuid"
install -m 0755 "$LAUNCHER" "$TESTROOT/bin/sftpjail-morecaps"
setcap cap_chown,cap_setpcap,cap_sys_admin,cap_dac_override=ep "$TESTROOT/bin/sftpjail-morecaps"
expect_refusal "launcher with extra capabilities" "holds capabilities beyond" "$TESTROOT/bin/sftpjail-morecaps"
rm -f "$TESTROOT"/bin/sftpjail-{nocaps,setuid,morecaps}

# The supervisor the launcher execs: missing, or readable by the user (it
# would then be dumpable: the user could ptrace it and forge the log).
SUPV=$TESTROOT/bin/sftpjail-supervise
mv "$SUPV" "$SUPV.away"
expect_refusal "supervisor missing" "exec $SUPV: No such file"
mv "$SUPV.away" "$SUPV"
chmod 0755 "$SUPV"
expect_refusal "supervisor readable by the user" "must be mode 0711"
check "doctor names the supervisor's mode" bash -c '"$1" doctor | grep -q "^problem: supervisor .* must be 0711"' _ "$CTL"
check "doctor --fix makes it execute-only" bash -c '"$1" doctor --fix | grep -q "^fixed: made the supervisor execute-only" && [ "$(stat -c %a "$2")" = 711 ]' _ "$CTL" "$SUPV"
chmod 0711 "$SUPV"
# Root's and writable by root alone: the rule of every system file a login
# uses (pathrule.c), in its words, not a copy of it in doctor.
chmod 0731 "$SUPV"
check "doctor: a group-writable supervisor breaks the system-file rule" bash -c \
        '"$1" doctor | grep -qxF "problem: supervisor $2 must be a regular file owned by root and not group/world-writable (owner uid 0, mode 0731)"' \
        _ "$CTL" "$SUPV"
chmod 0711 "$SUPV"

# And root is never jailed (nor served).
err=$("$LAUNCHER" --subsystem </dev/null 2>&1); rc=$?
check "root is refused" [ $rc -ne 0 ]
check "root refusal says so" grep -q "refusing to jail root" <<<"$err"

check "after all that, the repaired setup works again" sftp_batch $U <<<"ls"
doctor_clean "after all that"
done_testing
