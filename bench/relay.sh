#!/bin/bash
# The cost of the supervisor's channel relay (src/channel.c), used by
# sessions with idle_timeout or max_session_time: upload time through the
# real sshd (aes128-gcm) of a session without a relay vs one with, in the
# same run, interleaved.  Uses the test harness (a test build, as root):
#   SFTPJAIL_BUILD=build-tests bench/relay.sh [ROUNDS] [MB]
SFTPJAIL_SRCDIR=$(cd "$(dirname "$0")/.." && pwd)
export SFTPJAIL_SRCDIR
# shellcheck source=tests/lib.sh
. "$SFTPJAIL_SRCDIR/tests/lib.sh"
standard_setup "$@"
ROUNDS=${1:-4} MB=${2:-300}
U=sjt-bench
make_user $U
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
head -c $((MB * 1000000)) /dev/zero >"$W/f"
run() {
        local t0 t1
        t0=$(date +%s.%N)
        printf 'put %s uploads/f\n' "$W/f" | sftp_batch $U -o Ciphers=aes128-gcm@openssh.com >/dev/null 2>&1
        t1=$(date +%s.%N)
        awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}'
}
sum_a=0 sum_b=0
for r in $(seq 1 "$ROUNDS"); do
        write_config <<<"[user $U]"; a=$(run)
        printf '[user %s]\nidle_timeout = 15m\n' $U | write_config; b=$(run)
        echo "round $r: direct $a s, relayed $b s"
        sum_a=$(awk -v s="$sum_a" -v x="$a" 'BEGIN{print s + x}')
        sum_b=$(awk -v s="$sum_b" -v x="$b" 'BEGIN{print s + x}')
done
awk -v a="$sum_a" -v b="$sum_b" -v n="$ROUNDS" -v mb="$MB" \
        'BEGIN{printf "mean: direct %.3f s (%.0f MB/s), relayed %.3f s (%.0f MB/s), ratio relayed/direct %.2f\n", a/n, mb*n/a, b/n, mb*n/b, b/a}'
