#!/bin/bash
# Upload events in a booted systemd (tests/lib-container.sh): sftpjail
# installed with its units, sftpjail-events.service running, a jailed user
# whose on_upload hook sha256-sums fd 3 and prints a line to the journal.
# Proves: systemd-analyze verify; a complete upload fires one hook that
# sees the whole file, in ready_dir, as a dynamic user; 100 concurrent
# uploads fire exactly 100 hooks, each with the right sha256; a client
# killed with kill -9 mid-upload fires nothing; a .part upload fires once,
# when renamed; a failed hook is retried; a restart in the middle of a
# backlog loses nothing and runs nothing twice; forged entries (logger
# --journald as root and as the user) are ignored; names through a
# symlink or with '..' never open anything outside the uploads.
#
# Needs: systemd-nspawn, OpenSSH.  Runs as root; takes the integration-test
# lock; ~1-2 minutes.
. "$(dirname "$0")/../lib.sh"
[ -n "${SFTPJAIL_TEST_NS:-}" ] || exec 5>&2
enter_private_ns "$@"
exec 2>&5
trap '' PIPE
trap 'exit 143' TERM INT HUP

for p in systemd-nspawn nsenter sftp ssh-keygen setcap meson ninja sha256sum; do
        command -v "$p" >/dev/null || { echo "1..0 # SKIP $p not installed"; exit 0; }
done

U=sje-erin
. "$SRCDIR/tests/lib-container.sh"
container_install events
check "install put sftpjail-events and its unit in place" test -x "$MERGED/usr/libexec/sftpjail/sftpjail-events" \
        -a -f "$MERGED/lib/systemd/system/sftpjail-events.service"
container_prepare

HOOK=/usr/local/lib/sftpjail-test/hook
install -d -m 0755 "$MERGED/usr/local/lib/sftpjail-test" "$MERGED/etc/sftpjail-test"
cat >"$MERGED$HOOK" <<'EOF'
#!/bin/sh
# Test hook: the sha256 of fd 3 and what it was told, one line on stdout
# (the journal: identifier sftpjail-hook, its transient unit).
sum=$(sha256sum <&3 | cut -d' ' -f1) || exit 3
stdin=$(head -c 10 | wc -c)
if [ -e /etc/sftpjail-test/hook-fail ] && [ "$SFTPJAIL_ATTEMPT" = 1 ]; then
        echo "HOOKFAIL id=$SFTPJAIL_EVENT_ID"; exit 1
fi
[ -e /etc/sftpjail-test/hook-sleep ] && sleep 2
echo "HOOKRUN id=$SFTPJAIL_EVENT_ID sum=$sum bytes=$SFTPJAIL_BYTES user=$SFTPJAIL_USER uid=$(id -u) stdin=$stdin attempt=$SFTPJAIL_ATTEMPT ready=${SFTPJAIL_READY_PATH:-} path=$SFTPJAIL_PATH"
EOF
chmod 0755 "$MERGED$HOOK"
# Quick retries for the test (the default is 5 s, doubling).
install -d "$MERGED/etc/systemd/system/sftpjail-events.service.d"
printf '[Service]\nExecStart=\nExecStart=/usr/libexec/sftpjail/sftpjail-events --retry-base=1\n' \
        >"$MERGED/etc/systemd/system/sftpjail-events.service.d/test.conf"
sed -i "s|^log_level = INFO$|log_level = INFO\non_upload = $HOOK\nready_dir = ready|" "$MERGED/etc/sftpjail/sftpjail.conf"
container_boot

out=$(C systemd-analyze verify --man=no /lib/systemd/system/sftpjail-events.service 2>&1); rc=$?
[ -z "$out" ] || diag "$out"
check "systemd-analyze verify sftpjail-events.service: clean" [ $rc -eq 0 -a -z "$out" ]

C /usr/sbin/sftpjailctl add-user "$U" >"$W/add-user.log" 2>&1 || { cat "$W/add-user.log" >&2; bail "add-user"; }
UP=$(C getent passwd "$U" | cut -d: -f6)/uploads
install -m 0644 "$CLIENT_KEY.pub" "$MERGED/etc/sftpjail/authorized_keys/$U"
C install -d -m 0750 -o "$U" -g "$U" "$UP/ready" "$UP/sub"
out=$(C /usr/sbin/sftpjailctl doctor 2>&1); diag "$(grep -E "problem|$U" <<<"$out")"
check "doctor: no problem with on_upload and ready_dir" eval "! grep -q 'on_upload\|ready_dir' <<<\"\$out\""
check "enable --now sftpjail-sshd.socket" C systemctl enable --now sftpjail-sshd.socket
check "start sftpjail-events.service" C systemctl start sftpjail-events.service
check "... it runs" wait_for 10 eval '[ "$(C systemctl is-active sftpjail-events.service)" = active ]'
check "... its state directory is /var/lib/sftpjail/events (0700)" \
        [ "$(C stat -c %a /var/lib/sftpjail/events 2>/dev/null)" = 700 ]

# The hook's stdout: the journal, identifier sftpjail-hook, its own unit.
hookruns() { journal -t sftpjail-hook | grep '^HOOKRUN'; }
hook_count() { hookruns | grep -c -- "$1"; }
sum_of() { sha256sum "$1" | cut -d' ' -f1; }

# ---- one upload ----
head -c 300000 /dev/urandom >"$W/one.bin"
sftp_batch "$U" <<<"put $W/one.bin uploads/one.bin" >/dev/null 2>&1
check "a complete upload fires its hook" wait_for 20 eval "hookruns | grep -q 'path=one.bin$'"
line=$(hookruns | grep 'path=one.bin$'); diag "$line"
[ -n "$line" ] || diag "$(journal -u sftpjail-events.service | tail -n 20; C journalctl --no-pager -o verbose SFTPJAIL_USER=$U -n 3 | grep -E '_EXE|_UID|SFTPJAIL_(PATH|EVENT|STATUS)')"
if [ -n "${SFTPJAIL_TEST_HOLD:-}" ]; then
        echo "# holding ${SFTPJAIL_TEST_HOLD}s: nsenter -t $CPID -a" >&5; sleep "$SFTPJAIL_TEST_HOLD"
fi
check "... once" [ "$(hook_count 'path=one.bin$')" = 1 ]
check "... the hook read the whole file on fd 3 (sha256)" grep -q "sum=$(sum_of "$W/one.bin") bytes=300000 " <<<"$line"
check "... stdin is empty, the user is dynamic (not root, not the jailed user)" eval \
        "grep -q ' stdin=0 ' <<<\"\$line\" && ! grep -qE ' uid=(0|$(C id -u "$U")) ' <<<\"\$line\""
check "... the file was moved into ready_dir first" eval "grep -q ' ready=ready/one.bin ' <<<\"\$line\" && C test -f $UP/ready/one.bin -a ! -e $UP/one.bin"
check "... its outcome is a journal record (MESSAGE_ID, status ok)" wait_for 5 eval \
        "C journalctl --no-pager -o verbose MESSAGE_ID=3cf1e5cc79d7d953cd8b6af3de103e43 SFTPJAIL_STATUS=ok | grep -q 'SFTPJAIL_PATH=one.bin'"

# ---- 100 concurrent uploads ----
mkdir -p "$W/many"
for i in $(seq 1 100); do head -c $((RANDOM * 3 + i)) /dev/urandom >"$W/many/f$i.bin"; done
t0=$SECONDS clients=()
for c in 0 1 2 3; do
        for i in $(seq $((c * 25 + 1)) $((c * 25 + 25))); do echo "put $W/many/f$i.bin uploads/sub/f$i.bin"; done |
                sftp_batch "$U" >"$W/client$c.log" 2>&1 &
        clients+=($!)
done
# The clients only: a bare 'wait' would wait for the container too.
wait "${clients[@]}"
wait_for 90 eval '[ "$(hook_count " path=sub/f[0-9]*.bin$")" -ge 100 ]'
diag "100 uploads by 4 clients and their hooks: $((SECONDS - t0))s"
bad=0
for i in $(seq 1 100); do
        n=$(hookruns | grep -c " path=sub/f$i.bin$")
        s=$(hookruns | grep " path=sub/f$i.bin$" | grep -c "sum=$(sum_of "$W/many/f$i.bin") ")
        [ "$n" = 1 ] && [ "$s" = 1 ] || { bad=$((bad + 1)); diag "f$i.bin: $n runs, $s with the right sum"; }
done
check "100 concurrent uploads: exactly 100 hook runs, each once, each sha256 right" [ $bad = 0 -a "$(hook_count ' path=sub/f')" = 100 ]

# ---- interrupted: the client killed mid-upload ----
head -c 3000000 /dev/urandom >"$W/big.bin"
sftp_batch "$U" -l 2000 <<<"put $W/big.bin uploads/killed.bin" >/dev/null 2>&1 &
SP=$!
wait_for 10 eval "C test -s $UP/killed.bin"
sleep 1
# The ssh under sftp under timeout under the subshell: the connection
# must drop, not only the shell that started it.
kill -9 $(pgrep -f -- "-l $U -s -- 127.0.0.1 sftp\$") $(pgrep -f -- "-l 2000 -b - $U@") 2>/dev/null
wait "$SP" 2>/dev/null
check "the killed upload is recorded as interrupted" wait_for 15 eval \
        "C journalctl --no-pager -o cat SFTPJAIL_STATUS=interrupted | grep -q 'killed.bin'"
sleep 2
check_not "... and fires no hook" eval "hookruns | grep -q killed.bin"
check "... and stays where it was (not in ready_dir)" C test -f "$UP/killed.bin" -a ! -e "$UP/ready/killed.bin"

# ---- a temporary name, renamed ----
head -c 123457 /dev/urandom >"$W/tmp.bin"
sftp_batch "$U" <<EOF >/dev/null 2>&1
put $W/tmp.bin uploads/doc.pdf.part
rename uploads/doc.pdf.part uploads/doc.pdf
EOF
check ".part upload + rename: fires, for the final name" wait_for 20 eval "hookruns | grep -q 'path=doc.pdf$'"
hookruns | grep -q 'path=doc.pdf$' || diag "$(journal | grep -E 'doc\.pdf' | tail -n 8; journal -u sftpjail-events.service | tail -n 8)"
check "... once, with the whole file" eval "[ \$(hook_count 'path=doc.pdf$') = 1 ] && hookruns | grep 'path=doc.pdf$' | grep -q 'sum=$(sum_of "$W/tmp.bin") '"
check_not "... and never for the .part name" eval "hookruns | grep -q 'doc.pdf.part'"
sftp_batch "$U" <<<"put $W/tmp.bin uploads/stays.part" >/dev/null 2>&1
sleep 3
check_not "a .part upload that is not renamed fires nothing" eval "hookruns | grep -q 'stays'"

# ---- a failed hook is retried ----
touch "$MERGED/etc/sftpjail-test/hook-fail"
echo retry >"$W/retry.txt"
sftp_batch "$U" <<<"put $W/retry.txt uploads/retry.txt" >/dev/null 2>&1
check "a hook that fails is retried (backoff) and then succeeds" wait_for 20 eval "hookruns | grep 'path=retry.txt$' | grep -q ' attempt=2 '"
check "... the failure was recorded" eval "C journalctl --no-pager -o cat MESSAGE_ID=3cf1e5cc79d7d953cd8b6af3de103e43 SFTPJAIL_STATUS=failed | grep -q retry.txt"
rm -f "$MERGED/etc/sftpjail-test/hook-fail"

# ---- restart in the middle of a backlog ----
touch "$MERGED/etc/sftpjail-test/hook-sleep"
for i in $(seq 1 10); do echo "restart $i" >"$W/r$i.txt"; done
for i in $(seq 1 10); do echo "put $W/r$i.txt uploads/r$i.txt"; done | sftp_batch "$U" >/dev/null 2>&1
wait_for 20 eval "hookruns | grep -q 'path=r[0-9]*.txt$'"
done_before=$(hook_count 'path=r[0-9]*.txt$')
check "restart sftpjail-events during the backlog" C systemctl restart sftpjail-events.service
diag "hooks done before the restart: $done_before of 10"
rm -f "$MERGED/etc/sftpjail-test/hook-sleep"
wait_for 60 eval '[ "$(hook_count "path=r[0-9]*.txt$")" -ge 10 ]'
bad=0
for i in $(seq 1 10); do [ "$(hook_count "path=r$i.txt$")" = 1 ] || { bad=$((bad + 1)); diag "r$i.txt: $(hook_count "path=r$i.txt$") runs"; }; done
check "... every event ran exactly once across the restart" [ $bad = 0 ]
check "events.stats: hook_runs, hook_failures, backlog 0" wait_for 10 eval \
        "C cat /var/lib/sftpjail/events/events.stats | grep -qx 'backlog 0'"
diag "$(C cat /var/lib/sftpjail/events/events.stats)"

# ---- hostile ----
# A real, complete upload to name in forged entries.
echo "the real one" >"$W/real.txt"
sftp_batch "$U" <<<"put $W/real.txt uploads/sub/real.txt" >/dev/null 2>&1
wait_for 20 eval "hookruns | grep -q 'path=sub/real.txt$'"
UID_U=$(C id -u "$U")
forge() { # SESSION: a transfer record as the supervisor writes it, via logger
        printf '%s\n' "MESSAGE=forged" "MESSAGE_ID=f53082d27e904777b12f5dde998696ee" "SFTPJAIL_SESSION=$1" \
                "SFTPJAIL_USER=$U" "SFTPJAIL_EVENT=transfer" "SFTPJAIL_DIRECTION=upload" "SFTPJAIL_STATUS=complete" \
                "SFTPJAIL_BYTES=13" "SFTPJAIL_PATH=$UP/ready/one.bin" "SFTPJAIL_EXACT=yes" "SFTPJAIL_HANDLE=1" \
                "SFTPJAIL_END=2099-01-01T00:00:00.000Z" "SFTPJAIL_CLIENT=1.2.3.4:5"
}
forge 00000000000000f1 | C logger --journald
forge 00000000000000f2 | C setpriv --reuid "$UID_U" --regid "$UID_U" --clear-groups logger --journald
C systemd-cat -t sftpjail sh -c "echo forged"
sleep 3
check_not "an entry forged as root (logger --journald) fires nothing" eval "hookruns | grep -q 00000000000000f1"
check_not "an entry forged as the user (wrong _EXE) fires nothing" eval "hookruns | grep -q 00000000000000f2"

# A symlink planted in the uploads, pointing at /etc/shadow; a directory
# symlink; a name with '..'.  sftp-server follows the links inside the
# jail; the daemon must not, outside it.
printf 'x%.0s' $(seq 1 50) >"$W/x50"
sftp_batch "$U" <<EOF >/dev/null 2>&1
symlink . uploads/self
put $W/x50 uploads/self/via-link.txt
put $W/x50 uploads/../uploads/dotdot.txt
EOF
check "an upload named through a directory symlink is refused, not opened" wait_for 15 eval \
        "journal -u sftpjail-events.service | grep -E '^refused: .*self/via-link.txt'"
check "an upload named with '..' is ignored" wait_for 15 eval \
        "journal -u sftpjail-events.service | grep -E '^ignored: .*dotdot.txt.*\\.\\.'"
check_not "... neither fired a hook" eval "hookruns | grep -qE 'via-link|dotdot'"
# The file renamed away and a symlink to /etc/shadow put in its place,
# while sftpjail-events is stopped: the record is read when it starts.
C systemctl stop sftpjail-events.service
sftp_batch "$U" <<EOF >/dev/null 2>&1
put $W/x50 uploads/swap.txt
rename uploads/swap.txt uploads/swapped.txt
symlink /etc/shadow uploads/swap.txt
EOF
C ln -sfn /etc/shadow "$UP/swap.txt"
C chown -h "$U:$U" "$UP/swap.txt"
C systemctl start sftpjail-events.service
check "a symlink to /etc/shadow in the upload's place is refused" wait_for 15 eval \
        "journal -u sftpjail-events.service | grep -E '^refused: .*swap.txt'"
check_not "... no hook ran, nothing was moved" eval "hookruns | grep -q swap.txt || C test -e $UP/ready/swap.txt"
check "/etc/shadow is untouched" C test -f /etc/shadow -a ! -L /etc/shadow
# Another file of the same size and an older mtime (put -p) in the
# place of a complete upload, before the daemon gets to it: size and mtime
# match the first record, the inode its close saw does not.
C systemctl stop sftpjail-events.service
printf 'a%.0s' $(seq 1 50) >"$W/a50"; printf 'b%.0s' $(seq 1 50) >"$W/b50"
touch -d '2020-01-01 00:00' "$W/b50"
sftp_batch "$U" <<EOF >/dev/null 2>&1
put $W/a50 uploads/same.txt
rename uploads/same.txt uploads/same.old
put -p $W/b50 uploads/same.txt
EOF
C systemctl start sftpjail-events.service
check "a complete upload replaced by a file of the same size and older mtime: refused (another inode)" \
        wait_for 15 eval "journal -u sftpjail-events.service | grep -E '^refused: .*same.txt.*another inode'"
check "... the replacement's own upload fires, once, with its content" wait_for 15 eval \
        "[ \$(hook_count 'path=same.txt$') = 1 ] && hookruns | grep 'path=same.txt$' | grep -q 'sum=$(sum_of "$W/b50") '"
inodes=$(C journalctl --no-pager -o cat --output-fields=SFTPJAIL_INODE SFTPJAIL_EVENT=transfer SFTPJAIL_PATH="$UP/same.txt")
check "both uploads' records carry an inode (SFTPJAIL_INODE), not the same one" eval \
        "[ \$(grep -cE '^[0-9]+:[0-9]+:[0-9]+$' <<<\"\$inodes\") = 2 ] && [ \$(sort -u <<<\"\$inodes\" | wc -l) = 2 ]"
diag "inodes: $(echo $inodes)"
diag "$(journal -u sftpjail-events.service | grep same)"

check "sftpjail-events still runs" eval '[ "$(C systemctl is-active sftpjail-events.service)" = active ]'
diag "$(journal -u sftpjail-events.service | grep -vE '^(HOOKRUN|HOOKFAIL|queued|started|done)' | tail -n 15)"

CT=10 C systemctl poweroff --no-block >/dev/null 2>&1
wait_for 45 eval '! kill -0 $NSPAWN_WRAPPER 2>/dev/null'
CPID=
diag "test runtime $((SECONDS - START))s"
done_testing
