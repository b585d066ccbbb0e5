#!/bin/bash
# The jail's network namespace (src/netns.c, sftpjailctl netns).
#
# With the shared namespace (the default deployment: sftpjail-netns.service)
# every jail joins one empty namespace; without it each login gets a new
# one.  Either way the jail sees no interface but a loopback that is down.
# A shared namespace that is not empty, not a network namespace, the host's
# own, or one an unprivileged user made, refuses the login.
. "$(dirname "$0")/../lib.sh"
standard_setup "$@"

U=sjt-netns
make_user $U
write_config <<<"[user $U]"
start_sshd < <(sshd_jail_match)
W=$(mktemp -d); chmod 0755 "$W"; on_exit "rm -rf $W"
ino() { stat -L -c %i "$1"; }
nsino() { readlink "/proc/$1/ns/net" | tr -dc 0-9; }
# Interfaces as the jail sees them: "name state" lines.
jail_links() { nsenter --net="/proc/$1/ns/net" ip -o link show | awk '{sub(":","",$2); print $2, ($3 ~ /[<,]UP[,>]/ ? "UP" : "DOWN")}'; }

# --- shared: two live sessions join the one namespace ---
check "netns status: shared and empty" bash -c '"$1" netns status | grep -q "shared by every jail"' _ "$CTL"
live_session $U
S1=$LIVE_SPID SUP1=$LIVE_SUP C1=$LIVE_CLIENT
exec 6>&7
live_session $U
S2=$LIVE_SPID
check "two live sessions ($S1, $S2)" bash -c '[ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]' _ "$S1" "$S2"
check "jail 1 is in the shared namespace" [ "$(nsino $S1)" = "$(ino $NETNS)" ]
check "jail 2 is in the same shared namespace" [ "$(nsino $S2)" = "$(ino $NETNS)" ]
check "not the host's (this test's) namespace" [ "$(nsino $S1)" != "$(nsino self)" ]
check "not sshd's or the supervisor's" bash -c '[ "$1" != "$2" ] && [ "$1" != "$3" ]' _ "$(nsino $S1)" "$(nsino $SSHD_PID)" "$(nsino $SUP1)"
check "the jail sees only lo, down" [ "$(jail_links $S1)" = "lo DOWN" ]
diag "jail's links: $(jail_links $S1)"
# What the jail can do with it: sftp-server may not make sockets at all
# (test-seccomp-attacks), so even a shared namespace offers nothing to
# reach; the session still works.
echo "ls" >&7
end_live_session
exec 7>&6 6>&-; LIVE_CLIENT=$C1
end_live_session
check "both sessions ended cleanly" bash -c '! pgrep -u "$1" -x sftp-server' _ $U

check "baseline: login works" sftp_batch $U <<<"ls"

# The loopback brought up in the shared namespace.
nsenter --net="$NETNS" ip link set lo up
expect_refusal "shared netns with lo up" "netns: its loopback interface is up|loopback interface is up"
check "netns status reports it as a problem" bash -c '"$1" netns status; [ $? -eq 1 ]' _ "$CTL"
nsenter --net="$NETNS" ip link set lo down
check "lo down again: login works" sftp_batch $U <<<"ls"

# An interface added to it (a dummy device, else one end of a veth pair).
if nsenter --net="$NETNS" ip link add sjt0 type dummy 2>/dev/null ||
        nsenter --net="$NETNS" ip link add sjt0 type veth peer name sjt1 2>/dev/null; then
        expect_refusal "shared netns with an extra interface" "has an interface 'sjt[01]'"
        nsenter --net="$NETNS" ip link del sjt0
        check "interface gone: login works" sftp_batch $U <<<"ls"
else
        not_ok "could not add an interface to the shared namespace (no dummy or veth)"
fi

# Not a namespace: the empty file "create" mounts over, left alone.
umount "$NETNS"
expect_refusal "a plain file instead of a namespace" "is not a network namespace|not a network namespace"
check "netns create refuses to work over it" bash -c '! "$1" netns create' _ "$CTL"
rm -f "$NETNS"

# The host's own namespace bind-mounted there.
touch "$NETNS"; mount --bind /proc/self/ns/net "$NETNS"
expect_refusal "the host's namespace" "host's own network namespace"
umount "$NETNS"
# Another namespace type (the host's uts namespace file).
mount --bind /proc/self/ns/uts "$NETNS"
expect_refusal "a uts namespace" "not a network namespace"
umount "$NETNS"

# One that an unprivileged user made in a user namespace of their own.
setpriv --reuid $U --regid $U --init-groups unshare -U -r -n sleep 60 &
up=$!
for _ in $(seq 1 50); do c=$(pgrep -P $up) || c=$up; [ "$(readlink /proc/$c/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
if [ "$(readlink /proc/$c/ns/net 2>/dev/null)" != "$(readlink /proc/self/ns/net)" ]; then
        mount --bind /proc/$c/ns/net "$NETNS"
        expect_refusal "a user-made namespace" "belongs to another user namespace"
        umount "$NETNS"
else
        not_ok "could not make a namespace in a user namespace"
fi
kill $up 2>/dev/null; wait $up 2>/dev/null

# A symlink at the path (to a sound namespace elsewhere): never followed.
"$CTL" netns create >/dev/null
touch "$NETNS.real"; mount --move "$NETNS" "$NETNS.real"; rm -f "$NETNS"
ln -s "$NETNS.real" "$NETNS"
expect_refusal "a symlink at the path" "cannot open it: Too many levels of symbolic links"
rm -f "$NETNS"; umount "$NETNS.real"; rm -f "$NETNS.real"

# --- none: each login a namespace of its own ---
check "netns remove" "$CTL" netns remove
check "netns status: not present" bash -c '"$1" netns status | grep -q "not present"' _ "$CTL"
live_session $U
S1=$LIVE_SPID C1=$LIVE_CLIENT
exec 6>&7
live_session $U
S2=$LIVE_SPID
check "without it: two live sessions ($S1, $S2)" bash -c '[ -n "$1" ] && [ -n "$2" ] && [ "$1" != "$2" ]' _ "$S1" "$S2"
check "without it: each jail has a namespace of its own" [ "$(nsino $S1)" != "$(nsino $S2)" ]
check "without it: not the host's" [ "$(nsino $S1)" != "$(nsino self)" ]
check "without it: the jail sees only lo, down" [ "$(jail_links $S1)" = "lo DOWN" ]
end_live_session
exec 7>&6 6>&-; LIVE_CLIENT=$C1
end_live_session

# --- sftpjailctl netns create / doctor ---
check "netns create" "$CTL" netns create
check "netns create again: nothing to do" bash -c '"$1" netns create | grep -q "nothing to do"' _ "$CTL"
check "netns create made a network namespace (nsfs)" [ "$(stat -f -c %t "$NETNS")" = 6e736673 ]
check "doctor is quiet about a sound one" bash -c '! "$1" doctor | grep -q "$2"' _ "$CTL" "$NETNS"
check "login works with the recreated namespace" sftp_batch $U <<<"ls"
"$CTL" netns remove >/dev/null
check "doctor notes a missing one" bash -c '"$1" doctor | grep -q "^note: .*netns: not present"' _ "$CTL"
check "doctor --fix creates it" bash -c '"$1" doctor --fix | grep -q "fixed: created the shared network namespace"' _ "$CTL"
check "... and it is sound" bash -c '"$1" netns status | grep -q "shared by every jail"' _ "$CTL"
nsenter --net="$NETNS" ip link set lo up
check "doctor reports an unsound one as a problem" bash -c '"$1" doctor | grep -q "^problem: shared network namespace .*loopback interface is up"' _ "$CTL"
nsenter --net="$NETNS" ip link set lo down
check "netns: unknown action is a usage error" bash -c '"$1" netns sideways 2>/dev/null; [ $? -eq 2 ]' _ "$CTL"

done_testing
