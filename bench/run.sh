#!/bin/bash
# sftpjail benchmark: what the jail costs, against plain OpenSSH sftp-server
# and a bubblewrap jail, measured in the same run and interleaved so that
# machine noise hits every variant alike.  As root on Debian 12:
#
#     sudo bench/run.sh            # full run (a few minutes)
#     QUICK=1 sudo bench/run.sh    # fewer rounds
#     ONLY=5 sudo bench/run.sh     # only these rows (numbers below, e.g. ONLY="1 5")
#
# Creates its own build, user (sjb, sjb-plain), data and sshd under
# /var/lib/sftpjail-bench; prints one table (also written to
# /var/lib/sftpjail-bench/results.md).  No result is asserted: the figures
# are for people.  Transferred data is checked by checksum.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=$PWD
[ "$(id -u)" = 0 ] || { echo "bench/run.sh: run as root" >&2; exit 2; }
tools/install-deps.sh

BR=/var/lib/sftpjail-bench
Q=${QUICK:+1}
R_START=${R_START:-$([ -n "$Q" ] && echo 60 || echo 300)}
R_SESSION=${R_SESSION:-$([ -n "$Q" ] && echo 30 || echo 100)}
R_XFER=${R_XFER:-$([ -n "$Q" ] && echo 2 || echo 5)}
R_META=${R_META:-$([ -n "$Q" ] && echo 1 || echo 6)}
N_LIVE=${N_LIVE:-$([ -n "$Q" ] && echo 50 || echo 300)}
N_BURST=${N_BURST:-$([ -n "$Q" ] && echo 50 || echo 200)}
BIG_MIB=${BIG_MIB:-1024}
SFTP_SERVER=/usr/lib/openssh/sftp-server
U=sjb UP=sjb-plain
# Row 10 (metadata over sshd) picks plain sftp-server's logging, and the
# bare relay, by user: ForceCommand per user, so each variant is a user of
# its own.
ULOG=sjb-plog USYS=sjb-psys URLY=sjb-prelay
USERS=("$U" "$UP" "$ULOG" "$USYS" "$URLY")
H=$BR/home/$U HP=$BR/home/$UP
OUT=$BR/results.md

# No session is served without a log sink (audit = required): where
# nothing listens on /dev/log, bring one (bench/log-sink.c, which appends
# every message to a file), in a mount namespace of our own so that the
# host's /dev/log is untouched.
if [ -z "${SFTPJAIL_BENCH_NS:-}" ] && ! python3 -c 'import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).connect("/dev/log")' 2>/dev/null; then
        exec env SFTPJAIL_BENCH_NS=1 unshare -m --propagation private "$0" "$@"
fi
exec 9>/run/lock/sftpjail-test.lock; flock 9 # not while the tests run
install -d -m 0755 "$BR" "$BR/bin" "$BR/etc" "$BR/home" "$BR/data" "$BR/sshd"
cc -O2 -Wall -Werror -o "$BR/bin/log-sink" bench/log-sink.c
SINK="the host's /dev/log"
if [ -n "${SFTPJAIL_BENCH_NS:-}" ]; then
        "$BR/bin/log-sink" "$BR/log.sock" "$BR/syslog.txt" >"$BR/log.ready" 9>&- &
        sink_pid=$!; trap 'kill $sink_pid 2>/dev/null' EXIT
        for _ in $(seq 50); do [ -s "$BR/log.ready" ] && break; sleep 0.1; done
        [ -e /dev/log ] || [ -L /dev/log ] || : >/dev/log
        mount --bind "$BR/log.sock" /dev/log
        SINK="bench/log-sink.c: a C listener appending every message to a file, as a syslog daemon would"
fi
say() { printf '\n== %s\n' "$*" >&2; }
want() { [ -z "${ONLY:-}" ] || [[ " ${ONLY//,/ } " == *" $1 "* ]]; }

say "build (normal, stage-timing, and one without the shared network namespace)"
NETNS=/run/sftpjail-bench/netns
for v in normal stages privnet; do
        d=$BR/build-$v
        opt=("-Dconfdir=$BR/etc" --buildtype=release "-Dsupervise_path=$BR/bin/sftpjail-supervise"
             "-Dstage_timings=$(if [ $v = stages ]; then echo true; else echo false; fi)"
             "-Dnetns_path=$(if [ $v = privnet ]; then echo /run/sftpjail-bench/none; else echo "$NETNS"; fi)")
        if [ -d "$d" ]; then meson setup --reconfigure "$d" "$SRC" "${opt[@]}" >/dev/null
        else meson setup "$d" "$SRC" "${opt[@]}" >/dev/null; fi
        ninja -C "$d" >/dev/null
done
install -m 0755 "$BR/build-normal/src/sftpjail" "$BR/bin/sftpjail"
install -m 0755 "$BR/build-stages/src/sftpjail" "$BR/bin/sftpjail-stages"
install -m 0755 "$BR/build-privnet/src/sftpjail" "$BR/bin/sftpjail-privnet"
install -m 0711 "$BR/build-normal/src/sftpjail-supervise" "$BR/bin/sftpjail-supervise"
for b in sftpjail sftpjail-stages sftpjail-privnet; do setcap cap_chown,cap_setpcap,cap_sys_admin=p "$BR/bin/$b"; done
# The shared empty network namespace, as sftpjail-netns.service makes it.
# Made afresh: a run in a mount namespace of its own (no /dev/log) leaves
# only the empty file its mount was on, which create refuses.
"$BR/build-normal/src/sftpjailctl" netns remove >/dev/null 2>&1 || true
"$BR/build-normal/src/sftpjailctl" netns create >&2
cc -O2 -o "$BR/bin/interleave" bench/interleave.c
cc -O2 -Wall -Werror -o "$BR/bin/relay-floor" bench/relay-floor.c
J=$BR/bin/sftpjail

say "users and data"
for u in "${USERS[@]}"; do
        id $u >/dev/null 2>&1 || useradd -M -d "$BR/home/$u" -s /bin/sh $u
        usermod -p '*' -s "$([ $u = $U ] && echo "$J" || echo /bin/sh)" $u
        install -d -m 0750 -o root -g $u "$BR/home/$u"
        install -d -m 0750 -o $u -g $u "$BR/home/$u/uploads"
done
printf '[user %s]\nlog_level = INFO\n' $U >"$BR/etc/sftpjail.conf"; chmod 0644 "$BR/etc/sftpjail.conf"
if want 4 || want 6; then
        [ -s "$BR/data/big" ] && [ "$(stat -c %s "$BR/data/big")" -eq $((BIG_MIB << 20)) ] ||
                head -c $((BIG_MIB << 20)) /dev/urandom >"$BR/data/big"
        chmod 0644 "$BR/data/big"; cat "$BR/data/big" >/dev/null # into the page cache
fi
if [ ! -d "$BR/data/small" ]; then
        mkdir -p "$BR/data/small"
        for i in $(seq 1 10000); do printf 'file %05d\n' $i >"$BR/data/small/f$i"; done
fi
# Rows 5 and 10: the metadata batch.
printf 'put -r %s uploads/m\nls -l uploads/m\nrm uploads/m/*\nrmdir uploads/m\n' "$BR/data/small" >"$BR/data/meta.batch"
chmod -R a+rX "$BR/data"
as() { local u=$1; shift; (cd "$BR/home/$u" && setpriv --reuid $u --regid $u --init-groups "$@"); }
BWRAP=(bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --tmpfs / --ro-bind /usr /usr
        --symlink usr/lib /lib --symlink usr/lib64 /lib64 --dev /dev --ro-bind /etc/passwd /etc/passwd
        --ro-bind /etc/group /etc/group --bind "$HP" "$HP" --chdir "$HP" "$SFTP_SERVER")
as $UP "${BWRAP[@]}" </dev/null || { echo "bench: bubblewrap cannot run here (user namespaces?)" >&2; exit 1; }

med() { awk -v n="$1" -F'\t' '$1==n{print $3}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
sec() { awk -v t="$1" 'BEGIN{printf "%.2f", t/1000}'; }
rows=()
row() { rows+=("$(printf '| %s | %s | %s | %s |' "$1" "$2" "$3" "$4")"); }

# A real sshd on 127.0.0.1 for rows 6 and 10 (once): the jailed user
# through the prescribed drop-in, the plain users with plain sftp-server,
# three of them with its logging forced, one of those behind the bare
# relay (row 10's baselines).
sshd_started=
start_bench_sshd() {
        [ -z "$sshd_started" ] || return 0
        [ -f "$BR/sshd/host" ] || ssh-keygen -q -t ed25519 -N '' -f "$BR/sshd/host"
        [ -f "$BR/sshd/client" ] || ssh-keygen -q -t ed25519 -N '' -f "$BR/sshd/client"
        install -d -m 0755 "$BR/keys" /run/sshd
        local u
        for u in "${USERS[@]}"; do install -m 0644 "$BR/sshd/client.pub" "$BR/keys/$u"; done
        PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
        : >"$BR/plainlog.txt"; : >"$BR/relaylog.txt"; chmod 0666 "$BR/plainlog.txt" "$BR/relaylog.txt"
        { printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s\nPidFile %s\nUsePAM no\nAuthorizedKeysFile %s/%%u\nSubsystem sftp %s\n' \
                "$PORT" "$BR/sshd/host" "$BR/sshd/pid" "$BR/keys" "$SFTP_SERVER"
          printf 'Match User %s\n\tForceCommand %s -e -l INFO 2>>%s\n' $ULOG "$SFTP_SERVER" "$BR/plainlog.txt"
          printf 'Match User %s\n\tForceCommand %s -l INFO -f AUTHPRIV\n' $USYS "$SFTP_SERVER"
          printf 'Match User %s\n\tForceCommand %s %s -e -l INFO 2>>%s\n' $URLY "$BR/bin/relay-floor" "$SFTP_SERVER" "$BR/relaylog.txt"
          sed -e "s|@LAUNCHER@|$J|g" -e "s|@KEYS@|$BR/keys|g" -e "s|^Match Group sftpjail$|Match User $U|" \
                docs/sshd_config.d-sftpjail.conf.in; } >"$BR/sshd/config"
        /usr/sbin/sshd -f "$BR/sshd/config"
        trap 'kill $(cat $BR/sshd/pid 2>/dev/null) ${sink_pid:-} 2>/dev/null || true' EXIT
        sleep 0.5
        # Each user's own key copy must be readable by that user only for ssh.
        for u in "${USERS[@]}"; do install -m 0600 -o $u "$BR/sshd/client" "$BR/data/client.$u"; done
        sshd_started=1
}
# over_sshd ROUNDS BATCH NAME:USER...: time the sftp batch over sshd
# (aes128-gcm) for each variant, interleaved, in the order rotated each
# round; prints interleave's format (name, min, median, max ms).
over_sshd() {
        /usr/bin/python3 - "$BR" "$PORT" "$@" <<'PY'
import subprocess, sys, time
br, port, rounds, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
variants = [a.split(":") for a in sys.argv[5:]]
def run(user):
    cmd = ["setpriv", "--reuid", user, "--regid", user, "--init-groups", "sftp", "-q", "-i", f"{br}/data/client.{user}",
           "-P", port, "-c", "aes128-gcm@openssh.com", "-o", "StrictHostKeyChecking=no",
           "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-b", batch, f"{user}@127.0.0.1"]
    t = time.monotonic()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL, cwd=f"{br}/home/{user}")
    return (time.monotonic() - t) * 1000
res = {name: [] for name, _ in variants}
for r in range(rounds):
    for name, user in variants[r % len(variants):] + variants[:r % len(variants)]:
        res[name].append(run(user))
for name, v in res.items():
    v.sort()
    print(f"{name}\t{v[0]:.1f}\t{v[len(v)//2]:.1f}\t{v[-1]:.1f}\t0")
PY
}

if want 1; then
say "1. start-up, stdin closed ($R_START rounds, interleaved)"
t=$(as $UP "$BR/bin/interleave" "$R_START" :plain $SFTP_SERVER :bwrap "${BWRAP[@]}" | cat)
tj=$(as $U "$BR/bin/interleave" "$R_START" :plain $SFTP_SERVER :jail "$J" --subsystem \
        :privnet "$BR/bin/sftpjail-privnet" --subsystem)
echo "$t" >&2; echo "$tj" >&2
p=$(med plain <<<"$tj") j=$(med jail <<<"$tj") pb=$(med plain <<<"$t") b=$(med bwrap <<<"$t")
row "start-up, stdin closed: median ms (min/max)" "$p ($(awk -F'\t' '$1=="plain"{print $2"/"$4}' <<<"$tj"))" \
        "$j ($(awk -F'\t' '$1=="jail"{print $2"/"$4}' <<<"$tj"))" \
        "jail/plain $(ratio "$j" "$p"); bwrap $b ms, jail/bwrap $(ratio "$j" "$b") (bwrap/plain $(ratio "$b" "$pb")); a network namespace per login instead of the shared one: $(med privnet <<<"$tj") ms"

fi
if want 2; then
say "2. a full sftp session: ls, bye ($R_SESSION rounds)"
printf 'ls\nbye\n' >"$BR/data/ls.batch"
ts=$(as $U "$BR/bin/interleave" "$R_SESSION" :plain sftp -q -b "$BR/data/ls.batch" -D "$SFTP_SERVER" \
        :jail sftp -q -b "$BR/data/ls.batch" -D "$J --subsystem")
tb=$(as $UP "$BR/bin/interleave" "$R_SESSION" :plain sftp -q -b "$BR/data/ls.batch" -D "$SFTP_SERVER" \
        :bwrap sftp -q -b "$BR/data/ls.batch" -D "${BWRAP[*]}")
echo "$ts" >&2; echo "$tb" >&2
p=$(med plain <<<"$ts") j=$(med jail <<<"$ts") pb=$(med plain <<<"$tb") b=$(med bwrap <<<"$tb")
row "sftp -D session (ls, bye): median ms" "$p" "$j" "jail/plain $(ratio "$j" "$p"); bwrap/plain $(ratio "$b" "$pb")"

fi
if want 3; then
say "3. stage timings inside the launcher (median µs of $R_SESSION logins)"
for _ in $(seq 1 "$R_SESSION"); do as $U "$BR/bin/sftpjail-stages" --subsystem </dev/null 2>&1 >/dev/null | grep '^sftpjail-stage'; done |
        awk '{print $2, $3}' | sort -k1,1 -k2,2n |
        awk 'function out() { if (n) printf "%-34s %6d\n", name, v[int((n + 1) / 2)] }
             $1 != name { out(); name = $1; n = 0 } { v[++n] = $2 } END { out() }' |
        sort -k2 -n -r >"$BR/stages.txt"
cat "$BR/stages.txt" >&2

fi
if want 4; then
say "4. throughput over pipes (sftp -D), ${BIG_MIB} MiB, /dev/null sinks ($R_XFER rounds)"
printf 'put %s /dev/null\n' "$BR/data/big" >"$BR/data/put.batch"
printf 'get %s /dev/null\n' "$BR/data/big" >"$BR/data/get.batch"
ln -f "$BR/data/big" "$H/big" 2>/dev/null || cp "$BR/data/big" "$H/big"
for dir in put get; do
        b=$BR/data/$dir.batch
        [ $dir = get ] && printf 'get big /dev/null\n' >"$b"
        tt=$(as $U "$BR/bin/interleave" "$R_XFER" :plain sftp -q -b "$b" -D "$SFTP_SERVER" :jail sftp -q -b "$b" -D "$J --subsystem")
        echo "$tt" >&2
        p=$(med plain <<<"$tt") j=$(med jail <<<"$tt")
        row "$dir ${BIG_MIB} MiB over a pipe: MiB/s" "$(awk -v t="$p" -v m="$BIG_MIB" 'BEGIN{printf "%.0f", m/(t/1000)}')" \
                "$(awk -v t="$j" -v m="$BIG_MIB" 'BEGIN{printf "%.0f", m/(t/1000)}')" "jail/plain throughput $(ratio "$p" "$j")"
done
# Correctness: one real upload through the jail, checksummed.
printf 'put %s uploads/big.copy\n' "$BR/data/big" | as $U sftp -q -b - -D "$J --subsystem" >/dev/null
[ "$(sha256sum <"$BR/data/big")" = "$(sha256sum <"$H/uploads/big.copy")" ] || { echo "bench: upload corrupted!" >&2; exit 1; }
rm -f "$H/uploads/big.copy"

fi
if want 5; then
say "5. metadata: 10,000 small files put, listed, removed ($R_META rounds)"
# "plainlog": plain sftp-server with the jail's own logging level (-e -l
# INFO: a line per operation) to stderr (a file here); "plainsys": the same
# level to syslog (-l INFO -f AUTHPRIV), the same sink the jail's records
# go to: an audited plain sftp-server, the honest comparison for a jail
# that writes a record per operation.  "relayfloor": "plainlog" behind
# bench/relay-floor.c, a bare poll()+splice() relay: what any process in
# the request path costs here, the floor under the jail's relay.
tm=$(as $U "$BR/bin/interleave" "$R_META" :plain sftp -q -b "$BR/data/meta.batch" -D "$SFTP_SERVER" \
        :plainlog sftp -q -b "$BR/data/meta.batch" -D "$SFTP_SERVER -e -l INFO" \
        :plainsys sftp -q -b "$BR/data/meta.batch" -D "$SFTP_SERVER -l INFO -f AUTHPRIV" \
        :relayfloor sftp -q -b "$BR/data/meta.batch" -D "$BR/bin/relay-floor $SFTP_SERVER -e -l INFO" \
        :jail sftp -q -b "$BR/data/meta.batch" -D "$J --subsystem")
echo "$tm" >&2
p=$(med plain <<<"$tm") pl=$(med plainlog <<<"$tm") ps=$(med plainsys <<<"$tm") rf=$(med relayfloor <<<"$tm") j=$(med jail <<<"$tm")
row "10,000 files put+ls -l+rm: median s" "$(sec "$p") (-e -l INFO to a file: $(sec "$pl"); -l INFO to syslog: $(sec "$ps"); -e -l INFO behind a bare relay: $(sec "$rf"))" \
        "$(sec "$j")" "jail/plain throughput $(ratio "$p" "$j"); vs -e -l INFO to a file $(ratio "$pl" "$j"); vs -l INFO to syslog $(ratio "$ps" "$j"); bare relay vs -e -l INFO to a file $(ratio "$pl" "$rf"), jail vs bare relay $(ratio "$rf" "$j")"

fi
if want 6; then
say "6. over a real sshd on 127.0.0.1, aes128-gcm ($R_XFER rounds)"
start_bench_sshd
for h in "$H" "$HP"; do ln -f "$BR/data/big" "$h/big" 2>/dev/null || cp "$BR/data/big" "$h/big"; done
printf 'get big /dev/null\n' >"$BR/data/get-sshd.batch"; chmod 0644 "$BR/data/get-sshd.batch"
tt=$(over_sshd "$R_XFER" "$BR/data/get-sshd.batch" plain:$UP jail:$U)
echo "$tt" >&2
p=$(med plain <<<"$tt") j=$(med jail <<<"$tt")
row "get ${BIG_MIB} MiB via sshd (aes128-gcm): MiB/s" "$(awk -v t="$p" -v m="$BIG_MIB" 'BEGIN{printf "%.0f", m/(t/1000)}')" \
        "$(awk -v t="$j" -v m="$BIG_MIB" 'BEGIN{printf "%.0f", m/(t/1000)}')" "jail/plain throughput $(ratio "$p" "$j")"
rm -f "$H/big" "$HP/big"

fi
if want 7; then
say "7. login latency under a burst of $N_BURST simultaneous logins"
bp=$(as $U /usr/bin/python3 "$SRC/bench/burst.py" "$N_BURST" $SFTP_SERVER)
bj=$(as $U /usr/bin/python3 "$SRC/bench/burst.py" "$N_BURST" "$J" --subsystem)
echo "plain $bp / jail $bj (p50 p90 p99 max failed)" >&2
row "burst of $N_BURST logins: p50/p90/p99 ms" "$(cut -d' ' -f1-3 <<<"$bp" | tr ' ' /)" "$(cut -d' ' -f1-3 <<<"$bj" | tr ' ' /)" \
        "p50 ratio $(ratio "${bj%% *}" "${bp%% *}"); failures plain $(cut -d' ' -f5 <<<"$bp"), jail $(cut -d' ' -f5 <<<"$bj")"

fi
if want 9; then
say "9. start-up with a project quota against without ($R_START rounds, interleaved)"
# A second user whose uploads are on a loop-mounted XFS with prjquota and a
# quota: the launcher's extra work is quota_check() (a few syscalls on the
# uploads fd).  Both run through setpriv as root, so each side pays the same.
# The host's kernel first; where it cannot mount XFS with prjquota, in a VM
# with Debian's own kernel (tests/lib-vm.sh; TCG where KVM cannot run
# guests: then only the ratio means anything).
qrow=$(bench/quota-startup.sh "$BR" "$J" "$U" "$R_START")
if [[ $qrow == n/a:* ]]; then
        SRCDIR=$SRC; . tests/lib-vm.sh
        if vm_check; then
                qd=$(mktemp -d)
                VM_MODULES="loop xfs" vm_run "$qd" bench/quota-startup.sh "$BR" "$J" "$U" "$R_START" || true
                cat "$qd/err" >&2 || true
                if [ -s "$qd/out" ]; then qrow="$(tail -n 1 "$qd/out") ($VM_ACCEL)"
                else qrow="$qrow; the VM failed (see above)"; fi
                rm -rf "$qd"
        else
                qrow="$qrow; no VM: $VM_WHY"
        fi
fi
row "start-up with a quota (XFS prjquota) vs without: median ms" "-" "$qrow" "-"

fi
if want 8; then
say "8. memory of $N_LIVE live sessions"
mounts_before=$(wc -l </proc/1/mountinfo)
kmem() { awk '/^(Slab|KernelStack|PageTables):/{s+=$2} END{print s}' /proc/meminfo; }
live() { # live VARIANT: start N_LIVE sessions blocked on stdin, print PSS per session (KiB)
        local v=$1 pids=() k0 k1 i
        rm -rf "$BR/fifos"; mkdir -p "$BR/fifos"; chmod 0777 "$BR/fifos"
        k0=$(kmem)
        for i in $(seq 1 "$N_LIVE"); do
                mkfifo "$BR/fifos/$i"; chmod 0666 "$BR/fifos/$i"
                if [ "$v" = jail ]; then as $U "$J" --subsystem <"$BR/fifos/$i" >/dev/null 2>&1 &
                else as $U $SFTP_SERVER <"$BR/fifos/$i" >/dev/null 2>&1 & fi
                eval "exec {fd}>$BR/fifos/$i"; pids+=("$fd")
        done
        sleep 2
        k1=$(kmem)
        local pss=0 n=0 p
        for p in $(pgrep -u $U -x sftp-server) $( [ "$v" = jail ] && pgrep -u $U -x sftpjail-superv ); do
                pss=$((pss + $(awk '/^Pss:/{print $2}' /proc/$p/smaps_rollup))); n=$((n + 1))
        done
        echo "$((pss / N_LIVE)) $(((k1 - k0) / N_LIVE)) $n"
        for fd in "${pids[@]}"; do eval "exec $fd>&-"; done
        wait 2>/dev/null || true
}
mp=$(live plain); mj=$(live jail)
echo "plain: $mp / jail: $mj (PSS KiB/session, kernel KiB/session, processes)" >&2
row "$N_LIVE live sessions: PSS KiB per session (+kernel)" "${mp%% *} (+$(cut -d' ' -f2 <<<"$mp"))" \
        "${mj%% *} (+$(cut -d' ' -f2 <<<"$mj"))" "jail/plain PSS $(ratio "${mj%% *}" "${mp%% *}")"
sleep 1
left=$({ pgrep -u $U || true; } | wc -l); mounts_after=$(wc -l </proc/1/mountinfo)
row "after all sessions" "-" "$left processes left, host mounts $mounts_before -> $mounts_after" "-"

fi
if want 10; then
say "10. metadata over a real sshd: row 5's batch, aes128-gcm ($R_META rounds)"
# Row 5 over pipes times the relay's wake-up against nothing else; here
# each request also crosses sshd and the cipher, as in service.  The
# plain baselines are users whose ForceCommand is sftp-server with -e -l
# INFO to a file, or -l INFO to the same syslog sink as the jail's records,
# or -e -l INFO to a file behind bench/relay-floor.c: what any relay that
# orders requests after the log costs here, with nothing else of the jail.
start_bench_sshd
tm=$(over_sshd "$R_META" "$BR/data/meta.batch" plain:$UP plainlog:$ULOG plainsys:$USYS relayfloor:$URLY jail:$U)
echo "$tm" >&2
for f in plainlog relaylog; do
        [ "$(grep -c '^open "' "$BR/$f.txt")" -ge $((10000 * R_META)) ] ||
                { echo "bench: row 10's -e -l INFO baseline ($f.txt) logged fewer opens than files put" >&2; exit 1; }
done
p=$(med plain <<<"$tm") pl=$(med plainlog <<<"$tm") ps=$(med plainsys <<<"$tm") rf=$(med relayfloor <<<"$tm") j=$(med jail <<<"$tm")
row "10,000 files put+ls -l+rm via sshd: median s" "$(sec "$p") (-e -l INFO to a file: $(sec "$pl"); -l INFO to syslog: $(sec "$ps"); -e -l INFO behind a bare relay: $(sec "$rf"))" \
        "$(sec "$j")" "jail/plain throughput $(ratio "$p" "$j"); vs -e -l INFO to a file $(ratio "$pl" "$j"); vs -l INFO to syslog $(ratio "$ps" "$j"); bare relay vs -e -l INFO to a file $(ratio "$pl" "$rf"), jail vs bare relay $(ratio "$rf" "$j")"

fi
{
        echo "| measure | plain sftp-server | sftpjail | ratio / notes |"
        echo "|---|---|---|---|"
        printf '%s\n' "${rows[@]}"
        echo
        echo "Stage timings inside the launcher (median µs of $R_SESSION logins; parent and child run in parallel after the clone):"
        echo
        echo '```'
        if want 3; then cat "$BR/stages.txt"; else echo "(not run: ONLY=$ONLY)"; fi
        echo '```'
        echo
        echo "Log sink: $SINK."
        echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, kernel $(uname -r)"
} | tee "$OUT"
