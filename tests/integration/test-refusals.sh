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
        check "$user: legacy scp upload wrote nothing" [ ! -e "$TESTROOT/home/$user/uploads/legacy" ]
        err=$(scp_cmd -O "$user@127.0.0.1:/etc/passwd" "$W/p" 2>&1); rc=$?
        check "$user: legacy scp -O download refused" [ $rc -ne 0 ]
        check "$user: legacy scp message" grep -q "legacy scp" <<<"$err"
        _ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
        err=$(timeout 30 rsync -e "ssh ${o[*]}" "$W/f" "$user@127.0.0.1:uploads/rs" 2>&1); rc=$?
        check "$user: rsync refused" [ $rc -ne 0 ]
        check "$user: rsync message" grep -q "rsync is not available" <<<"$err"
        check "$user: scp (SFTP mode) works" scp_cmd "$W/f" "$user@127.0.0.1:uploads/viasftp"
        check "$user: sftp works" sftp_batch $user <<<"ls uploads"
        check "$user: no sftp-server left behind" no_server_left $user
        after=$(grep -c "session start" "$SYSLOG")
        check "$user: only the two SFTP logins started a jail" [ $((after - before)) -eq 2 ]
        check "$user: refusals are logged" grep -q "user=$user refused" "$SYSLOG"
done

# Forwarding and tunnels (sshd: DisableForwarding, PermitTunnel no).
_ssh_opts; o=("${SSH_OPTS[@]}"); o[${#o[@]}-2]=-p
fport=$(free_port)
timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=no -L "$fport:127.0.0.1:$PORT" "$U@127.0.0.1" &
fpid=$!; on_exit "kill $fpid"
sleep 1.5
check_not "local forwarding to the sshd port carries nothing" \
        timeout 5 "$PY" -c "import socket,sys; s=socket.create_connection(('127.0.0.1',$fport),2); s.settimeout(3); sys.exit(0 if s.recv(10).startswith(b'SSH-') else 1)"
kill $fpid 2>/dev/null
err=$(timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=yes -R "$(free_port):127.0.0.1:22" "$U@127.0.0.1" 2>&1); rc=$?
check "remote forwarding refused (rc=$rc)" [ $rc -ne 0 ]
err=$(timeout 20 ssh "${o[@]}" -N -o ExitOnForwardFailure=yes -w any "$U@127.0.0.1" 2>&1); rc=$?
check "tunnel device refused (rc=$rc)" [ $rc -ne 0 ]
err=$(timeout 20 ssh "${o[@]}" -tt "$U@127.0.0.1" 2>&1 </dev/null); rc=$?
check "a forced tty request still gets no shell (rc=$rc)" [ $rc -ne 0 ]
check "sshd denied the tty" grep -qi "PTY allocation request failed" <<<"$err"
rm -f /tmp/sjt-ref-pwned

done_testing
