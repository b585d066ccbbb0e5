#!/bin/bash
# kill -9 at every stage (issue 14, docs/reliability.md "kill -9 at every
# stage").  A launcher built with -Dstage_pause=true (built here, from
# SFTPJAIL_SRCDIR, with the options of SFTPJAIL_BUILD) waits at the stage
# a login names in SFTPJAIL_TEST_PAUSE_AT (src/timing.h, which has the one
# list of stages; sshd accepts the variable from the client here only).
# At every stage, each process that exists then is SIGKILLed in turn --
# the launcher, the jail child, the supervisor, sftp-server, sshd's session
# process (the launcher's parent) -- while KILL_WORKERS (100) other
# sessions upload through the same sshd.  Afterwards:
#   - nothing of any jail is left: processes, mounts, namespaces, fds of
#     sshd, held session slots;
#   - the host's mount table is unchanged;
#   - every upload the client saw complete is intact (sha256);
#   - every killed session is recorded as ended, with a reason, or (when
#     the process killed was the one that logs: the launcher, the
#     supervisor) sshd records the session's close, and nothing else is
#     left to record it (docs/reliability.md).
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"

# ---- the pause launcher: a build of its own, the options of $BUILD ----
PB=$BUILD/stage-pause
read -r btype sanitize lundef < <(meson introspect "$BUILD" --buildoptions | "$PY" -c '
import json, sys
o = {x["name"]: x["value"] for x in json.load(sys.stdin)}
print(o["buildtype"], ",".join(o["b_sanitize"]) if isinstance(o["b_sanitize"], list) else o["b_sanitize"], str(o["b_lundef"]).lower())')
popts=(-Dstage_pause=true --buildtype="$btype" -Db_sanitize="$sanitize" -Db_lundef="$lundef"
        -Dconfdir="$TESTROOT/etc" -Dnetns_path="$NETNS" -Dsupervise_path="$TESTROOT/bin/sftpjail-supervise")
if ! { { [ -f "$PB/build.ninja" ] && meson setup --reconfigure "$PB" "$SRCDIR" "${popts[@]}" >"$W/meson.log" 2>&1; } ||
        { rm -rf "$PB" && meson setup "$PB" "$SRCDIR" "${popts[@]}" >"$W/meson.log" 2>&1; }; } ||
        ! ninja -C "$PB" src/sftpjail >>"$W/meson.log" 2>&1; then
        cat "$W/meson.log" >&2
        bail "building the -Dstage_pause=true launcher failed"
fi
install -m 0755 "$PB/src/sftpjail" "$TESTROOT/bin/sftpjail-pause.new"
setcap cap_chown,cap_setpcap,cap_sys_admin=p "$TESTROOT/bin/sftpjail-pause.new" || bail "setcap failed"
mv -f "$TESTROOT/bin/sftpjail-pause.new" "$TESTROOT/bin/sftpjail-pause"
LAUNCHER=$TESTROOT/bin/sftpjail-pause
SUPERVISE=$TESTROOT/bin/sftpjail-supervise
PAUSE_FD=900 # STAGE_PAUSE_FD, src/timing.h

# The stages, from the one list (src/timing.h), and "running": sftp-server
# serving an upload.
mapfile -t STAGES < <(sed -n 's/^ *X(STAGE_[A-Z_]*, "\([^"]*\)").*/\1/p' "$SRCDIR/src/timing.h")
[ "${#STAGES[@]}" -ge 10 ] || bail "no stage list in src/timing.h"
STAGES+=(running)
[ -n "${KILL_STAGES:-}" ] && read -r -a STAGES <<<"$KILL_STAGES"

U=sjt-kup  # the uploads that run throughout
V=sjt-kvic # the sessions that are killed
make_user $U "$LAUNCHER"
make_user $V "$LAUNCHER"
# max_sessions for the victims: their slots must all come back.
VMAX=4
write_config <<CFG
[user $U]
[user $V]
max_sessions = $VMAX
CFG
start_sshd < <(echo "MaxStartups 300"; echo "AcceptEnv SFTPJAIL_TEST_PAUSE_AT"; sshd_jail_match)

# 100 in both builds: the ASan one takes about as long (41 s against 46 s
# on the idle test machine, docs/reliability.md).
WORKERS=${KILL_WORKERS:-100}
RATE=${KILL_RATE:-512} # Kbit/s per upload (sftp -l): each upload is in flight for 8 s
mkdir "$W/src"
for k in 0 1 2 3; do head -c 512K /dev/urandom >"$W/src/s$k"; done
(cd "$W/src" && sha256sum s0 s1 s2 s3) >"$W/src.sha256"

# ---- what must be unchanged ----
# Namespaces by inode, from every process's ns links and every nsfs fd.
namespaces() {
        { find /proc/[0-9]*/ns -type l -printf '%l\n' 2>/dev/null
          find /proc/[0-9]*/fd -type l -lname '*:\[*\]' -printf '%l\n' 2>/dev/null | grep -E '^(mnt|pid|net|ipc|uts|cgroup|user|time):'
        } | sort -u
}
# Those held by a process of a jail (all run as its user) or of our sshd
# (the listener, the monitors "sshd: USER [priv]"): the host's other
# processes may make namespaces of their own meanwhile.
namespaces_ours() {
        local p
        for p in /proc/[0-9]*; do
                case "${p#/proc/} $(stat -c %U "$p" 2>/dev/null) $(tr '\0' ' ' 2>/dev/null <"$p/cmdline")" in
                "$SSHD_PID "* | *" $U "* | *" $V "* | *" root sshd: $U "* | *" root sshd: $V "*) ;;
                *) continue ;;
                esac
                { find "$p/ns" -type l -printf '%l\n'; find "$p/fd" -type l -lname '*:\[*\]' -printf '%l\n'; } 2>/dev/null
        done | grep -E '^(mnt|pid|net|ipc|uts|cgroup|user|time):' | sort -u
}
snapshot() {
        cut -d' ' -f4- /proc/1/mountinfo | sort >"$W/$1.mnt1"
        cut -d' ' -f4- /proc/self/mountinfo | sort >"$W/$1.mnt"
        # Every process of a jail runs as its user, but sshd's monitor
        # (root, "sshd: USER [priv]").
        ps -eo stat=,user:32=,args= | awk '$1 !~ /^Z/ { $1 = ""; print }' | grep -E "^ ($U|$V) |sshd: ($U|$V)" | sort >"$W/$1.ps" || true
        ls /proc/$SSHD_PID/fd | sort >"$W/$1.fd"
        namespaces >"$W/$1.ns"
        namespaces_ours >"$W/$1.ns-ours"
}
# Held session slots: OFD locks on the victims' slot file (slots.h).
slot_locks() {
        local ino
        ino=$(stat -c %i "${NETNS%/*}/sessions/$(id -u $V)" 2>/dev/null) || { echo 0; return; }
        grep -cE "OFDLCK.* [0-9a-f]+:[0-9a-f]+:$ino " /proc/locks
}
snapshot before

# ---- the uploads ----
_ssh_opts
# One session per worker, for the whole run (a login per file would make
# the test a login storm): put after put, each followed by a pwd, whose
# answer says the put before it completed (sftp -b stops at a failed one).
upload_worker() {
        local i=$1 j=0 k line
        trap '' PIPE # sftp gone: the write fails, and the put counts as failed
        coproc SFTP { timeout 900 sftp "${SSH_OPTS[@]}" -l "$RATE" -b - "$U@127.0.0.1" 2>>"$W/w$i.err"; }
        local in=${SFTP[1]} out=${SFTP[0]} pid=$SFTP_PID
        while [ ! -e "$W/stop" ]; do
                j=$((j + 1)); k=$((j % 4))
                { printf 'put %s uploads/w%s-%s\npwd\n' "$W/src/s$k" "$i" "$j" 1>&"$in"; } 2>/dev/null || break
                while IFS= read -r -u "$out" line; do
                        if [[ $line == "Remote working directory: "* ]]; then
                                echo "w$i-$j s$k" >>"$W/done.$i"
                                continue 2
                        fi
                done
                echo "w$i-$j" >>"$W/failed.$i"
                break
        done
        { echo bye 1>&"$in"; } 2>/dev/null
        wait "$pid"
}
upids=()
for i in $(seq 1 "$WORKERS"); do upload_worker "$i" & upids+=($!); done
# Wait for most of them to be uploading.
for _ in $(seq 1 600); do
        [ "$(pgrep -u $U -x sftp-server | wc -l)" -ge $((WORKERS * 3 / 4)) ] && break
        sleep 0.1
done
diag "uploads running: $(pgrep -u $U -x sftp-server | wc -l) of $WORKERS"

# ---- the kills ----
# wait_for CMD...: up to 30 s.
wait_for() { local _i; for _i in $(seq 1 600); do "$@" && return 0; sleep 0.05; done; return 1; }
ppid_of() { awk '/^PPid:/{print $2}' "/proc/$1/status" 2>/dev/null; }
exe_of() { readlink "/proc/$1/exe" 2>/dev/null; }
# The victim's process blocked at the pause (read on STAGE_PAUSE_FD).
paused_pid() {
        local p
        for p in $(pgrep -u $V); do
                [ "$(awk '{print $2}' "/proc/$p/syscall" 2>/dev/null)" = "$(printf '0x%x' $PAUSE_FD)" ] && { echo "$p"; return 0; }
        done
        return 1
}
find_paused() { PAUSED=$(paused_pid); }
# The sftp-server that has FILE open, with bytes in it: UPLOADER.
uploader() {
        local p
        [ -s "$1" ] || return 1
        for p in $(pgrep -u $V -x sftp-server); do
                find "/proc/$p/fd" -lname "$1" 2>/dev/null | grep -q . && { UPLOADER=$p; return 0; }
        done
        return 1
}
is_supervisor() { [ "$(exe_of "$1")" = "$SUPERVISE" ]; }
blocked_in_pipe_read() { [[ "$(cat "/proc/$1/wchan" 2>/dev/null)" == *pipe_read ]]; }
# Gone, or a zombie: it holds nothing but its pid until the process it
# was left to (the host's init, sshd's monitor) gets round to reaping it.
all_gone() {
        local p st
        for p in "$@"; do
                st=$(sed -n 's/^State:[[:space:]]*\(.\).*/\1/p' "/proc/$p/status" 2>/dev/null)
                [ -z "$st" ] || [ "$st" = Z ] || return 1
        done
}
# The log lines of one session, by the supervisor's (= the launcher's) pid.
session_lines() { grep -E "\[$1\]: session=[0-9a-f]+ user=$V " "$SYSLOG"; }

ncase=0 kills=0 min_inflight=$WORKERS
kill_case() { # STAGE VICTIM
        local st=$1 victim=$2 c out launcher child sshd_pid target inflight rc procs
        ncase=$((ncase + 1)); c=$ncase
        local t_start=$SECONDS
        PAUSED=''
        local env=()
        [ "$st" != running ] && env=(-o "SetEnv=SFTPJAIL_TEST_PAUSE_AT=$st")
        timeout 120 sftp "${SSH_OPTS[@]}" "${env[@]}" -l "$RATE" -b - "$V@127.0.0.1" \
                <<<"put $W/src/s0 uploads/v$c" >"$W/v$c.out" 2>&1 &
        local client=$!
        if [ "$st" = running ]; then
                # sftp-server serving the upload: the file has bytes.
                wait_for uploader "$TESTROOT/home/$V/uploads/v$c" || { not_ok "$st/$victim: the upload did not start"; kill $client; return; }
                child=$UPLOADER
                launcher=$(ppid_of "$child")
        else
                wait_for find_paused || { not_ok "$st/$victim: the login did not pause at $st"; diag "$(cat "$W/v$c.out")"; kill $client; return; }
                case $st in
                child:*)
                        child=$PAUSED; launcher=$(ppid_of "$child")
                        # The parent half goes on: wait for the supervisor.
                        wait_for is_supervisor "$launcher" || { not_ok "$st/$victim: no supervisor"; return; } ;;
                parent:*)
                        launcher=$PAUSED
                        wait_for bash -c '[ -n "$(pgrep -P "$1")" ]' _ "$launcher"
                        child=$(pgrep -P "$launcher" | head -1)
                        # The jail child runs on to its wait for the supervisor.
                        wait_for blocked_in_pipe_read "$child" ;;
                *)
                        launcher=$PAUSED; child='' ;;
                esac
        fi
        sshd_pid=$(ppid_of "$launcher")
        case $victim in
        launcher | supervisor) target=$launcher ;;
        child | sftp-server) target=$child ;;
        sshd) target=$sshd_pid ;;
        esac
        procs="$launcher $child $sshd_pid"
        # The client's port, as both sshd's log and our records name it.
        local cport
        cport=$(ss -tnpH state established "( sport = :$PORT )" | grep "pid=$sshd_pid," |
                grep -oE '127\.0\.0\.1:[0-9]+' | grep -v ":$PORT\$" | head -1)
        cport=${cport##*:}
        # The jail's namespaces (the child's), which must all go.
        [ -n "$child" ] && find "/proc/$child/ns" -type l -printf '%l\n' 2>/dev/null | grep -vxFf "$W/before.ns" >>"$W/jail.ns"
        inflight=$(pgrep -u $U -x sftp-server | wc -l)
        [ "$inflight" -lt "$min_inflight" ] && min_inflight=$inflight
        if [ -z "$target" ] || ! kill -9 "$target"; then
                not_ok "$st/$victim: no $victim to kill"; return
        fi
        kills=$((kills + 1))
        # The paused process, if it lives, goes on from its stage.  Not the
        # one just killed; and it may still die between the test and the
        # write (killed with its session): the pipe is opened read-write
        # (no wait for a reader, no SIGPIPE with our own read end), in a
        # subshell that ignores SIGPIPE anyway.  A SIGPIPE here once killed
        # the whole test (CI, release build).
        [ -n "$PAUSED" ] && [ "$PAUSED" != "$target" ] && [ -e "/proc/$PAUSED/fd/$((PAUSE_FD + 1))" ] &&
                ( trap '' PIPE; printf x 1<>"/proc/$PAUSED/fd/$((PAUSE_FD + 1))" ) 2>/dev/null
        local t_kill=$SECONDS
        wait "$client"; rc=$?
        local t_client=$SECONDS
        if wait_for all_gone $procs; then
                ok "$st/$victim: every process of the session ended (client rc=$rc, $inflight uploads in flight; $((t_kill - t_start))+$((t_client - t_kill))+$((SECONDS - t_client)) s)"
        else
                not_ok "$st/$victim: processes left: $(ps -o pid,user,comm -p "${procs// /,}" --no-headers | tr '\n' ';')"
        fi
        CASE_PID[$c]=$launcher CASE_STAGE[$c]=$st CASE_VICTIM[$c]=$victim CASE_RC[$c]=$rc CASE_PORT[$c]=$cport
}
declare -a CASE_PID CASE_STAGE CASE_VICTIM CASE_RC CASE_PORT

t0=$(date +%s)
for st in "${STAGES[@]}"; do
        case $st in
        child:*) victims="child supervisor sshd" ;;
        parent:*) victims="launcher child sshd" ;;
        running) victims="sftp-server supervisor sshd" ;;
        *) victims="launcher sshd" ;;
        esac
        for v in $victims; do kill_case "$st" "$v"; done
done
t_kill=$(($(date +%s) - t0))

touch "$W/stop"
for p in "${upids[@]}"; do wait "$p"; done
t_uploads=$(($(date +%s) - t0))
# The last sshd processes of the uploads (zombies aside, as in all_gone).
users_gone() { ! ps -o stat= -u $U,$V | grep -qv '^Z'; }
wait_for users_gone
t_all=$(($(date +%s) - t0))

# ---- afterwards ----
snapshot after
check "host mount table unchanged" diff -u "$W/before.mnt1" "$W/after.mnt1"
check "this namespace's mount table unchanged" diff -u "$W/before.mnt" "$W/after.mnt"
check "no sftp-server, launcher, supervisor or user process left" diff -u "$W/before.ps" "$W/after.ps"
check "sshd holds no extra fds" diff -u "$W/before.fd" "$W/after.fd"
check "no namespace is held by a process of a jail or sshd but the host's (/proc/*/ns, nsfs fds)" \
        bash -c '! comm -13 "$1" "$2" | grep .' _ "$W/before.ns-ours" "$W/after.ns-ours"
check "none of the $(sort -u "$W/jail.ns" 2>/dev/null | wc -l) namespaces of the killed jails is left" bash -c '! grep -xFf "$1" "$2"' _ "$W/jail.ns" "$W/after.ns"
check "no session slot is held (/proc/locks)" [ "$(slot_locks)" -eq 0 ]
check "sftpjailctl sessions lists none" bash -c '! "$1" sessions | grep -qE "$2|$3"' _ "$CTL" $U $V

# ---- how each killed session is recorded ----
# Our records by the launcher's pid (the supervisor keeps it), sshd's by
# the client's port.  Expected (docs/reliability.md):
#   launcher      nothing of ours (nobody is left to write it); sshd: Disconnected
#   supervisor    running: session start without end; before: nothing; sshd: Disconnected
#   child         refused: the jail ended before sftp-server started (signal=SIGKILL)
#   sftp-server   the upload's record, status=interrupted; session end signal=SIGKILL
#   sshd          session end exit=0 (sftp-server read EOF); running: the upload interrupted
recorded() { # CASE
        local c=$1 pid=${CASE_PID[$1]} st=${CASE_STAGE[$1]} v=${CASE_VICTIM[$1]} port=${CASE_PORT[$1]} lines
        lines=$(session_lines "$pid")
        local start end disc upload
        start=$(grep -c " session start client=127\.0\.0\.1:$port " <<<"$lines")
        end=$(grep -cE " session end " <<<"$lines")
        upload=$(grep -cE "event=transfer direction=upload status=interrupted .*path=\"[^\"]*/uploads/v$c\"" <<<"$lines")
        disc=$(tr -d '\r' <"$SSHD_LOG" | grep -cE "^Disconnected from user $V 127\.0\.0\.1 port $port\$")
        [ -n "$port" ] || { echo "case $c: no client port"; return 1; }
        case $v in
        launcher) [ -z "$lines" ] && [ "$disc" -eq 1 ] ;;
        supervisor)
                if [ "$st" = running ]; then [ "$start" -eq 1 ] && [ "$end" -eq 0 ] && [ "$disc" -eq 1 ]
                else [ -z "$lines" ] && [ "$disc" -eq 1 ]; fi ;;
        child) [ "$start" -eq 0 ] && grep -q "refused: the jail ended before sftp-server started (signal=SIGKILL)" <<<"$lines" ;;
        sftp-server) [ "$upload" -eq 1 ] && grep -q " session end signal=SIGKILL " <<<"$lines" ;;
        sshd) [ "$start" -eq 1 ] && grep -q " session end exit=0 " <<<"$lines" && { [ "$st" != running ] || [ "$upload" -eq 1 ]; } ;;
        esac || { echo "case $c ($st/$v, pid $pid, port $port): start=$start end=$end upload=$upload sshd-disconnect=$disc"; echo "$lines"; return 1; }
}
for c in $(seq 1 $ncase); do
        [ -n "${CASE_PID[$c]:-}" ] || continue
        check "${CASE_STAGE[$c]}/${CASE_VICTIM[$c]}: recorded as expected" recorded "$c"
done

cat "$W"/done.* >"$W/done" 2>/dev/null
cat "$W"/failed.* >"$W/failed" 2>/dev/null
ndone=$(wc -l <"$W/done"); nfailed=$(wc -l <"$W/failed" 2>/dev/null || echo 0)
bad=0
while read -r name src; do
        want=$(awk -v s="$src" '$2 == s {print $1}' "$W/src.sha256")
        got=$(sha256sum "$TESTROOT/home/$U/uploads/$name" 2>/dev/null | awk '{print $1}')
        [ "$want" = "$got" ] || { bad=$((bad + 1)); diag "upload $name: sha256 $got, not $want"; }
done <"$W/done"
check "every upload the client saw complete is intact: $ndone uploads, sha256 ($bad bad)" [ "$bad" -eq 0 ] && [ "$ndone" -gt 0 ]
check "no upload failed ($nfailed failed)" [ "$nfailed" -eq 0 ]
check "uploads were in flight at every kill (at least $min_inflight of $WORKERS)" [ "$min_inflight" -ge $((WORKERS / 2)) ]
bytes=$(du -sb "$TESTROOT/home/$U/uploads" | cut -f1)
diag "kills: $kills in $ncase cases, $t_kill s; uploads: $ndone complete, $bytes bytes, $WORKERS at a time, the last done at $t_uploads s; all processes gone at $t_all s"

[ -n "${KILL_KEEP:-}" ] && cp "$SYSLOG" "$KILL_KEEP.syslog" && cp "$SSHD_LOG" "$KILL_KEEP.sshd" &&
        for c in $(seq 1 $ncase); do echo "$c ${CASE_STAGE[$c]} ${CASE_VICTIM[$c]} ${CASE_PID[$c]} ${CASE_PORT[$c]} ${CASE_RC[$c]}"; done >"$KILL_KEEP.cases"
done_testing
