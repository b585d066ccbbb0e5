#!/bin/bash
# Nothing but SFTP: shells, commands, legacy scp, rsync, forwarding and
# tunnels are refused; scp in SFTP mode works.  Both as ForceCommand and
# with the launcher as login shell and no ForceCommand.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-ref
S=sjt-ref-shell
make_user $U
make_user $S
write_config <<CFG
[user $U]
[user $S]
CFG
# $S: no ForceCommand at all; the launcher is their login shell.
start_sshd < <(sshd_jail_match | sed "s/^Match Group sftpjail-test$/Match Group sftpjail-test User *,!$S/"
        sshd_jail_match | sed -e "s/^Match Group sftpjail-test$/Match User $S/" -e '/ForceCommand/d')
W=$(mktemp -d); on_exit "rm -rf $W"
echo data >"$W/f"
MSG="sftpjail: login refused: this account is for SFTP only"
# Lines sshd logged since the mark.
mark_sshd_log() { SSHD_MARK=$(wc -l <"$SSHD_LOG"); }
sshd_log_since() { tail -n +$((SSHD_MARK + 1)) "$SSHD_LOG"; }

# The second user really has no ForceCommand: what reaches the launcher
# there is its login-shell path alone.
check "$U: sshd forces the launcher" bash -c '/usr/sbin/sshd -T -f "$1" -C "user=$2,host=localhost,addr=127.0.0.1" | grep -qx "forcecommand $3"' _ "$TESTROOT/sshd/sshd_config" $U "$LAUNCHER"
check "$S: sshd forces no command (login-shell mode)" bash -c '! /usr/sbin/sshd -T -f "$1" -C "user=$2,host=localhost,addr=127.0.0.1" | grep -qi "^forcecommand /"' _ "$TESTROOT/sshd/sshd_config" $S
check "$S: the launcher is the login shell" [ "$(getent passwd $S | cut -d: -f7)" = "$LAUNCHER" ]

no_server_left() { ! pgrep -u "$1" -x sftp-server >/dev/null; }

for user in $U $S; do
        before=$(grep -c "session start" "$SYSLOG")
        err=$(ssh_cmd $user </dev/null 2>&1); rc=$?
        check "$user: shell request refused (rc=$rc)" [ $rc -ne 0 ]
        check "$user: shell refusal says why" grep -q "$MSG" <<<"$err"
        err=$(ssh_cmd $user id 2>&1); rc=$?
        check "$user: exec request refused (rc=$rc)" [ $rc -ne 0 ]
        check "$user: exec refusal says why" grep -q "$MSG; remote commands" <<<"$err"
        check_not "$user: exec ran nothing (no uid= output)" grep -q "uid=" <<<"$err"
        err=$(ssh_cmd $user 'sftp-server; touch /tmp/sjt-ref-pwned' 2>&1)
        check_not "$user: metacharacters after sftp-server run nothing" [ -e /tmp/sjt-ref-pwned ]
        err=$(scp_cmd -O "$W/f" "$user@127.0.0.1:uploads/legacy" 2>&1); rc=$?
        check "$user: legacy scp -O upload refused" [ $rc -ne 0 ]
        check "$user: legacy scp upload refusal says why" grep -q "$MSG; legacy scp" <<<"$err"
        check "$user: legacy scp upload wrote nothing" [ ! -e "$TESTROOT/home/$user/uploads/legacy" ]
        rm -f "$W/p"
        err=$(scp_cmd -O "$user@127.0.0.1:/etc/passwd" "$W/p" 2>&1); rc=$?
        check "$user: legacy scp -O download refused" [ $rc -ne 0 ]
        check "$user: legacy scp download refusal says why" grep -q "$MSG; legacy scp" <<<"$err"
        check "$user: legacy scp download fetched nothing" [ ! -s "$W/p" ]
        _ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
        err=$(timeout 30 rsync -e "ssh ${o[*]}" "$W/f" "$user@127.0.0.1:uploads/rs" 2>&1); rc=$?
        check "$user: rsync upload refused" [ $rc -ne 0 ]
        check "$user: rsync message" grep -q "$MSG; rsync is not available" <<<"$err"
        check "$user: rsync wrote nothing" [ ! -e "$TESTROOT/home/$user/uploads/rs" ]
        err=$(timeout 30 rsync -e "ssh ${o[*]}" "$user@127.0.0.1:/etc/passwd" "$W/rs" 2>&1); rc=$?
        check "$user: rsync download refused" bash -c '[ $1 -ne 0 ] && grep -q "rsync is not available" <<<"$2" && [ ! -e "$3" ]' _ $rc "$err" "$W/rs"
        for why in "interactive shells" "remote commands" "legacy scp" "rsync"; do
                check "$user: refusal logged ($why)" grep -q "user=$user refused: this account is for SFTP only; $why" "$SYSLOG"
        done
        check "$user: no sftp-server runs after the refusals" no_server_left $user
        check "$user: scp (SFTP mode) works" scp_cmd "$W/f" "$user@127.0.0.1:uploads/viasftp"
        check "$user: sftp works" sftp_batch $user <<<"ls uploads"
        check "$user: no sftp-server left behind" no_server_left $user
        after=$(grep -c "session start" "$SYSLOG")
        check "$user: only the two SFTP logins started a jail" [ $((after - before)) -eq 2 ]
        check "$user: refusals are logged" grep -q "user=$user refused" "$SYSLOG"
done

# Forwarding and tunnels (sshd: DisableForwarding, PermitTunnel no).  For
# each: the ssh connection itself is up (so the refusal is the server's),
# and nothing reaches the target.
_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
banner_via_direct() { # PORT: does a plain TCP connection there get an SSH banner?
        timeout 5 "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$1),2); s.settimeout(3); sys.exit(0 if s.recv(10).startswith(b'SSH-') else 1)"
}
banner_via_socks() { # SOCKSPORT TARGETPORT: SOCKS5 CONNECT, then an SSH banner?
        timeout 5 "$PY" - "$1" "$2" <<'PY'
import socket, struct, sys
s = socket.create_connection(('127.0.0.1', int(sys.argv[1])), 2); s.settimeout(3)
s.sendall(b'\x05\x01\x00')
if s.recv(2) != b'\x05\x00': sys.exit(1)
s.sendall(b'\x05\x01\x00\x01' + socket.inet_aton('127.0.0.1') + struct.pack('>H', int(sys.argv[2])))
r = s.recv(10)
if len(r) < 2 or r[1] != 0: sys.exit(1)
sys.exit(0 if s.recv(10).startswith(b'SSH-') else 1)
PY
}
check "control: the sshd port itself answers with a banner" banner_via_direct $PORT

mark_sshd_log
fport=$(free_port)
timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=no -L "$fport:127.0.0.1:$PORT" "$U@127.0.0.1" &
fpid=$!; on_exit "kill $fpid"
for _ in $(seq 1 60); do banner_via_direct $fport 2>/dev/null; ss -ltn "sport = :$fport" | grep -q LISTEN && break; sleep 0.05; done
sleep 0.5
check "-L: the client is connected and listening" bash -c 'kill -0 $1 && ss -ltn "sport = :$2" | grep -q LISTEN' _ $fpid $fport
check_not "-L: local forwarding to the sshd port carries nothing" banner_via_direct $fport
check "-L: sshd refused the forward" grep -q "refused local port forward" <(sshd_log_since)
kill $fpid 2>/dev/null; wait $fpid 2>/dev/null

mark_sshd_log
sport=$(free_port)
timeout 20 ssh "${o[@]}" -N -D "$sport" "$U@127.0.0.1" &
dpid=$!; on_exit "kill $dpid"
for _ in $(seq 1 60); do ss -ltn "sport = :$sport" | grep -q LISTEN && break; sleep 0.05; done
sleep 0.5
check "-D: the client is connected and its SOCKS port listens" bash -c 'kill -0 $1 && ss -ltn "sport = :$2" | grep -q LISTEN' _ $dpid $sport
check_not "-D: a SOCKS CONNECT to the sshd port carries nothing" banner_via_socks $sport $PORT
check "-D: sshd refused the forward" grep -q "refused local port forward" <(sshd_log_since)
kill $dpid 2>/dev/null; wait $dpid 2>/dev/null

rport=$(free_port)
err=$(timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=yes -R "$rport:127.0.0.1:$PORT" "$U@127.0.0.1" 2>&1); rc=$?
check "-R: remote forwarding refused (rc=$rc)" [ $rc -ne 0 ]
check "-R: refused by the server" grep -q "remote port forwarding failed for listen port $rport" <<<"$err"
check_not "-R: nothing listens on the remote port" bash -c 'ss -ltn "sport = :$1" | grep -q LISTEN' _ $rport
err=$(timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=yes -w any "$U@127.0.0.1" 2>&1); rc=$?
check "-w: tunnel device refused (rc=$rc)" [ $rc -ne 0 ]
check "-w: refused by the server" grep -q "Tunnel forwarding failed" <<<"$err"
for user in $U $S; do
        starts=$(grep -c "user=$user session start" "$SYSLOG")
        err=$(timeout 20 ssh "${o[@]}" -tt "$user@127.0.0.1" 2>&1 </dev/null); rc=$?
        check "$user: -t: a forced tty request still gets no shell (rc=$rc)" [ $rc -ne 0 ]
        check "$user: -t: sshd denied the tty" grep -qi "PTY allocation request failed" <<<"$err"
        # (ssh -tt gives up when its forced pty is denied; without a pty
        # the shell request is the launcher's refusal, checked above.)
        check "$user: -t: no session started" [ "$(grep -c "user=$user session start" "$SYSLOG")" -eq "$starts" ]
done
rm -f /tmp/sjt-ref-pwned

done_testing
