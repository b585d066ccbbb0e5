#!/bin/bash
# Beyond one host (issue 15, docs/scale-out.md): homes on a replicated
# GlusterFS volume, three SFTP hosts behind HAProxy.
#
# Everything runs in this test's own network namespace (addresses
# 10.231.0.0/24 exist nowhere else) and mount namespace:
#   - glusterd, its bricks and self-heal daemon in a namespace of their own
#     (their state on a tmpfs and below $E, never the host's
#     /var/lib/glusterd), a replica-3 volume of three bricks on this machine;
#   - three "hosts", each a network, UTS (hostname), mount and pid
#     namespace behind a veth on the bridge est0, each with its own FUSE
#     client of the volume at the same path and the dedicated sshd with the
#     same host key and the same config files;
#   - HAProxy in TCP mode with health checks in front of them.
# The homes of the jailed users are on the volume.  Checks: the launcher's
# checks and the jail's mounts on FUSE through real sshd + sftp, the
# attacks of test-escape that apply, root squashed by the volume
# (server.root-squash, the stand-in for NFS root_squash), sessions spread
# over the hosts, sftpjailctl sessions per host, records naming the host,
# and an upload that survives the death of its host (reput).
# Killing a host is SIGKILL to pid 1 of its pid namespace: sshd, the
# sessions and its FUSE client all die at once, as in a crash.
if [ -z "${SFTPJAIL_ESTATE_NET:-}" ]; then
        export SFTPJAIL_ESTATE_NET=1
        exec unshare -n -- "$BASH" "$0" "$@"
fi
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

E=$TESTROOT/estate        # state: bricks, glusterd, per-host logs, haproxy
HOMES=$TESTROOT/estate-homes # the volume's mount point, on every host
VOL=estate
NET=10.231.0
HOSTS=(1 2 3)
declare -A HPID           # host -> pid 1 of its pid namespace (sshd)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
t_now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

# ---- network: loopback and the bridge, in our own namespace ----
ip link set lo up
ip link add est0 type bridge && ip addr add $NET.1/24 dev est0 && ip link set est0 up || bail "bridge"

# ---- GlusterFS ----
# Stale state of an earlier run that was killed: nothing can run in it
# any more (its namespaces went with it).
umount -l "$HOMES" 2>/dev/null
rm -rf --one-file-system "$E"
install -d -m 0755 "$E" "$E/glusterd" "$E/glusterd-log" "$E/bricks" "$HOMES"
on_exit "rm -rf --one-file-system $E; rmdir $HOMES"
# glusterd in a mount and pid namespace of its own: its working directory
# is ours, /run its own tmpfs; the bricks (glusterfsd) and the self-heal
# daemon it starts are in that pid namespace and die with its pid 1.
unshare -m -p -f --kill-child --propagation private -- bash -c '
        mount -t tmpfs -o size=16m gluster-run /run &&
        mount --bind "$1/glusterd" /var/lib/glusterd &&
        mount --bind "$1/glusterd-log" /var/log/glusterfs &&
        mount -t proc proc /proc &&
        exec /usr/sbin/glusterd -N --log-level WARNING' _ "$E" &
GUNSHARE=$!
for _ in $(seq 1 100); do GPID=$(pgrep -P $GUNSHARE) && break; sleep 0.05; done
[ -n "${GPID:-}" ] || bail "glusterd did not start"
on_exit "kill -9 $GPID; wait $GUNSHARE"
# The CLI must see glusterd's /proc too (it reads its own threads there).
gl() { timeout 60 nsenter -t "$GPID" -m -p -- gluster --mode=script "$@"; }
for _ in $(seq 1 100); do gl volume list >/dev/null 2>&1 && break; sleep 0.1; done
t0=$(t_now)
# Three bricks on one machine: gluster wants "force" for that.
gl volume create $VOL replica 3 $NET.1:$E/bricks/b1 $NET.1:$E/bricks/b2 $NET.1:$E/bricks/b3 force >&2 ||
        bail "gluster volume create"
gl volume start $VOL >&2 || bail "gluster volume start"
diag "gluster replica-3 volume created and started in $(elapsed "$t0" "$(t_now)") s"
vinfo=$(gl volume info $VOL)
check "the volume is a 1 x 3 replica, started" bash -c 'grep -q "^Type: Replicate" <<<"$1" && grep -q "^Status: Started" <<<"$1" &&
        grep -q "1 x 3 = 3" <<<"$1"' _ "$vinfo"
# The admin's mount (what would be the storage side's or an admin host's).
mount -t glusterfs -o log-file="$E/admin-fuse.log" $NET.1:/$VOL "$HOMES" || bail "FUSE mount of the volume"
on_exit "umount -l $HOMES"
check "the homes' mount is a FUSE mount of the volume" [ "$(findmnt -n -o FSTYPE "$HOMES")" = fuse.glusterfs ]

# ---- users: local, the same on every host (one machine); homes on the volume ----
est_user() { # NAME HOME
        local name=$1 home=$2
        if id "$name" >/dev/null 2>&1; then usermod -d "$home" -s "$LAUNCHER" -G sftpjail-test "$name"
        else useradd -M -d "$home" -s "$LAUNCHER" -G sftpjail-test "$name" || bail "useradd $name"; fi
        usermod -p '*' "$name"
        install -d -m 0750 -o root -g "$name" "$home"
        install -d -m 0750 -o "$name" -g "$name" "$home/uploads"
        install -m 0644 -o root -g root "$CLIENT_KEY.pub" "$KEYS/$name"
}
U=sjt-est1; H=$HOMES/$U           # the main user
U2=sjt-est2; H2=$HOMES/$U2        # the root-squash checks
UB=sjt-est3                       # home below a directory the user owns
US=sjt-est4                       # home below a symlink
UL=sjt-est5                       # a local home (throughput control)
est_user $U "$H"
est_user $U2 "$H2"
install -d -m 0755 -o root -g root "$HOMES/userdir"
est_user $UB "$HOMES/userdir/$UB"
chown $UB "$HOMES/userdir"
install -d -m 0755 -o root -g root "$HOMES/real"
ln -s real "$HOMES/link"
est_user $US "$HOMES/link/$US"
rm -rf --one-file-system "${TESTROOT:?}/home/$UL"
est_user $UL "$TESTROOT/home/$UL"
write_config <<<"[group sftpjail-test]"
check "a file written on the mount is on all three bricks (replica 3)" bash -c '
        echo replicated >"$1/replica-probe" && for b in 1 2 3; do [ "$(cat "$2/b$b/replica-probe")" = replicated ] || exit 1; done' \
        _ "$HOMES" "$E/bricks"

# ---- three SFTP hosts: the same host key, the same config files ----
install -d -m 0755 "$E/etc"
ssh-keygen -q -t ed25519 -N '' -C estate-host -f "$E/etc/host_ed25519"
cat >"$E/etc/sshd_config" <<CFG
# What configuration management places on every host (docs/scale-out.md).
Port 22
ListenAddress 0.0.0.0
HostKey $E/etc/host_ed25519
PidFile none
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AuthorizedKeysFile $KEYS/%u
LogLevel VERBOSE
Subsystem sftp $SFTP_SERVER
$(sshd_jail_match)
CFG
/usr/sbin/sshd -t -f "$E/etc/sshd_config" || bail "sshd -t"
# /run/netns on a tmpfs of our mount namespace: the hosts' namespaces are
# not the machine's, and go with us.
mkdir -p /run/netns && mount -t tmpfs -o size=64k est-netns /run/netns || bail "tmpfs on /run/netns"
start_host() {
        local i=$1 ns=est-h$1 up pid
        install -d -m 0755 "$E/h$i"
        ip netns add $ns &&
                ip link add est-h$i type veth peer name eth0 netns $ns &&
                ip link set est-h$i master est0 up &&
                ip -n $ns addr add $NET.1$i/24 dev eth0 && ip -n $ns link set eth0 up && ip -n $ns link set lo up ||
                bail "network of host $i"
        # pid 1 of the host: a shell that names the host, mounts the
        # volume with the host's own FUSE client (in place of its copy of
        # the admin's mount), and becomes sshd.
        ip netns exec $ns unshare -u -m -p -f --kill-child --mount-proc --propagation private -- bash -c '
                hostname "sftp-h$1" && umount -l "$2" &&
                mount -t glusterfs -o log-file="$3/h$1/fuse.log" "$4" "$2" &&
                exec /usr/sbin/sshd -D -f "$3/etc/sshd_config" -E "$3/h$1/sshd.log"' _ "$i" "$HOMES" "$E" "$NET.1:/$VOL" &
        up=$!
        for _ in $(seq 1 100); do pid=$(pgrep -P $up) && break; sleep 0.05; done
        [ -n "$pid" ] || bail "host $i did not start"
        HPID[$i]=$pid
        on_exit "kill -9 $pid; wait $up"
}
for i in "${HOSTS[@]}"; do start_host "$i"; done
port_open() { timeout 1 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
for i in "${HOSTS[@]}"; do
        for _ in $(seq 1 100); do port_open $NET.1$i 22 && break; sleep 0.05; done
        check "host $i: sshd answers on $NET.1$i:22" port_open $NET.1$i 22
        check "host $i: its own FUSE client of the volume at $HOMES" \
                bash -c '[ "$(nsenter -t "$1" -m -p findmnt -n -o FSTYPE "$2")" = fuse.glusterfs ]' _ "${HPID[$i]}" "$HOMES"
        check "host $i: hostname sftp-h$i" [ "$(nsenter -t "${HPID[$i]}" -u hostname)" = "sftp-h$i" ]
done

# ---- HAProxy, TCP mode, health checks (the SSH banner) ----
HP=2222
cat >"$E/haproxy.cfg" <<CFG
global
        maxconn 256
        stats socket $E/haproxy.sock mode 600 level admin
defaults
        mode tcp
        timeout connect 1s
        timeout client 10m
        timeout server 10m
        # A host that refuses the connection: try another one.
        retries 2
        option redispatch
listen sftp
        bind 127.0.0.1:$HP
        balance roundrobin
        option tcp-check
        tcp-check expect string SSH-2.0-
        default-server check inter 300 fall 2 rise 2
CFG
for i in "${HOSTS[@]}"; do echo "        server sftp-h$i $NET.1$i:22" >>"$E/haproxy.cfg"; done
haproxy -c -q -f "$E/haproxy.cfg" || bail "haproxy -c"
haproxy -db -f "$E/haproxy.cfg" >"$E/haproxy.log" 2>&1 &
HAPID=$!
on_exit "kill $HAPID; wait $HAPID"
hastat() { # server status lines "name status" from the stats socket
        "$PY" - "$E/haproxy.sock" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"show stat\n")
data = b""
while chunk := s.recv(65536): data += chunk
for l in data.decode().splitlines():
    f = l.split(",")
    if len(f) > 17 and f[0] == "sftp" and f[1].startswith("sftp-h"): print(f[1], f[17])
PY
}
for _ in $(seq 1 100); do [ "$(hastat 2>/dev/null | grep -c ' UP$')" = 3 ] && break; sleep 0.1; done
check "haproxy: the three hosts pass the health check" [ "$(hastat | grep -c ' UP$')" = 3 ]
diag "$(hastat)"

# The client knows the service by one host key: every host must show it.
printf '[127.0.0.1]:%s %s\n' $HP "$(cut -d' ' -f1,2 "$E/etc/host_ed25519.pub")" >"$W/known_hosts"
bsftp() { # USER [sftp options]: through the balancer, the host key checked
        local u=$1; shift
        timeout 120 sftp -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$W/known_hosts" \
                -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$CLIENT_KEY" -P $HP "$@" -b - "$u@127.0.0.1"
}
hsftp() { # HOST USER: straight to one host
        local i=$1 u=$2; shift 2
        timeout 120 sftp -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
                -o LogLevel=ERROR -o IdentitiesOnly=yes -i "$CLIENT_KEY" "$@" -b - "$u@$NET.1$i"
}
# host of a session: from its start record
host_of() { grep -oE "session=$1 user=[^ ]+ session start .* host=\"sftp-h[0-9]\"" "$SYSLOG" | grep -oE 'sftp-h[0-9]' | tail -1; }

# ==== 1. The jail on FUSE, through real sshd and sftp ====
head -c 300000 /dev/urandom >"$W/small"
out=$(bsftp $U <<EOF 2>&1
put $W/small uploads/small
get uploads/small $W/small.back
ls -1 uploads
EOF
); rc=$?
check "upload and download through the balancer, home on the volume (rc=$rc)" [ $rc -eq 0 ]
diag "$out"
check "the download is the upload" cmp -s "$W/small" "$W/small.back"
check "the upload is on the volume, the user's" [ "$(stat -c %U "$H/uploads/small")" = $U ]
check "... and on each of the three bricks" bash -c 'for b in 1 2 3; do cmp -s "$1" "$2/b$b/'$U'/uploads/small" || exit 1; done' _ "$W/small" "$E/bricks"
out=$(bsftp $U <<<"put $W/small ro-probe" 2>&1)
check "a put into the read-only home is refused" [ ! -e "$H/ro-probe" ]

# A live session, looked at from the host: its mounts are clones of the
# FUSE mount with the jail's flags (open_tree + mount_setattr on FUSE).
bsftp_live() { # USER: a session kept open on a fifo (fd 7); sets LIVE_SPID, LIVE_CLIENT
        local u=$1 before d
        before=" $(pgrep -u "$u" -x sftp-server | tr '\n' ' ')"
        d=$(mktemp -d -p "$W"); mkfifo "$d/cmd"
        bsftp "$u" <"$d/cmd" >"$d/out" 2>&1 &
        LIVE_CLIENT=$!
        exec 7>"$d/cmd"
        LIVE_SPID=''
        for _ in $(seq 1 200); do
                LIVE_SPID=$(for p in $(pgrep -u "$u" -x sftp-server); do [[ "$before" == *" $p "* ]] || echo "$p"; done | head -1)
                [ -n "$LIVE_SPID" ] && break; sleep 0.05
        done
}
printf '#!/bin/sh\necho pwned\n' >"$W/x.sh"
bsftp_live $U
check "a live session through the balancer" [ -n "$LIVE_SPID" ]
printf 'put %s uploads/x.sh\nchmod 755 uploads/x.sh\n' "$W/x.sh" >&7
for _ in $(seq 1 100); do [ "$(stat -c %a "$H/uploads/x.sh" 2>/dev/null)" = 755 ] && break; sleep 0.05; done
mi=/proc/$LIVE_SPID/mountinfo
landlock_abi() { # landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION)
        "$PY" -c 'import ctypes; print(ctypes.CDLL(None).syscall(444, None, 0, 1))'
}
mnt_line() { awk -v m="$1" '$5==m' "$mi"; }
mount_fstype() { mnt_line "$1" | sed 's/.* - //' | cut -d' ' -f1; }
has_all() { [[ $1 == *nosuid* && $1 == *noexec* && $1 == *nodev* ]]; }
home_opts=$(mnt_line "$H" | awk '{print $6}'); up_opts=$(mnt_line "$H/uploads" | awk '{print $6}')
check "the jail's home is the FUSE volume ($(mount_fstype "$H"))" [ "$(mount_fstype "$H")" = fuse.glusterfs ]
check "the jail's uploads is the FUSE volume ($(mount_fstype "$H/uploads"))" [ "$(mount_fstype "$H/uploads")" = fuse.glusterfs ]
check "the jail's home on FUSE is ro,nosuid,nodev,noexec ($home_opts)" bash -c '[[ $1 == ro,* ]] && [[ $1 == *nosuid* && $1 == *noexec* && $1 == *nodev* ]]' _ "$home_opts"
check "the jail's uploads on FUSE is rw,nosuid,nodev,noexec ($up_opts)" bash -c '[[ $1 == rw,* ]] && [[ $1 == *nosuid* && $1 == *noexec* && $1 == *nodev* ]]' _ "$up_opts"
check "the host's own FUSE mount has none of them (the jail set them)" bash -c '! [[ $(findmnt -n -o OPTIONS "$1") == *noexec* ]]' _ "$HOMES"
out=$(timeout 5 "/proc/$LIVE_SPID/root$H/uploads/x.sh" 2>&1)
check "an uploaded executable cannot be run through the jail's FUSE mount (noexec)" \
        bash -c '! grep -q pwned <<<"$1" && grep -q "Permission denied" <<<"$1"' _ "$out"
check "... though it runs from the admin's mount (control)" \
        bash -c '[ "$(setpriv --reuid "$1" --regid "$1" --clear-groups "$2")" = pwned ]' _ $U "$H/uploads/x.sh"
# A device node on the volume (made by root: the user cannot mknod).
mknod "$H/zero" c 1 5 && chmod 0644 "$H/zero"
check "a device node on the volume reads from the admin's mount (control)" \
        bash -c '[ "$(head -c 4 "$1" | od -An -tx1 | tr -d " ")" = 00000000 ]' _ "$H/zero"
check "... but not through the jail's FUSE mount (nodev)" bash -c '! head -c 4 "$1" >/dev/null 2>&1' _ "/proc/$LIVE_SPID/root$H/zero"
check "Landlock is in this kernel (ABI $(landlock_abi))" [ "$(landlock_abi)" -ge 1 ]
live_sid=$(nsenter -t "$LIVE_SPID" -u hostname | sed 's/^sftpjail-//')
check "... and the session ran with it: no 'without Landlock' note ($live_sid)" \
        bash -c '! grep "session=$1 " "$2" | grep -qi "landlock"' _ "$live_sid" "$SYSLOG"
echo bye >&7; exec 7>&-; wait "$LIVE_CLIENT" 2>/dev/null

# The escapes of test-escape that concern the home's filesystem.
echo secret-of-the-host >"$W/hostfile"; chmod 644 "$W/hostfile"
out=$(bsftp $U <<EOF 2>&1
cd uploads
symlink /etc/shadow l-shadow
symlink ../../../../../../../.. l-up
symlink $W/hostfile l-host
EOF
)
check "the user made symlinks on the volume" [ -L "$H/uploads/l-shadow" ]
for l in l-shadow l-host "l-up$W/hostfile" l-up/etc/shadow; do
        rm -f "$W/got"; bsftp $U <<<"get uploads/$l $W/got" >/dev/null 2>&1
        check "following symlink $l on the volume yields no host file" [ ! -s "$W/got" ]
done
ln -s "$W/hostfile" "$H/planted"
rm -f "$W/got"; bsftp $U <<<"get planted $W/got" >/dev/null 2>&1
check "a root-planted symlink on the volume to a host file yields nothing" [ ! -s "$W/got" ]
out=$(bsftp $U <<<"ls -1 .." 2>&1)
check "the home's parent on the volume shows the user's home only" \
        [ "$(grep -v '^sftp>' <<<"$out" | sed 's|.*/||' | tr '\n' ' ')" = "$U " ]

# Refusals on FUSE: a home below a directory the user owns, a home below
# a symlink.  The launcher, run as the user, and the login through sshd.
refused() { # DESCRIPTION USER PATTERN
        local what=$1 u=$2 pat=$3 err rc
        err=$(cd / && setpriv --reuid "$u" --regid "$u" --init-groups "$LAUNCHER" --subsystem </dev/null 2>&1 >"$W/stdout"); rc=$?
        check "$what: refused, one line on stderr naming it (rc=$rc)" \
                bash -c '[ $1 -ne 0 ] && [ "$(wc -l <<<"$2")" -eq 1 ] && grep -qE "^sftpjail: login refused: .*($3)" <<<"$2"' _ $rc "$err" "$pat"
        diag "stderr: $err"
        check "$what: nothing on stdout" [ ! -s "$W/stdout" ]
        bsftp "$u" <<<"ls" >/dev/null 2>&1; rc=$?
        check "$what: the sftp login through the balancer fails" [ $rc -ne 0 ]
        check "$what: logged" wait_log "user=$u refused: .*($pat)" 3
        check "$what: no session started" bash -c '! grep -q "user=$1 session start" "$2"' _ "$u" "$SYSLOG"
}
refused "home below a directory the user owns, on FUSE" $UB "directory 'userdir' must be owned by root"
refused "home below a symlink, on FUSE" $US "component 'link' is a symlink"
# What FUSE cannot do: project quotas.  A quota there is refused, never
# ignored (the setting: quota / quota_files, sftpjail.conf(5)).
printf '[group sftpjail-test]\n[user %s]\nquota = 10M\n' $UB >"$W/conf-quota"
write_config <"$W/conf-quota"
chown root "$HOMES/userdir"
refused "quota on a FUSE home" $UB "quota cannot be enforced: .* is not on XFS or ext4"
write_config <<<"[group sftpjail-test]"

# ==== 2. root squashed on the volume (what NFS root_squash does) ====
# Homes and their root-owned ancestors exist; from now on root on every
# client is the anonymous user on the volume.
head -c 200000 /dev/urandom >"$W/sq"
echo "$U2's file" >"$H2/uploads/before"; chown $U2: "$H2/uploads/before"
gl volume set $VOL server.root-squash on >&2
for _ in $(seq 1 100); do ls "$H2/uploads" >/dev/null 2>&1 || break; sleep 0.1; done
check "root-squash: root on a client cannot read a user's uploads" bash -c '! ls "$1/uploads" >/dev/null 2>&1' _ "$H2"
diag "root: $(ls "$H2/uploads" 2>&1 | head -1)"
check "root-squash: ... nor create files in the volume's root-owned home" bash -c '! touch "$1/by-root" 2>/dev/null' _ "$H2"
for i in "${HOSTS[@]}"; do
        rm -f "$W/sq.back"
        out=$(hsftp "$i" $U2 <<EOF 2>&1
put $W/sq uploads/sq-h$i
get uploads/sq-h$i $W/sq.back
get uploads/before $W/before
EOF
); rc=$?
        check "root-squash: host $i serves the user: upload, download (rc=$rc)" bash -c '[ $1 -eq 0 ] && cmp -s "$2" "$3"' _ $rc "$W/sq" "$W/sq.back"
        [ $rc -eq 0 ] || diag "$out"
done
check "root-squash: the user's uploads are the user's" \
        [ "$(setpriv --reuid $U2 --regid $U2 --init-groups stat -c %U "$H2/uploads/sq-h1")" = $U2 ]
# doctor checks homes with the user's ids, as the launcher does: root,
# squashed, could not enter the home (0750 root:user) once the client's
# cache of its names has expired (1 s), and doctor must not depend on that.
sleep 2
out=$("$CTL" doctor 2>&1)
check "root-squash: sftpjailctl doctor finds no problem with the user's home" \
        bash -c 'grep -q "user $1" <<<"$2" && ! grep -q "^problem: user $1:" <<<"$2"' _ $U2 "$out"
{ grep -q "user $U2" <<<"$out" && ! grep -q "^problem: user $U2:" <<<"$out"; } || diag "doctor said: $(head -c 3000 <<<"$out")"
gl volume set $VOL server.root-squash off >&2
for _ in $(seq 1 100); do ls "$H2/uploads" >/dev/null 2>&1 && break; sleep 0.1; done
check "root-squash off again: root reads the uploads" ls "$H2/uploads"

# ==== 3. Many hosts behind the balancer ====
# Sessions spread: six logins in a row, round robin.
mark=$(wc -l <"$SYSLOG")
t0=$(t_now)
for _ in 1 2 3 4 5 6; do bsftp $U <<<"pwd" >/dev/null 2>&1; done
login_ms=$(awk -v a="$t0" -v b="$(t_now)" 'BEGIN{printf "%.0f", (b-a)*1000/6}')
diag "6 logins through the balancer, one after another: $login_ms ms each (sftp client, key exchange, jail, pwd, exit)"
login_time() { # USER HOST|- -> ms per login, 3 in a row, straight to a host or through the balancer
        local a i
        a=$(t_now)
        for i in 1 2 3; do if [ "$2" = - ]; then bsftp "$1" <<<"pwd"; else hsftp "$2" "$1" <<<"pwd"; fi >/dev/null 2>&1; done
        awk -v a="$a" -v b="$(t_now)" 'BEGIN{printf "%.0f", (b-a)*1000/3}'
}
diag "login, ms: home on the volume via the balancer $(login_time $U -), straight to host 1 $(login_time $U 1); local home straight to host 1 $(login_time $UL 1)"
starts=$(tail -n +"$mark" "$SYSLOG" | grep -oE "user=$U session start .* host=\"sftp-h[0-9]\"" | grep -oE 'sftp-h[0-9]' | sort | uniq -c | tr -s ' ')
diag "session starts per host: $starts"
for i in "${HOSTS[@]}"; do
        check "sessions spread: host $i served some of six logins" grep -q " sftp-h$i$" <<<"$starts"
done
check "every record of those sessions names its host" bash -c '
        tail -n +"$1" "$2" | grep -E "user=$3 (event=|session start)" | grep -vqE "host=\"sftp-h[123]\"" && exit 1
        tail -n +"$1" "$2" | grep -qE "user=$3 session start"' _ "$mark" "$SYSLOG" $U

# sftpjailctl sessions, per host: only that host's sessions.
bsftp_live $U
check "a live session for sftpjailctl" [ -n "$LIVE_SPID" ]
live_sid=$(nsenter -t "$LIVE_SPID" -u hostname | sed 's/^sftpjail-//')
wait_log "session=$live_sid user=$U session start" 5
live_host=$(host_of "$live_sid")
# What one connection costs on its host: the jail (sftp-server), its
# supervisor and sshd's two processes (session child and monitor).
pss() { awk '/^Pss:/{print $2}' "/proc/$1/smaps_rollup" 2>/dev/null || echo 0; }
ppid() { awk '/^PPid:/{print $2}' "/proc/$1/status"; }
p_sup=$(ppid "$LIVE_SPID"); p_child=$(ppid "$p_sup"); p_mon=$(ppid "$p_child")
diag "PSS of one session: sftp-server $(pss "$LIVE_SPID") KiB, supervisor $(pss "$p_sup") KiB, sshd $(pss "$p_child") + $(pss "$p_mon") KiB ($(tr -s '\0 ' '  ' <"/proc/$p_child/cmdline" | sed 's/ *$//'), $(tr -s '\0 ' '  ' <"/proc/$p_mon/cmdline" | sed 's/ *$//'))"
check "its start record names its host ($live_host)" [ -n "$live_host" ]
# HAProxy in TCP mode hides the client: sshd, and so the records, see the
# balancer's address (docs/scale-out.md: what to do about it).
check "its client is the balancer's address, not the client's" grep -q "session=$live_sid user=$U session start client=$NET.1:" "$SYSLOG"
for i in "${HOSTS[@]}"; do
        out=$(nsenter -t "${HPID[$i]}" -m -p -u -n -- "$CTL" sessions 2>&1)
        if [ "sftp-h$i" = "$live_host" ]; then
                check "sftpjailctl sessions on sftp-h$i lists the session" grep -q "$live_sid" <<<"$out"
        else
                check "sftpjailctl sessions on sftp-h$i does not list it" bash -c '! grep -q "$1" <<<"$2"' _ "$live_sid" "$out"
        fi
        diag "sftp-h$i: $out"
done
echo bye >&7; exec 7>&-; wait "$LIVE_CLIENT" 2>/dev/null

# Throughput: the volume (replica 3, FUSE) against a local home, the same
# host, one 64 MiB upload each.
head -c $((64 << 20)) /dev/urandom >"$W/big"
rate() { # HOST USER -> MB/s
        local a b
        a=$(t_now); hsftp "$1" "$2" <<<"put $W/big uploads/tput" >/dev/null 2>&1 || { echo 0; return; }
        b=$(t_now); awk -v a="$a" -v b="$b" 'BEGIN{printf "%.0f", 64 * 1.048576 / (b - a)}'
}
mb_gl=$(rate 1 $U); mb_local=$(rate 1 $UL)
diag "upload of 64 MiB through one host: $mb_gl MB/s to the gluster volume, $mb_local MB/s to a local home"
check "uploads to the volume and to a local home both worked" bash -c '[ "$1" -gt 0 ] && [ "$2" -gt 0 ]' _ "$mb_gl" "$mb_local"
rm -f "$H/uploads/tput"

# Failover: an upload through the balancer, its host killed mid-way; the
# client reconnects through the balancer, lands on another host and
# resumes with reput.  48 MiB at 64 Mbit/s: about 6 s.
head -c $((48 << 20)) /dev/urandom >"$W/big"
(bsftp $U -l 65536 <<<"put $W/big uploads/big" >"$W/put.out" 2>&1; echo $? >"$W/put.rc") &
PUTC=$!
for _ in $(seq 1 200); do [ "$(stat -c %s "$H/uploads/big" 2>/dev/null || echo 0)" -gt $((8 << 20)) ] && break; sleep 0.05; done
up_host=''
for i in "${HOSTS[@]}"; do
        nsenter -t "${HPID[$i]}" -m -p -u -n -- "$CTL" sessions 2>/dev/null | grep -q "^$U " && up_host=$i
done
check "the upload is running, on host ${up_host:-?} (sftpjailctl sessions)" [ -n "$up_host" ]
partial=$(stat -c %s "$H/uploads/big")
t_kill=$(t_now)
kill -9 "${HPID[${up_host:-1}]}"
wait $PUTC
check "the client saw its connection die (rc $(cat "$W/put.rc"))" [ "$(cat "$W/put.rc")" != 0 ]
# The client's retry loop: reconnect through the same address.
t_back=''
for _ in $(seq 1 100); do
        if bsftp $U <<<"pwd" >/dev/null 2>&1; then t_back=$(t_now); break; fi
        sleep 0.1
done
check "the client reconnects through the balancer" [ -n "$t_back" ]
failover=$(elapsed "$t_kill" "${t_back:-$t_kill}")
diag "killed sftp-h$up_host at $partial of $((48 << 20)) bytes; a new session ${failover} s later"
mark=$(wc -l <"$SYSLOG")
t0=$(t_now)
out=$(bsftp $U <<<"reput $W/big uploads/big" 2>&1); rc=$?
t_reput=$(elapsed "$t0" "$(t_now)")
diag "$out"
check "reput resumes the upload (rc=$rc, ${t_reput} s)" [ $rc -eq 0 ]
resumed_host=$(tail -n +"$mark" "$SYSLOG" | grep -oE "user=$U session start .* host=\"sftp-h[0-9]\"" | grep -oE 'sftp-h[0-9]' | tail -1)
check "the resumed session ran on another host ($resumed_host, not sftp-h$up_host)" \
        bash -c '[ -n "$1" ] && [ "$1" != "$2" ]' _ "$resumed_host" "sftp-h$up_host"
check "the resumed upload's record is complete and names its host" \
        bash -c 'tail -n +"$1" "$2" | grep -qE "user=$3 event=transfer direction=upload status=complete .*path=\"$4\".* host=\"$5\""' \
        _ "$mark" "$SYSLOG" $U "$H/uploads/big" "$resumed_host"
check "sha256 of the file on the volume matches the client's" \
        [ "$(sha256sum <"$H/uploads/big")" = "$(sha256sum <"$W/big")" ]
# The bricks are written by their own processes: a brick that took part
# in the killed host's writes may still be catching up (the self-heal of
# what that client left marked pending), so give them up to 20 s.
bricks_same() { for b in 1 2 3; do cmp -s "$W/big" "$E/bricks/b$b/$U/uploads/big" || return 1; done; }
for _ in $(seq 1 200); do bricks_same && break; sleep 0.1; done
check "... and on every brick (replicated)" bricks_same
bricks_same || diag "bricks: $(for b in 1 2 3; do stat -c "b$b %s" "$E/bricks/b$b/$U/uploads/big" 2>&1; done | tr '\n' ' '); heal: $(gl volume heal $VOL info 2>&1 | tr '\n' ' ' | head -c 600)"
for _ in $(seq 1 50); do st=$(hastat); grep -q "sftp-h$up_host DOWN" <<<"$st" && break; sleep 0.1; done
check "haproxy marked the dead host DOWN" grep -q "sftp-h$up_host DOWN" <<<"$st"
diag "$st"
echo "# estate: failover ${failover}s, reput ${t_reput}s, gluster ${mb_gl} MB/s, local ${mb_local} MB/s" >&2

diag "test-estate ran in ${SECONDS} s (after the lock)"
done_testing
