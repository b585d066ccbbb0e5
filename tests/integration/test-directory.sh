#!/bin/bash
# Directory users: accounts, groups and SSH keys from OpenLDAP (slapd)
# through SSSD (nss_sss, sss_ssh_authorizedkeys), all from Debian's
# packages and all started and stopped by this test:
#  - a private slapd (its own cn=config, database and sockets in a
#    scratch directory; no system slapd is touched) with posixAccount,
#    posixGroup and the openssh-lpk schema (sshPublicKey);
#  - sssd with its own sssd.conf (id_provider = ldap), on a tmpfs over
#    /var/lib/sss of this test's mount namespace, with "sss" in a copy of
#    nsswitch.conf bind-mounted there (the host's files are not changed;
#    sssd's pid file, /run/sssd.pid, is the one thing it writes outside);
#  - the test sshd with AuthorizedKeysCommand sss_ssh_authorizedkeys next
#    to the root-owned keys files, and the directory's group on its Match
#    Group line.
# Proved: a directory user in a directory group that a [group] rule names
# logs in with the key from LDAP and is jailed; keys files still work;
# doctor and explain handle directory users, add-user refuses them
# clearly; with sssd stopped, the directory stopped or unreachable, or
# sssd hung, a login is refused within a bounded time (measured, and
# written up in docs/deployment.md, "Directory users").
. "$(dirname "$0")/../lib.sh" || exit 1
# The keys files where the test build's doctor looks for them.
KEYS=$TESTROOT/etc/authorized_keys
standard_setup "$@"
# Everything below mounts over host paths: only ever in our namespace.
[ "${SFTPJAIL_TEST_NS:-}" = 1 ] || bail "not in the test's private mount namespace"

# Every piece must be here (tools/install-deps.sh installs them): a
# missing one fails the test, it is never skipped.
MULTIARCH=$(gcc -print-multiarch)
for f in /usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapsearch /usr/sbin/sssd /usr/sbin/sss_cache \
        /usr/bin/sss_ssh_authorizedkeys /usr/lib/ldap/back_mdb.so "/usr/lib/$MULTIARCH/libnss_sss.so.2" \
        /etc/ldap/schema/nis.ldif; do
        [ -e "$f" ] || bail "$f is missing: run tools/install-deps.sh (slapd ldap-utils sssd-ldap sssd-tools libnss-sss)"
done

W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
SUFFIX=dc=sftpjail,dc=test
GROUP=sjt-dirsftp        # the directory's jailed group
U1=sjt-dir1              # key in the directory, logs in
U2=sjt-dir2              # never looked up until the directory is unreachable
U3=sjt-dir3              # key in a keys file only
LOCAL=sjt-dirlocal       # a local user next to them
UID1=77001 UID2=77002 UID3=77003 GID=77100

# elapsed START: seconds since START ($EPOCHREALTIME), two decimals.
elapsed() { "$PY" -c 'import sys; print("%.2f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$1" "$EPOCHREALTIME"; }
# within SECONDS VALUE: VALUE < SECONDS.
within() { "$PY" -c 'import sys; sys.exit(0 if float(sys.argv[2]) < float(sys.argv[1]) else 1)' "$1" "$2"; }
export -f within
export PY

# ---- slapd: a private instance ----
LDAP_PORT=$(free_port)
LDAPI=$W/ldapi
LDAPI_URL="ldapi://$("$PY" -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$LDAPI")/"
mkdir -p "$W/slapd.d" "$W/db"
# openssh-lpk: the attribute and auxiliary class sss_ssh_authorizedkeys
# reads (ldap_user_ssh_public_key = sshPublicKey).
cat >"$W/openssh-lpk.ldif" <<'LDIF'
dn: cn=openssh-lpk,cn=schema,cn=config
objectClass: olcSchemaConfig
cn: openssh-lpk
olcAttributeTypes: ( 1.3.6.1.4.1.24552.500.1.1.1.13 NAME 'sshPublicKey'
  DESC 'OpenSSH public key' EQUALITY octetStringMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.40 )
olcObjectClasses: ( 1.3.6.1.4.1.24552.500.1.1.2.0 NAME 'ldapPublicKey' SUP top AUXILIARY
  DESC 'OpenSSH LPK objectclass' MAY ( sshPublicKey $ uid ) )
LDIF
cat >"$W/config.ldif" <<LDIF
dn: cn=config
objectClass: olcGlobal
cn: config

dn: cn=module{0},cn=config
objectClass: olcModuleList
cn: module{0}
olcModulePath: /usr/lib/ldap
olcModuleLoad: back_mdb

dn: cn=schema,cn=config
objectClass: olcSchemaConfig
cn: schema

include: file:///etc/ldap/schema/core.ldif
include: file:///etc/ldap/schema/cosine.ldif
include: file:///etc/ldap/schema/nis.ldif
include: file:///etc/ldap/schema/inetorgperson.ldif
include: file://$W/openssh-lpk.ldif

dn: olcDatabase={-1}frontend,cn=config
objectClass: olcDatabaseConfig
objectClass: olcFrontendConfig
olcDatabase: {-1}frontend
olcAccess: {0}to * by * read

dn: olcDatabase={0}config,cn=config
objectClass: olcDatabaseConfig
olcDatabase: {0}config
olcAccess: {0}to * by dn.exact=gidNumber=0+uidNumber=0,cn=peercred,cn=external,cn=auth manage by * none

dn: olcDatabase={1}mdb,cn=config
objectClass: olcDatabaseConfig
objectClass: olcMdbConfig
olcDatabase: {1}mdb
olcSuffix: $SUFFIX
olcDbDirectory: $W/db
olcRootDN: cn=admin,$SUFFIX
olcDbMaxSize: 16777216
olcAccess: {0}to attrs=sshPublicKey by * read
olcAccess: {1}to * by * read
olcDbIndex: objectClass eq
olcDbIndex: uid,memberUid eq
olcDbIndex: uidNumber,gidNumber eq
LDIF
KEY=$(cat "$CLIENT_KEY.pub")
person() { # NAME UID [KEY]
        printf 'dn: uid=%s,ou=people,%s\nobjectClass: inetOrgPerson\nobjectClass: posixAccount\n' "$1" "$SUFFIX"
        [ -n "${3:-}" ] && echo "objectClass: ldapPublicKey"
        printf 'uid: %s\ncn: %s\nsn: %s\nuidNumber: %s\ngidNumber: %s\n' "$1" "$1" "$1" "$2" "$2"
        printf 'homeDirectory: %s\nloginShell: %s\n' "$TESTROOT/home/$1" "$LAUNCHER"
        [ -n "${3:-}" ] && echo "sshPublicKey: $3"
        printf '\ndn: cn=%s,ou=groups,%s\nobjectClass: posixGroup\ncn: %s\ngidNumber: %s\n\n' "$1" "$SUFFIX" "$1" "$2"
}
{
        printf 'dn: %s\nobjectClass: dcObject\nobjectClass: organization\ndc: sftpjail\no: sftpjail test\n\n' "$SUFFIX"
        printf 'dn: ou=people,%s\nobjectClass: organizationalUnit\nou: people\n\n' "$SUFFIX"
        printf 'dn: ou=groups,%s\nobjectClass: organizationalUnit\nou: groups\n\n' "$SUFFIX"
        person $U1 $UID1 "$KEY"
        person $U2 $UID2 "$KEY"
        person $U3 $UID3
        printf 'dn: cn=%s,ou=groups,%s\nobjectClass: posixGroup\ncn: %s\ngidNumber: %s\n' "$GROUP" "$SUFFIX" "$GROUP" $GID
        printf 'memberUid: %s\n' $U1 $U2 $U3
} >"$W/data.ldif"
slapadd -q -n0 -F "$W/slapd.d" -l "$W/config.ldif" >"$W/slapadd.log" 2>&1 || { diag "$(cat "$W/slapadd.log")"; bail "slapadd (cn=config) failed"; }
slapadd -q -n1 -F "$W/slapd.d" -l "$W/data.ldif" >"$W/slapadd.log" 2>&1 || { diag "$(cat "$W/slapadd.log")"; bail "slapadd (data) failed"; }

SLAPD_PID=
start_slapd() {
        # -d 0: in the foreground (no detach), so that it is ours to stop.
        slapd -d 0 -h "$LDAPI_URL ldap://127.0.0.1:$LDAP_PORT/" -F "$W/slapd.d" >>"$W/slapd.log" 2>&1 &
        SLAPD_PID=$!
        for _ in $(seq 1 100); do
                ldapsearch -x -H "ldap://127.0.0.1:$LDAP_PORT" -b "$SUFFIX" -s base -LLL dn >/dev/null 2>&1 && return 0
                sleep 0.05
        done
        diag "$(cat "$W/slapd.log")"
        bail "slapd did not start"
}
stop_slapd() { [ -n "$SLAPD_PID" ] && { kill -CONT "$SLAPD_PID"; kill "$SLAPD_PID"; wait "$SLAPD_PID"; } 2>/dev/null; SLAPD_PID=; }
on_exit stop_slapd
start_slapd
check "slapd serves the directory over ldapi too" \
        bash -c 'ldapsearch -Q -Y EXTERNAL -H "$1" -b "$2" -LLL "(uid=$3)" sshPublicKey | grep -q "^sshPublicKey: ssh-ed25519 "' _ "$LDAPI_URL" "$SUFFIX" $U1

# ---- sssd ----
# Its state (cache, sockets, memory cache) on a tmpfs of this namespace:
# the host's /var/lib/sss is not touched, and no process outside sees
# this sssd's sockets.
mount -t tmpfs -o mode=0755,size=64m sjt-sss /var/lib/sss || bail "tmpfs on /var/lib/sss"
on_exit "umount -l /var/lib/sss"
sss_dirs() {
        install -d -m 0700 /var/lib/sss/db /var/lib/sss/secrets
        install -d -m 0755 /var/lib/sss/pipes /var/lib/sss/pubconf /var/lib/sss/pubconf/krb5.include.d /var/lib/sss/gpo_cache
        install -d -m 0775 /var/lib/sss/mc
        install -d -m 0750 /var/lib/sss/pipes/private
}
sss_dirs
# entry_cache_timeout: short; memcache_timeout = 0: no memory-mapped
# cache, so that every lookup asks sssd_nss (the hung-sssd case below
# would otherwise be answered from the map for its 300 s default).
cat >"$W/sssd.conf" <<CONF
[sssd]
services = nss, ssh
domains = test

[nss]
memcache_timeout = 0

[domain/test]
id_provider = ldap
auth_provider = none
access_provider = permit
ldap_uri = ldap://127.0.0.1:$LDAP_PORT
ldap_search_base = $SUFFIX
ldap_schema = rfc2307
ldap_user_ssh_public_key = sshPublicKey
cache_credentials = false
enumerate = false
entry_cache_timeout = 5
CONF
chmod 0600 "$W/sssd.conf"
sed -E 's/^(passwd|group):.*/\1: files sss/' /etc/nsswitch.conf >"$W/nsswitch.conf"
grep -q '^passwd: files sss' "$W/nsswitch.conf" || bail "nsswitch.conf has no passwd line"
mount --bind "$W/nsswitch.conf" /etc/nsswitch.conf || bail "bind-mounting nsswitch.conf"

SSSD_PID=
start_sssd() { # [fresh]: an empty cache
        if [ "${1:-}" = fresh ]; then rm -rf /var/lib/sss/*; sss_dirs; fi
        if [ -s /run/sssd.pid ] && kill -0 "$(cat /run/sssd.pid)" 2>/dev/null; then
                bail "another sssd runs (/run/sssd.pid): this test starts its own"
        fi
        sssd -i -d 0x0070 --logger=stderr -c "$W/sssd.conf" >>"$W/sssd.log" 2>&1 &
        SSSD_PID=$!
        for _ in $(seq 1 200); do
                [ -S /var/lib/sss/pipes/nss ] && [ -S /var/lib/sss/pipes/ssh ] && return 0
                sleep 0.05
        done
        diag "$(tail -20 "$W/sssd.log")"
        bail "sssd did not start"
}
stop_sssd() {
        [ -n "$SSSD_PID" ] || return 0
        pkill -CONT -P "$SSSD_PID" 2>/dev/null
        kill "$SSSD_PID" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$SSSD_PID" 2>/dev/null || break; sleep 0.05; done
        kill -9 "$SSSD_PID" 2>/dev/null
        wait "$SSSD_PID" 2>/dev/null
        SSSD_PID=
        rm -f /run/sssd.pid
}
on_exit stop_sssd
start_sssd fresh

check "sssd: the directory user resolves" bash -c '[ "$(getent passwd "$1" | cut -d: -f3,6,7)" = "$2:$3:$4" ]' _ $U1 $UID1 "$TESTROOT/home/$U1" "$LAUNCHER"
check "sssd: the directory group lists its members" bash -c 'getent group "$1" | grep -q ":$2:.*$3"' _ $GROUP $GID $U1
check "sssd: the user's key comes from the directory" bash -c '[ "$(sss_ssh_authorizedkeys "$1")" = "$2" ]' _ $U1 "$KEY"
check "sssd: no enumeration (getent passwd does not list directory users)" bash -c '! getent passwd | grep -q "^$1:"' _ $U1
check "the directory users are not in /etc/passwd" bash -c '! grep -qE "^($1|$2|$3):" /etc/passwd' _ $U1 $U2 $U3

# ---- homes, keys, config, sshd ----
for uu in $U1:$UID1 $U2:$UID2 $U3:$UID3; do
        u=${uu%:*} uid=${uu#*:}
        rm -rf --one-file-system "${TESTROOT:?}/home/$u"
        install -d -m 0750 -o root -g "$uid" "$TESTROOT/home/$u"
        install -d -m 0750 -o "$uid" -g "$uid" "$TESTROOT/home/$u/uploads"
        rm -f "$KEYS/$u"
done
install -m 0644 -o root -g root "$CLIENT_KEY.pub" "$KEYS/$U3"
on_exit "rm -f $KEYS/$U3"
make_user $LOCAL
echo "from the admin" >"$TESTROOT/home/$U1/readme.txt"
write_config <<CFG
[default]
umask = 027
[group $GROUP]
[user $LOCAL]
CFG
# The prescribed hardening, with the directory's group on the Match line
# and the keys command switched on; global LoginGraceTime short, to
# bound sshd's own lookups below.
sshd_jail_match | sed -e "s/^Match Group sftpjail-test\$/Match Group sftpjail-test,$GROUP/" \
        -e 's/^\t#\(AuthorizedKeysCommand\)/\t\1/' >"$W/match.conf"
grep -q "^Match Group sftpjail-test,$GROUP$" "$W/match.conf" && grep -q "^	AuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys %u$" "$W/match.conf" &&
        grep -q "^	AuthorizedKeysCommandUser nobody$" "$W/match.conf" || bail "the sshd drop-in has no directory lines"
GRACE=10
# sshd_log_since LINE PATTERN: sshd's log from LINE on has PATTERN.
sshd_log_since() { tail -n "+$1" "$SSHD_LOG" | grep -q -- "$2"; }
LOG0=$(($(wc -l <"$SSHD_LOG") + 1))
start_sshd < <(echo "LoginGraceTime $GRACE"; cat "$W/match.conf")

# ---- a directory user logs in with the key from LDAP and is jailed ----
head -c 2M /dev/urandom >"$W/data"
t0=$EPOCHREALTIME
out=$(sftp_batch $U1 2>&1 <<EOF
pwd
get readme.txt $W/readme.got
cd uploads
put $W/data data
get data $W/data.got
EOF
); rc=$?
t=$(elapsed "$t0")
diag "$out"
check "directory user: login with the directory's key and upload work (rc=$rc, ${t} s)" [ $rc -eq 0 ]
check "directory user: starts in the home" grep -q "Remote working directory: $TESTROOT/home/$U1" <<<"$out"
check "directory user: upload and download intact" cmp -s "$W/data" "$W/data.got"
check "directory user: the upload is the user's, in uploads" \
        bash -c '[ "$(stat -c %u "$1")" = "$2" ]' _ "$TESTROOT/home/$U1/uploads/data" $UID1
check "directory user: read the admin's file" cmp -s "$W/readme.got" "$TESTROOT/home/$U1/readme.txt"
check "the directory user has no keys file" [ ! -e "$KEYS/$U1" ]
check "sshd accepted the directory's key" sshd_log_since $LOG0 "Accepted publickey for $U1 "
check "the launcher logged the session with the [group] rule's policy" wait_log "user=$U1 session start" 5
check_not "directory user: put into the home fails" sftp_batch $U1 <<<"put $W/readme.got stolen"
ls_names() { sftp_batch "$1" <<<"ls -1a $2" 2>&1 | grep -v '^sftp>' | sed 's|.*/||' | grep -vx '\.\|\.\.' | sort | tr '\n' ' '; }
check "directory user: / shows only the jail's entries" [ "$(ls_names $U1 /)" = "dev etc lib lib64 usr var " ]
out=$(sftp_batch $U1 <<<"get /etc/passwd $W/passwd" 2>&1)
check "directory user: the jail's passwd has only root and the user" \
        [ "$(cut -d: -f1 "$W/passwd" 2>/dev/null | tr '\n' ' ')" = "root $U1 " ]
for p in /proc /tmp /root /var/lib/sss /etc/nsswitch.conf /etc/sssd "$W"; do
        out=$(sftp_batch $U1 <<<"ls $p" 2>&1)
        check "directory user: $p does not exist in the jail" grep -qE "not found|No such file" <<<"$out"
done
check_not "directory user: a shell is refused" ssh_cmd $U1 id
check "directory user with a keys file (no key in LDAP) logs in" sftp_batch $U3 <<<"ls"
check "local user with a keys file logs in next to them" sftp_batch $LOCAL <<<"ls"

# ---- sftpjailctl ----
out=$("$CTL" explain $U1 2>&1); rc=$?
diag "$out"
check "explain: the directory user (rc=$rc)" [ $rc -eq 0 ]
check "explain: ids, home and the directory group" \
        grep -qx "user $U1 (uid $UID1, gid $UID1), home $TESTROOT/home/$U1, groups: $U1 $GROUP" <<<"$out"
check "explain: says the account comes from the directory" grep -qx "account: from the directory (NSS; not in /etc/passwd)" <<<"$out"
gl=$(grep -n "^\[group $GROUP\]" "$CONF" | cut -d: -f1)
check "explain: the [group] rule matches" grep -qx "rules (weakest first): \[default\] line 1, \[group $GROUP\] line $gl" <<<"$out"
check "explain: the exact sftp-server command" grep -q "^command: .*sftp-server -e -l VERBOSE -d $TESTROOT/home/$U1 -u 027$" <<<"$out"
out=$("$CTL" explain $LOCAL 2>&1)
check "explain: a local user is local" grep -qx "account: local (/etc/passwd)" <<<"$out"

out=$("$CTL" doctor --sshd-config "$TESTROOT/sshd/sshd_config" 2>&1)
diag "$(grep -E "$U1|$U2|$U3|checked" <<<"$out")"
for u in $U1 $U2 $U3; do
        check "doctor: finds $u through the [group] rule's members (no enumeration)" \
                grep -q "^note: user $u is a directory user" <<<"$out"
        check "doctor: no problem with $u" bash -c '! grep "^problem" <<<"$1" | grep -q "user $2\b\|for $2\b"' _ "$out" $u
done
check "doctor: keys from AuthorizedKeysCommand are not a missing keys file" \
        grep -q "^note: user $U1 has no keys file .*; keys come from AuthorizedKeysCommand /usr/bin/sss_ssh_authorizedkeys %u" <<<"$out"
check "doctor: sshd's Match Group of the directory group gives the directory user the jail" \
        bash -c '! grep -q "no ForceCommand .* for $1 " <<<"$2"' _ $U1 "$out"
# A directory user out of the Match Group line: doctor says so.
sed "s/^Match Group sftpjail-test,$GROUP\$/Match Group sftpjail-test/" "$TESTROOT/sshd/sshd_config" >"$W/sshd_nomatch"
out=$("$CTL" doctor --sshd-config "$W/sshd_nomatch" 2>&1)
check "doctor: a directory group missing from sshd's Match Group is a problem" \
        grep -q "^problem: sshd config $W/sshd_nomatch: no ForceCommand .* for $U1 " <<<"$out"

cp -a /etc/passwd "$W/passwd.before"; cp -a /etc/group "$W/group.before"; cp -a "$CONF" "$W/conf.before"
out=$("$CTL" add-user $U1 --key "$CLIENT_KEY.pub" --home-base "$TESTROOT/home" 2>&1); rc=$?
diag "$out"
check "add-user: refuses a directory user (rc=$rc)" [ $rc -eq 2 ]
check "add-user: says why, in one line" \
        bash -c '[ "$(wc -l <<<"$1")" -eq 1 ] && grep -q "add-user: user $2 is not in /etc/passwd (a directory user, found through NSS): add-user manages local accounts only" <<<"$1"' _ "$out" $U1
out=$("$CTL" remove-user $U1 2>&1); rc=$?
check "remove-user: refuses a directory user (rc=$rc)" bash -c '[ "$1" -eq 2 ] && grep -q "remove-user manages local accounts only" <<<"$2"' _ $rc "$out"
check "nothing changed: /etc/passwd, /etc/group, the config, no keys file" \
        bash -c 'cmp -s /etc/passwd "$1/passwd.before" && cmp -s /etc/group "$1/group.before" && cmp -s "$2" "$1/conf.before" && [ ! -e "$3" ]' _ "$W" "$CONF" "$KEYS/$U1"

# ---- outages: refused, within a bounded time, never hanging ----
# The launcher run directly as a directory user, as sshd would after
# authentication: by its ids, with no NSS lookup on the way (setpriv
# --reuid looks a number up as a name first, and would hang on sssd).
launch_as() { # UID: stderr of the launcher into $W/launch.err; rc
        (cd "$W" && "$PY" -S -c 'import os, sys
os.setgroups([int(sys.argv[2])]); os.setgid(int(sys.argv[1])); os.setuid(int(sys.argv[1]))
os.execv(sys.argv[3], [sys.argv[3], "--subsystem"])' "$1" $GID "$LAUNCHER" </dev/null >"$W/launch.out" 2>"$W/launch.err")
}
timed_sftp() { # USER: sets T (seconds) and RC
        local t0=$EPOCHREALTIME
        sftp_batch "$1" <<<"ls" >"$W/sftp.out" 2>&1; RC=$?
        T=$(elapsed "$t0")
}
declare -A FIG

# 1. sssd stopped: nss_sss finds no socket and says "unavailable" at once.
LOG1=$(($(wc -l <"$SSHD_LOG") + 1))
stop_sssd
timed_sftp $U1; FIG[sssd-stopped]=$T
check "sssd stopped: the directory user's login is refused (rc=$RC) within 5 s (${T} s)" \
        bash -c '[ "$1" -ne 0 ] && within 5 "$2"' _ $RC "$T"
check "sssd stopped: sshd saw an invalid user" sshd_log_since $LOG1 "Invalid user $U1 "
check "sssd stopped: local users still log in" sftp_batch $LOCAL <<<"ls"
t0=$EPOCHREALTIME; launch_as $UID1; rc=$?; t=$(elapsed "$t0"); FIG[sssd-stopped-launcher]=$t
diag "launcher: $(cat "$W/launch.err")"
check "sssd stopped: the launcher refuses (rc=$rc, ${t} s), naming the missing entry" \
        bash -c '[ "$1" -ne 0 ] && within 5 "$2" && grep -q "^sftpjail: login refused: no passwd entry for uid $3" "$4/launch.err"' _ $rc "$t" $UID1 "$W"
check "sssd stopped: the refusal is logged" wait_log "refused: no passwd entry for uid $UID1" 2

# 2. slapd stopped, sssd running with an empty cache (nothing cached,
#    nothing to serve offline): the connection is refused, sssd goes
#    offline and answers "no such user" at once.
stop_slapd
start_sssd fresh
timed_sftp $U1; FIG[slapd-stopped]=$T
check "slapd stopped, cache empty: the login is refused (rc=$RC) within 5 s (${T} s)" \
        bash -c '[ "$1" -ne 0 ] && within 5 "$2"' _ $RC "$T"
check "slapd stopped: sssd answers 'no such user'" bash -c '! getent passwd "$1"' _ $U1
stop_sssd

# 3. slapd unreachable (alive but not answering: SIGSTOP; a black-holed
#    network behaves the same), sssd running.  U1 is cached but expired,
#    U2 was never looked up.  The first lookup waits for sssd's LDAP
#    timeout (ldap_search_timeout, 6 s), then sssd is offline: U2 is
#    refused, U1 is served from the cache (SSSD's offline mode;
#    sss_cache -E does not prevent it).  sshd pads the failure of U2 (a
#    per-user delay doubled until it exceeds the time spent: at most
#    twice the 6 s), or LoginGraceTime ends it first.
start_slapd
start_sssd fresh
check "slapd back: the directory user logs in again" sftp_batch $U1 <<<"ls"
sss_cache -E
kill -STOP "$SLAPD_PID"
LOG3=$(($(wc -l <"$SSHD_LOG") + 1))
timed_sftp $U2; FIG[slapd-unreachable-uncached]=$T
diag "$(tail -3 "$W/sftp.out")"
check "slapd unreachable: a user not in the cache is refused (rc=$RC) within 15 s (${T} s)" \
        bash -c '[ "$1" -ne 0 ] && within 15 "$2"' _ $RC "$T"
check "slapd unreachable: sshd saw an invalid user" sshd_log_since $LOG3 "Invalid user $U2 "
timed_sftp $U1; FIG[slapd-unreachable-cached]=$T
check "slapd unreachable: a cached user (expired) is served from sssd's offline cache (rc=$RC, ${T} s)" \
        bash -c '[ "$1" -eq 0 ] && within 15 "$2"' _ $RC "$T"
kill -CONT "$SLAPD_PID"

# 4. sssd hung (its NSS responder stopped): nss_sss would wait 300 s.
#    sshd's lookup is bounded by LoginGraceTime; the launcher's by its
#    own bound (IDENTITY_LOOKUP_TIMEOUT_S, 20 s).  Both at once.
NSS_PID=$(pgrep -P "$SSSD_PID" -x sssd_nss)
check "sssd_nss is running" [ -n "$NSS_PID" ]
kill -STOP $NSS_PID
t0=$EPOCHREALTIME
( launch_as $UID1; echo $? >"$W/launch.rc"; elapsed "$t0" >"$W/launch.t" ) &
lpid=$!
timed_sftp $U1; FIG[sssd-hung-sshd]=$T
wait $lpid
rc=$(cat "$W/launch.rc") t=$(cat "$W/launch.t"); FIG[sssd-hung-launcher]=$t
kill -CONT $NSS_PID
diag "launcher: $(cat "$W/launch.err")"
check "sssd hung: sshd refuses the login (rc=$RC) within LoginGraceTime $GRACE s + 5 (${T} s)" \
        bash -c '[ "$1" -ne 0 ] && within "$2" "$3"' _ $RC $((GRACE + 5)) "$T"
check "sssd hung: the launcher refuses (rc=$rc) at its bound, 20 s (${t} s)" \
        bash -c '[ "$1" -ne 0 ] && within 25 "$2" && ! within 19.5 "$2"' _ "$rc" "$t"
check "sssd hung: the launcher says why, in one line" \
        bash -c '[ "$(wc -l <"$1/launch.err")" -eq 1 ] && grep -q "^sftpjail: login refused: the user and group lookup (NSS) of uid $2 did not answer within 20 s" "$1/launch.err"' _ "$W" $UID1
check "sssd hung: the refusal is logged" wait_log "refused: the user and group lookup \(NSS\) of uid $UID1 did not answer" 2
check "sssd hung: no lookup child is left" bash -c '! pgrep -u "$1" -f "$2"' _ $UID1 "$LAUNCHER"
check "sssd hung: nothing was started" [ -z "$(jail_pids $UID1)" ]
check "after the outages: the directory user logs in again" sftp_batch $U1 <<<"ls"

for k in sssd-stopped sssd-stopped-launcher slapd-stopped slapd-unreachable-uncached slapd-unreachable-cached sssd-hung-sshd sssd-hung-launcher; do
        diag "timing: $k ${FIG[$k]} s"
done
diag "the test took $SECONDS s"
done_testing
