#!/bin/bash
# The systemd units in a booted systemd: sftpjail is installed (the fixed
# layout: --prefix=/usr --sysconfdir=/etc) into an overlay of / that
# systemd-nspawn boots.  The container shares the host's network, so its
# sshd listens on the host's loopback and the real OpenSSH clients connect
# from here.  Proves: systemd-analyze verify; sysusers/tmpfiles at boot;
# socket activation with one unit per connection, visible and stoppable;
# file-operation lines in the unit's journal; per-session limits contain a
# session; the dedicated daemon (own host keys, sshd -t gate, minimal
# banner); the nftables rate limit (in a network namespace of its own);
# retention cleanup; the doctor timer.
#
# Needs: systemd-nspawn (systemd-container), nftables, OpenSSH.  Runs as
# root; takes the integration-test lock; ~1-2 minutes.
. "$(dirname "$0")/../lib.sh"
# enter_private_ns re-runs this script with stderr on /dev/null (its lock's
# "exec 9>... 2>/dev/null"); keep the real one on fd 5 for diagnostics.
[ -n "${SFTPJAIL_TEST_NS:-}" ] || exec 5>&2
enter_private_ns "$@"   # lock + private mount namespace: the overlay and
                        # everything mounted on it vanish with this script
exec 2>&5
trap '' PIPE            # a session's client may be gone when we write to it
trap 'exit 143' TERM INT HUP    # so that the EXIT cleanups run (meson's timeout)

for p in systemd-nspawn nsenter nft sftp ssh-keygen setcap meson ninja; do
        command -v "$p" >/dev/null || { echo "1..0 # SKIP $p not installed"; exit 0; }
done
[ -d /run/systemd/system ] && diag "note: the host runs systemd; the container is independent of it"

USER1=sjs-alice
HOME1=/srv/sftp/$USER1
. "$SRCDIR/tests/lib-container.sh"
container_install systemd
check "install put the units in place" test -f "$MERGED/lib/systemd/system/sftpjail-sshd@.service" \
        -a -f "$MERGED/usr/lib/sysusers.d/sftpjail.conf" -a -f "$MERGED/usr/lib/tmpfiles.d/sftpjail.conf"
check "install created /etc/sftpjail/sshd_config from the template" cmp -s \
        "$MERGED/etc/sftpjail/sshd_config" "$MERGED/usr/share/sftpjail/sshd_config"

# sftpjailctl (doctor, add-user) comes from another part of the project.
CTL=/usr/sbin/sftpjailctl
if [ -x "$MERGED$CTL" ]; then
        HAVE_CTL=1
else
        HAVE_CTL=0
        diag "sftpjailctl is not installed yet: the doctor units are tested against a stand-in that reports one problem"
        cat >"$MERGED$CTL" <<'EOF'
#!/bin/sh
# test stand-in for sftpjailctl doctor
echo "sftpjailctl-stand-in: problem: this is not the real sftpjailctl"
exit 1
EOF
        chmod 0755 "$MERGED$CTL"
fi

container_prepare
container_boot

# ---- static checks on what got installed ----
units=(sftpjail-sshd.service sftpjail-sshd.socket sftpjail-sshd@.service sftpjail.slice
        sftpjail-doctor.service sftpjail-doctor.timer sftpjail-ratelimit.service)
out=$(C systemd-analyze verify --man=no "${units[@]/#//lib/systemd/system/}" 2>&1)
rc=$?
[ -z "$out" ] || diag "$out"
check "systemd-analyze verify: all ${#units[@]} units clean" [ $rc -eq 0 -a -z "$out" ]
check "sysusers.d created the sftpjail group at boot" C getent group sftpjail
check "tmpfiles.d created the key directories" C test -d /etc/sftpjail/authorized_keys -a -d /etc/sftpjail/ssh
# ---- a jailed user ----
made=0
if [ $HAVE_CTL = 1 ] && C $CTL add-user "$USER1" >"$W/add-user.log" 2>&1 && C id "$USER1" >/dev/null 2>&1; then
        made=1; diag "user made with sftpjailctl add-user"
        HOME1=$(C getent passwd "$USER1" | cut -d: -f6)
fi
if [ $made = 0 ]; then
        [ $HAVE_CTL = 1 ] && diag "sftpjailctl add-user did not make the user ($(head -c 300 "$W/add-user.log")); manual"
        C useradd -M -d "$HOME1" -s "$LAUNCHER" -G sftpjail "$USER1" || bail "useradd"
        C usermod -p '*' "$USER1"
        C install -d -m 0755 /srv/sftp
        C install -d -m 0750 -o root -g "$USER1" "$HOME1"
fi
C install -d -m 0750 -o "$USER1" -g "$USER1" "$HOME1/uploads"
install -m 0644 "$CLIENT_KEY.pub" "$MERGED/etc/sftpjail/authorized_keys/$USER1"
echo "from the admin" >"$MERGED$HOME1/readme.txt"

# ---- per-connection variant ----
check "enable --now sftpjail-sshd.socket" C systemctl enable --now sftpjail-sshd.socket
check "the socket's ExecStartPre generated the host keys (0600)" \
        [ "$(C stat -c %a /etc/sftpjail/ssh/ssh_host_ed25519_key 2>/dev/null)" = 600 ]
check "the socket listens on 127.0.0.1:$PORT (host network)" wait_for 10 \
        "$PY" -c "import socket; socket.create_connection(('127.0.0.1',$PORT),1)"
check "sshd -t accepts the shipped configuration" C /usr/sbin/sshd -t -f /etc/sftpjail/sshd_config
out=$(C /usr/sbin/sshd -T -f /etc/sftpjail/sshd_config 2>&1)
missing=()
for kv in "forcecommand $LAUNCHER" "subsystem sftp $LAUNCHER --subsystem" "disableforwarding yes" \
        "permittty no" "permituserrc no" "authorizedkeysfile /etc/sftpjail/authorized_keys/%u" \
        "allowgroups sftpjail" "versionaddendum none" "persourcemaxstartups 5" "maxstartups 10:30:60" \
        "usepam no" "pidfile none"; do
        grep -qxF "$kv" <<<"$out" || missing+=("$kv")
done
[ ${#missing[@]} -eq 0 ] || diag "sshd -T lacks: ${missing[*]}"
check "sshd -T: launcher as ForceCommand and subsystem, no forwarding/tty/rc, root-owned keys, AllowGroups, banner, startup limits" \
        [ ${#missing[@]} -eq 0 ]

head -c 3M /dev/urandom >"$W/payload"
out=$(sftp_batch "$USER1" 2>&1 <<EOF
get readme.txt $W/readme.got
cd uploads
put $W/payload payload
ls -l
EOF
)
rc=$?
diag "$out"
check "sftp login as a jailed user through the socket unit" [ $rc -eq 0 ]
[ $rc -eq 0 ] || diag "$(journal -o short -n 40)"
# Debugging: SFTPJAIL_TEST_HOLD=SECONDS keeps the container up here.
if [ -n "${SFTPJAIL_TEST_HOLD:-}" ]; then
        echo "# holding ${SFTPJAIL_TEST_HOLD}s: nsenter -t $CPID -a" >&5; sleep "$SFTPJAIL_TEST_HOLD"
fi
check "upload landed in uploads, intact" cmp -s "$W/payload" "$MERGED$HOME1/uploads/payload"
check "read the admin's file" cmp -s "$W/readme.got" "$MERGED$HOME1/readme.txt"
check_not "writes outside uploads still refused" sftp_batch "$USER1" <<<"put $W/payload stolen"
check "the upload's record is in the units' journal (docs/records.md)" wait_for 10 eval \
        "journal -u 'sftpjail-sshd@*' | grep -E 'session=[^ ]+ user=$USER1 event=transfer direction=upload status=complete bytes=3145728 path=\"$HOME1/uploads/payload\" '"
# The journal has it as fields, the name with its exact bytes, from the
# supervisor itself (journald's trusted _EXE and _UID).
rec=$(C journalctl --no-pager -o export MESSAGE_ID=f53082d27e904777b12f5dde998696ee SFTPJAIL_USER="$USER1" SFTPJAIL_DIRECTION=upload)
check "the record's journal fields: event, status, bytes, exact path, handle" bash -c '
        grep -qx "SFTPJAIL_EVENT=transfer" <<<"$1" && grep -qx "SFTPJAIL_STATUS=complete" <<<"$1" &&
        grep -qx "SFTPJAIL_BYTES=3145728" <<<"$1" && grep -qx "SFTPJAIL_PATH=$2/uploads/payload" <<<"$1" &&
        grep -qx "SFTPJAIL_HANDLE=[0-9]*" <<<"$1" && grep -qx "SFTPJAIL_EXACT=yes" <<<"$1"' _ "$rec" "$HOME1"
check "... and the host that served it (SFTPJAIL_HOST, the journal's _HOSTNAME)" bash -c '
        h=$(grep -x "_HOSTNAME=.*" <<<"$1" | head -1 | cut -d= -f2-); [ -n "$h" ] && grep -qx "SFTPJAIL_HOST=$h" <<<"$1"' _ "$rec"
check "...written by the supervisor, as the user" bash -c '
        grep -qx "_EXE=/usr/libexec/sftpjail/sftpjail-supervise" <<<"$1" && grep -qx "_UID=$2" <<<"$1"' _ "$rec" "$(C id -u "$USER1")"
check "the failed write outside uploads is recorded as failed" eval \
        "journal -u 'sftpjail-sshd@*' | grep -qE 'user=$USER1 event=transfer direction=upload status=failed bytes=0 path=\"$HOME1/stolen\" '"
journal -u 'sftpjail-sshd@*' | grep -E "session=|Accepted" | tail -n 8 >"$W/j.txt"; diag "$(cat "$W/j.txt")"
check "session start and end logged" eval "journal -u 'sftpjail-sshd@*' | grep -q 'user=$USER1 session start' && journal -u 'sftpjail-sshd@*' | grep -q 'user=$USER1 session end'"
check "sshd's own lines carry the identity sftpjail-sshd" eval "journal -t sftpjail-sshd | grep -q 'Accepted publickey for $USER1'"

# A live session is a unit; systemctl stop ends it and the client sees it.
live_session() { # $1: fifo; commands come from it
        _ssh_opts
        exec timeout 120 sftp "${SSH_OPTS[@]}" -b "$1" "$USER1@127.0.0.1" >"$1.out" 2>&1
}
mkfifo "$W/s1"
live_session "$W/s1" & S1=$!
exec 7>"$W/s1"; echo "cd uploads" >&7
session_units() { C systemctl list-units --no-legend --plain --state=running 'sftpjail-sshd@*' | awk '{print $1}'; }
wait_for 10 eval '[ -n "$(session_units)" ] && C pgrep -u '"$USER1"' -x sftp-server'
U1=$(session_units)
diag "live session units: $U1"
check "the live session is one unit: systemctl list-units 'sftpjail-sshd@*'" [ "$(wc -w <<<"$U1")" = 1 ]
check "the session unit is in sftpjail.slice" [ "$(C systemctl show -P Slice "$U1")" = sftpjail.slice ]
check "the jailed sftp-server runs in the session unit's cgroup" eval \
        "C systemctl status --no-pager -n0 '$U1' | grep -q sftp-server"
check "per-session defaults: TasksMax=32, MemoryMax=256M" [ "$(C systemctl show -P TasksMax "$U1")" = 32 -a \
        "$(C systemctl show -P MemoryMax "$U1")" = 268435456 ]
SSH1=$(pgrep -P "$(pgrep -P "$S1" -x sftp)" -x ssh)
t0=$(date +%s.%N)
check "systemctl stop ends the session" C systemctl stop "$U1"
if wait_for 15 eval "! kill -0 $SSH1 2>/dev/null"; then
        diag "client's ssh gone $(awk "BEGIN{printf \"%.2f\", $(date +%s.%N) - $t0}")s after systemctl stop was issued"
        ok "the client's connection was closed"
else
        not_ok "the client's connection was closed"
fi
echo "ls" >&7
wait_for 15 eval '! kill -0 $S1 2>/dev/null'
wait $S1; rc=$?
diag "sftp client exit status $rc: $(tr '\n' ' ' <"$W/s1.out")"
check "the sftp client reports the lost connection" [ $rc -ne 0 ]
exec 7>&-
check "no jailed sftp-server left" wait_for 5 eval "! C pgrep -u $USER1 -x sftp-server"

# ---- limits contain a session ----
# TasksMax: a tiny limit for new sessions (drop-in on the template); one
# already running session keeps working, a new one is refused cleanly, the
# socket keeps serving once the limit is lifted.
mkfifo "$W/s2"
live_session "$W/s2" & S2=$!
exec 8>"$W/s2"; echo "cd uploads" >&8
wait_for 10 eval '[ -n "$(session_units)" ] && C pgrep -u '"$USER1"' -x sftp-server'
U2=$(session_units)
C install -d /etc/systemd/system/sftpjail-sshd@.service.d
printf '[Service]\nTasksMax=3\n' | C tee /etc/systemd/system/sftpjail-sshd@.service.d/tiny.conf >/dev/null
C systemctl daemon-reload
out=$(sftp_batch "$USER1" <<<"ls" 2>&1); rc=$?
diag "with TasksMax=3: $(tr '\n' ' ' <<<"$out")"
check_not "a new session under TasksMax=3 cannot start (its jail cannot fork)" [ $rc -eq 0 ]
# 15 s, and the journal printed when it is not there: a clean-clone run
# on 2026-12-07 (release build) did not see it within 5 s, and said
# nothing more.  Which process of the session hits the limit first (sshd's
# own fork, or the launcher's clone) may vary.
check "... and the refusal is in the journal" wait_for 15 eval \
        "journal -u 'sftpjail-sshd@*' --since=-45s | grep -Ei 'refused|fork|Resource temporarily unavailable|clone'" ||
        diag "the session units' journal: $(journal -u 'sftpjail-sshd@*' --since=-60s | tail -n 15 | tr '\n' '|')"
echo "put $W/readme.got during-limit.txt" >&8
check "the session started before keeps working" wait_for 10 test -f "$MERGED$HOME1/uploads/during-limit.txt"
C rm -f /etc/systemd/system/sftpjail-sshd@.service.d/tiny.conf; C systemctl daemon-reload
check "new sessions work again without the drop-in" sftp_batch "$USER1" <<<"ls"

# MemoryMax: the running session gets 24M (systemctl set-property, as an
# admin would); a 64 MiB upload through it is held to that (page cache is
# charged to the session and reclaimed), and the session survives.
C systemctl set-property --runtime "$U2" MemoryMax=24M
cg=$(C systemctl show -P ControlGroup "$U2")
head -c 64M /dev/urandom >"$W/big"
echo "put $W/big big" >&8
echo "mkdir big-done" >&8
wait_for 60 test -d "$MERGED$HOME1/uploads/big-done"
check "64 MiB upload through a session limited to 24M arrives intact" cmp -s "$W/big" "$MERGED$HOME1/uploads/big"
rm -f "$W/big"
# cgroup v1: memory.max_usage_in_bytes/failcnt; v2: memory.peak/events.
if C test -f "/sys/fs/cgroup/memory$cg/memory.max_usage_in_bytes"; then
        peak=$(C cat "/sys/fs/cgroup/memory$cg/memory.max_usage_in_bytes")
        hits=$(C cat "/sys/fs/cgroup/memory$cg/memory.failcnt")
else
        peak=$(C cat "/sys/fs/cgroup$cg/memory.peak")
        hits=$(C awk '$1 == "max" { print $2 }' "/sys/fs/cgroup$cg/memory.events")
fi
diag "session with MemoryMax=24M after a 64 MiB upload: peak ${peak:-?} bytes, limit reached ${hits:-?} times"
check "its memory reached the limit and stayed there" [ "${peak:-0}" -le $((24 << 20)) -a "${hits:-0}" -gt 0 ]
echo "put $W/readme.got after-limit.txt" >&8
exec 8>&-
wait_for 30 eval '! kill -0 $S2 2>/dev/null'
wait $S2; rc=$?
check "... and the session went on working to its normal end" [ $rc -eq 0 -a -f "$MERGED$HOME1/uploads/after-limit.txt" ]

# A session that cannot fit in its MemoryMax is killed by the OOM killer,
# in its own cgroup; nothing else is touched.
printf '[Service]\nMemoryMax=1M\n' | C tee /etc/systemd/system/sftpjail-sshd@.service.d/tiny.conf >/dev/null
C systemctl daemon-reload
out=$(sftp_batch "$USER1" <<<"ls" 2>&1); rc=$?
# The newest session unit is that one (instance names are unique: they
# hold the client's port).
U3=$(journal -u 'sftpjail-sshd@*' | sed -n 's/^Started \(sftpjail-sshd@[^ ]*\.service\).*/\1/p' | tail -n1)
# systemd reports OOM kills on cgroup v2; on v1 only the kernel does.
oom=
[ -n "$U3" ] && oom=$( { journal -u "$U3" | grep -i 'oom'; dmesg 2>/dev/null | grep -F "oom_memcg=" | grep -F "/$U3," | tail -n1; } | head -n2)
diag "MemoryMax=1M session $U3: client status $rc; ${oom:-no OOM report found}"
check "a session over its MemoryMax is ended by the OOM killer (in its own cgroup)" [ $rc -ne 0 -a -n "$U3" -a -n "$oom" ]
C rm -f /etc/systemd/system/sftpjail-sshd@.service.d/tiny.conf; C systemctl daemon-reload
check "... while new sessions are served normally" sftp_batch "$USER1" <<<"ls"
check "the socket unit stays active" C systemctl is-active sftpjail-sshd.socket

# ---- dedicated daemon ----
C sh -c 'rm -f /etc/sftpjail/ssh/ssh_host_*'
check "starting sftpjail-sshd.service stops the conflicting socket" C systemctl start sftpjail-sshd.service
check "its ExecStartPre generated fresh host keys" C test -s /etc/sftpjail/ssh/ssh_host_ed25519_key -a \
        -s /etc/sftpjail/ssh/ssh_host_rsa_key
check "... socket inactive" eval '[ "$(C systemctl is-active sftpjail-sshd.socket)" = inactive ]'
check "dedicated daemon serves SFTP" wait_for 10 sftp_batch "$USER1" <<<"ls"
# What the configuration refuses, tried: a remote command, a shell, a
# remote port forward.
check_not "no remote command through the dedicated sshd" ssh_cmd "$USER1" id
_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=yes -R 0:127.0.0.1:22 "$USER1@127.0.0.1" 2>"$W/fwd.err"; rc=$?
diag "remote forward attempt: status $rc, $(tr '\n' ' ' <"$W/fwd.err")"
check "no remote port forwarding (refused, not hanging)" [ $rc -eq 255 ]
banner=$("$PY" -c "import socket; s=socket.create_connection(('127.0.0.1',$PORT),5); print(s.recv(200).decode().strip())")
diag "banner: $banner"
check "minimal banner (no Debian revision, no addendum)" grep -Eqx 'SSH-2\.0-OpenSSH_[0-9.]+p[0-9]+' <<<"$banner"
check "daemon's log lines under its unit" wait_for 10 eval \
        "journal -u sftpjail-sshd.service | grep -q 'user=$USER1 session end'"
check "the daemon runs in sftpjail.slice" [ "$(C systemctl show -P Slice sftpjail-sshd.service)" = sftpjail.slice ]
cp "$MERGED/etc/sftpjail/sshd_config" "$W/sshd_config.good"
echo "NoSuchOption yes" >>"$MERGED/etc/sftpjail/sshd_config"
C systemctl stop sftpjail-sshd.service
check_not "a broken sshd_config does not start (ExecStartPre sshd -t)" C systemctl start sftpjail-sshd.service
check "... and nothing listens" eval "! $PY -c \"import socket; socket.create_connection(('127.0.0.1',$PORT),1)\" 2>/dev/null"
cp "$W/sshd_config.good" "$MERGED/etc/sftpjail/sshd_config"
C systemctl reset-failed sftpjail-sshd.service

# ---- nftables rate limit, in a network namespace of the container's own ----
C ip netns add sftpjail-rl
C ip -n sftpjail-rl link set lo up
C install -d /etc/systemd/system/sftpjail-ratelimit.service.d
printf '[Service]\nNetworkNamespacePath=/run/netns/sftpjail-rl\nEnvironment=SFTPJAIL_PORT=%s\n' "$PORT" |
        C tee /etc/systemd/system/sftpjail-ratelimit.service.d/test.conf >/dev/null
C systemctl daemon-reload
check "sftpjail-ratelimit.service loads the rule set" C systemctl start sftpjail-ratelimit.service
check "... table inet sftpjail present in that namespace only" eval \
        "C ip netns exec sftpjail-rl nft list table inet sftpjail >/dev/null && ! C nft list table inet sftpjail >/dev/null 2>&1"
# 8 connection attempts at once, then one after 6.5 s (the bucket refills
# one every 6 s).
rl_probe() {
        C ip netns exec sftpjail-rl python3 - "$PORT" "$1" <<'EOF'
import socket, sys, threading, time
port, pause = int(sys.argv[1]), float(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", port)); srv.listen(64)
threading.Thread(target=lambda: [srv.accept() for _ in iter(int, 1)], daemon=True).start()
def attempt():
    s = socket.socket(); s.settimeout(0.8)
    try:
        s.connect(("127.0.0.1", port)); return "1"
    except OSError:
        return "0"
    finally:
        s.close()
r = "".join(attempt() for _ in range(8))
if pause:
    time.sleep(pause); r += "+" + attempt()
print(r)
EOF
}
res=$(CT=30 rl_probe 6.5)
diag "rate limit: 8 quick attempts then one after 6.5s: $res (1 = connected)"
check "5 new connections per source pass, the next ones are dropped" [ "${res%%+*}" = 11111000 ]
check "... and the source gets a new slot after 6 s" [ "${res#*+}" = 1 ]
check "stopping the unit removes the table" C systemctl stop sftpjail-ratelimit.service
res=$(CT=30 rl_probe 0)
check "... and nothing is limited any more ($res)" [ "$res" = 11111111 ]
C ip netns del sftpjail-rl

# ---- retention (tmpfiles.d), enabled the documented way ----
C cp /usr/share/sftpjail/sftpjail-retention.conf /etc/tmpfiles.d/
up=$HOME1/uploads
C sh -ec "
        echo x >$up/old.bin; echo x >$up/new.bin; echo x >$HOME1/old-home.txt
        mkdir -p $up/olddir $up/busydir; echo x >$up/busydir/new-inside.bin; echo x >$up/busydir/old-inside.bin
        touch -d '40 days ago' $up/old.bin $HOME1/old-home.txt $up/busydir/old-inside.bin
        touch -d '40 days ago' $up/olddir $up/busydir
        touch -d '2 days ago' $up/new.bin"
C systemd-tmpfiles --clean
gone() { ! C test -e "$1"; }
check "retention: an upload older than 30 days is removed" gone "$up/old.bin"
check "retention: a recent upload stays" C test -f "$up/new.bin"
check "retention: an old empty directory in uploads is removed" gone "$up/olddir"
check "retention: an old directory with recent content stays, its old file goes" \
        eval "C test -f $up/busydir/new-inside.bin && ! C test -e $up/busydir/old-inside.bin"
check "retention: the uploads directory itself stays" C test -d "$up"
check "retention: old files outside uploads stay" C test -f "$HOME1/old-home.txt"
C rm -f /etc/tmpfiles.d/sftpjail-retention.conf

# ---- doctor timer ----
check "enable --now sftpjail-doctor.timer" C systemctl enable --now sftpjail-doctor.timer
check "the timer is scheduled" eval "C systemctl list-timers --all --no-legend sftpjail-doctor.timer | grep -q sftpjail-doctor.service"
C systemctl start sftpjail-doctor.service; rc=$?
res=$(C systemctl show -P Result sftpjail-doctor.service)
dj=$(journal -u sftpjail-doctor.service | tail -n 5)
diag "doctor run: systemctl rc=$rc, Result=$res; journal: $dj"
if [ $HAVE_CTL = 1 ]; then
        check "the doctor ran (success, or exit 1 with its findings logged)" eval \
                "[ '$res' = success ] || { [ '$res' = exit-code ] && [ -n \"\$dj\" ]; }"
else
        check "a doctor finding fails the unit and is in its journal (stand-in)" eval \
                "[ '$res' = exit-code ] && grep -q 'problem:' <<<\"\$dj\""
fi

# ---- shutdown ----
CT=10 C systemctl poweroff --no-block >/dev/null 2>&1
if wait_for 45 eval '! kill -0 $NSPAWN_WRAPPER 2>/dev/null'; then
        ok "the container powered off"
else
        not_ok "the container powered off"
fi
CPID=
diag "test runtime $((SECONDS - START))s"
done_testing
