#!/bin/bash
# Hundreds of sessions leave nothing behind: the host's mount table,
# process list and sshd's fds are as before, and every session is logged
# from start to end.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-churn
make_user $U
write_config <<CFG
[user $U]
CFG
# MaxStartups: sshd's own limit on unauthenticated connections would drop
# some of the concurrent burst; that is sshd's policy, not the jail's.
start_sshd < <(echo "MaxStartups 100"; sshd_jail_match)
W=$(mktemp -d); on_exit "rm -rf $W"
head -c 200k /dev/urandom >"$W/blob"
N=${CHURN_SESSIONS:-200}
C=${CHURN_CONCURRENT:-30}

snapshot() { host_snapshot "$1" "^($U) |sftp-server|sftpjail"; }
snapshot before

fail=0
for i in $(seq 1 "$N"); do
        if [ $((i % 10)) -eq 0 ]; then
                sftp_batch $U >/dev/null 2>&1 <<EOF || fail=$((fail + 1))
put $W/blob uploads/b$i
get uploads/b$i $W/got
rm uploads/b$i
EOF
                cmp -s "$W/blob" "$W/got" || fail=$((fail + 1))
        else
                sftp_batch $U <<<"ls" >/dev/null 2>&1 || fail=$((fail + 1))
        fi
done
check "$N sequential sessions all worked" [ $fail -eq 0 ]

pids=()
for i in $(seq 1 "$C"); do
        sftp_batch $U >/dev/null 2>&1 <<EOF &
put $W/blob uploads/c$i
ls -l uploads
EOF
        pids+=($!)
done
cfail=0
for p in "${pids[@]}"; do wait "$p" || cfail=$((cfail + 1)); done
check "$C concurrent sessions all worked ($cfail failed)" [ $cfail -eq 0 ]
check "concurrent uploads all intact" bash -c 'for i in $(seq 1 $1); do cmp -s "$2" "$3/c$i" || exit 1; done' _ "$C" "$W/blob" "$TESTROOT/home/$U/uploads"

# Let the last sshd session processes exit.
for _ in $(seq 1 100); do pgrep -u $U >/dev/null || break; sleep 0.05; done
snapshot after
check "host mount table unchanged" diff -u "$W/before.mnt1" "$W/after.mnt1"
check "this namespace's mount table unchanged" diff -u "$W/before.mnt" "$W/after.mnt"
check "no sftp-server, launcher or user process left" diff -u "$W/before.ps" "$W/after.ps"
check "sshd holds no extra fds" diff -u "$W/before.fd" "$W/after.fd"

total=$((N + C))
starts=$(grep -c "user=$U session start" "$SYSLOG")
ends=$(grep -c "user=$U session end exit=0" "$SYSLOG")
check "every session logged its start ($starts of $total)" [ "$starts" -eq "$total" ]
check "every session logged a clean end ($ends of $total)" [ "$ends" -eq "$total" ]
unpaired=$(grep -oE "session=[0-9a-f]{16} user=$U session (start|end)" "$SYSLOG" | awk '{print $1}' | sort | uniq -c | awk '$1!=2' | wc -l)
check "start and end pair up by session id ($unpaired unpaired)" [ "$unpaired" -eq 0 ]
ids=$(grep -oE "session=[0-9a-f]{16} user=$U session start" "$SYSLOG" | awk '{print $1}' | sort -u | wc -l)
check "session ids are unique" [ "$ids" -eq "$total" ]

done_testing
