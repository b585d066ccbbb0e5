#!/bin/bash
# A fresh Debian machine: the README's commands and the Debian package,
# each in a copy of a minimal Debian root (mmdebstrap, variant "important":
# what the installer always puts on a machine) built from this machine's
# apt sources and cached under /var/cache/sftpjail-test/ (keyed by a hash
# of what goes into it).  TAP.
#
#  1. The README's commands, taken from README.md itself (the first ```sh
#     block under "## Try it" and under "## Run the tests"), as root in the
#     clone, run verbatim:
#       a. booted with systemd-nspawn -b: the systemd path; also the test
#          command, restricted to the unit tests (SUITES="--suite unit") and
#          2 s a fuzz target (FUZZ_SECONDS=2): the whole suite nested would
#          double CI time, and the outer run does all of it on the CI
#          machine itself;
#       b. without an init system (nspawn runs the command alone): the
#          path where sshd is started directly.
#     After each, the demo login lists the home and a command is refused.
#  2. The package, built here with dpkg-buildpackage (lintian: no errors),
#     in a booted copy of the root with a private network: install (its
#     dependencies first, so that the comparison below sees only
#     sftpjail), add a user with sftpjailctl, enable the per-connection
#     sshd, log in; upgrade to a rebuild with a higher version while a
#     session is open (the session goes on; the admin's config is kept);
#     log in again; remove (config kept), purge.  The file list and
#     dpkg's status before the install and after the purge are the same
#     but for the group sftpjail (sysusers.d; Debian leaves system groups
#     on purge) and the backups useradd/userdel keep (/etc/passwd- ...).
#  3. The install fails, with its message, where the launcher's filesystem
#     cannot hold file capabilities (ramfs).
#
# The README containers share the host's network (apt must reach the
# archive): the quickstart's port 127.0.0.1:2222 must be free here.
# Needs mmdebstrap, systemd-nspawn, dpkg-dev, debhelper, lintian (all from
# tools/install-deps.sh).  Root.
# SFTPJAIL_FRESH_CACHE: the cache directory.  SFTPJAIL_FRESH_ONLY=readme or
# =package: only that half.
export SFTPJAIL_BUILD=${SFTPJAIL_BUILD:-/nonexistent}   # lib.sh's; this test builds its own
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-nspawn.sh"
# lib.sh's check, returning its verdict, so that "check ... || diag ..."
# shows the evidence of a failure.
check() { local d=$1; shift; if "$@" >&2; then ok "$d"; else not_ok "$d"; return 1; fi; }
# One run at a time (the cache, port 2222), in a private mount namespace:
# the overlays vanish with it.  Not the integration tests' lock: this test
# shares nothing else with them (own roots, own temporary directories; they
# never use port 2222), and it would hold their lock for minutes.
if [ -z "${SFTPJAIL_FRESH_NS:-}" ]; then
        exec 9>/run/lock/sftpjail-fresh.lock || bail "cannot open /run/lock/sftpjail-fresh.lock"
        flock 9
        export SFTPJAIL_FRESH_NS=1
        exec unshare -m --propagation private -- "$BASH" "$0" "$@"
fi
trap 'exit 143' TERM INT HUP    # so that the EXIT cleanups run

for p in mmdebstrap systemd-nspawn nsenter dpkg-buildpackage lintian ss; do
        command -v "$p" >/dev/null || bail "$p is not installed (tools/install-deps.sh installs it)"
done

CACHE=${SFTPJAIL_FRESH_CACHE:-/var/cache/sftpjail-test}
ONLY=${SFTPJAIL_FRESH_ONLY:-}   # readme | package: one half (when working on it)
CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
[ -n "$CODENAME" ] || bail "no VERSION_CODENAME in /etc/os-release"
VARIANT=important
INCLUDE=systemd-sysv    # (in "important" already; named so that it stays)
CLONE=/root/sftpjail    # where the clone sits in the containers
START=$SECONDS
W=$(mktemp -d /var/tmp/sftpjail-fresh.XXXXXX) || bail "mktemp"
on_exit "rm -rf --one-file-system $W"
mkdir -p "$CACHE" || bail "mkdir $CACHE"
elapsed() { echo "$((SECONDS - START))s"; }

# ---- the machine's Debian sources, as apt itself reads them ----
# Every index apt would fetch (with an empty lists directory it lists them
# all), reduced to "deb URI SUITE COMPONENTS" lines of this release.
sources() {
        local lists
        lists=$(mktemp -d) && mkdir "$lists/partial" &&
                apt-get -o Dir::State::Lists="$lists" --print-uris update 2>/dev/null |
                sed -nE "s|^'([^']+)/dists/([^/']+)/(.+)/binary-[^/']+/Packages[^']*'.*|\1 \2 \3|p" |
                awk -v c="$CODENAME" '$2 == c || index($2, c "-") == 1' | sort -u |
                awk '{ k = $1 " " $2; if (!(k in s)) o[++n] = k; s[k] = s[k] " " $3 }
                     END { for (i = 1; i <= n; i++) print "deb " o[i] s[o[i]] }'
        rm -rf "$lists"
}
SOURCES=$(sources)
[ -n "$SOURCES" ] || bail "no $CODENAME sources in apt's configuration (/etc/apt/sources.list{,.d})"

# ---- the root, cached ----
KEY=$(printf '%s\n' "$CODENAME" "$VARIANT" "$INCLUDE" "$SOURCES" | sha256sum | cut -c1-16)
ROOT=$CACHE/root-$CODENAME-$KEY
if [ -d "$ROOT" ]; then
        diag "root: cached $ROOT"
else
        diag "root: building $ROOT (mmdebstrap --variant=$VARIANT, sources:" "$SOURCES)"
        rm -rf --one-file-system "$ROOT.tmp"
        mapfile -t mirrors <<<"$SOURCES"
        if mmdebstrap --quiet --variant="$VARIANT" --include="$INCLUDE" "$CODENAME" "$ROOT.tmp" \
                "${mirrors[@]}" >"$W/mmdebstrap.log" 2>&1; then
                mv "$ROOT.tmp" "$ROOT"
                # Older roots of other keys are stale.
                find "$CACHE" -maxdepth 1 -name "root-*" ! -path "$ROOT" -exec rm -rf --one-file-system {} +
        else
                cat "$W/mmdebstrap.log" >&2; rm -rf --one-file-system "$ROOT.tmp"; bail "mmdebstrap failed"
        fi
fi
diag "root ready after $(elapsed)"
# Downloaded packages are kept between the containers and runs (apt
# still installs them in each container).
ARCHIVES=$CACHE/apt-archives
mkdir -p "$ARCHIVES/partial"

# The clone: what git has (tracked, and new files not ignored), no build
# directories.
( cd "$SRCDIR" && git ls-files -z -c -o --exclude-standard ) >"$W/files" 2>/dev/null && [ -s "$W/files" ] ||
        bail "$SRCDIR is not a git checkout"
clone_into() { # ROOTDIR
        mkdir -p "$1$CLONE" && tar -C "$SRCDIR" --null -T "$W/files" -cf - | tar -C "$1$CLONE" -xf -
}

# ---- the README's commands ----
# readme_cmd HEADING: the first ```sh block of the section.
readme_cmd() {
        awk -v h="$1" '/^## / { sec = ($0 == h); next }
                sec && !blk && /^```sh[[:space:]]*$/ { blk = 1; next }
                blk && /^```/ { exit }
                blk { print }' "$SRCDIR/README.md"
}
TRY=$(readme_cmd "## Try it (Debian 12, as root)")
TESTS=$(readme_cmd "## Run the tests (as root)")
diag "README, Try it: $TRY"
diag "README, Run the tests: $TESTS"
check "README.md has a command under '## Try it'" [ -n "$TRY" ]
check "README.md has a command under '## Run the tests'" [ -n "$TESTS" ]

DEMO_KEY=/root/sftpjail-demo/id_ed25519
DEMO_SSH=(-i "$DEMO_KEY" -o UserKnownHostsFile=/root/sftpjail-demo/known_hosts -o BatchMode=yes
        -o ConnectTimeout=10 -P 2222)
# demo_checks RUNNER...: a demo login lists the home, a command is refused.
demo_checks() {
        local what=$1 out
        shift
        out=$("$@" sh -c "echo ls | sftp -q -b - ${DEMO_SSH[*]} sftpdemo@127.0.0.1" 2>&1)
        check "$what: the demo login lists the home" grep -q welcome.txt <<<"$out" || diag "$out"
        out=$("$@" ssh "${DEMO_SSH[@]/-P/-p}" sftpdemo@127.0.0.1 id 2>&1)
        check "$what: a command ('ssh ... id') is refused" eval '! grep -q "uid=" <<<"$out" && grep -q "login refused" <<<"$out"' ||
                diag "$out"
}

port_free() { ! ss -Htln 'sport = :2222' | grep -q .; }
readme_containers() {
        local r
        # Daemons that packages start while the quickstart installs them
        # (the image's own sshd on port 22) must not take the host's ports:
        # the usual chroot policy (invoke-rc.d/deb-systemd-invoke ask it).
        # The quickstart starts what it needs itself.
        for r in "$W/booted/merged" "$W/plain/merged"; do
                printf '#!/bin/sh\nexit 101\n' >"$r/usr/sbin/policy-rc.d" && chmod 0755 "$r/usr/sbin/policy-rc.d"
                clone_into "$r" || bail "copying the clone"
        done
}

# ---- the packages, built in the background meanwhile ----
# build_deb DIR VERSION: dpkg-buildpackage in a copy of the clone; a
# VERSION other than the changelog's gets a changelog entry on top.
build_deb() {
        local dir=$1 version=$2
        clone_into "$dir" || return 1
        if [ "$version" != "$V1" ]; then
                { printf 'sftpjail (%s) UNRELEASED; urgency=medium\n\n  * Test rebuild.\n\n -- %s  %s\n\n' \
                        "$version" "sftpjail test <test@sftpjail.invalid>" "$(date -R)"
                  cat "$dir$CLONE/debian/changelog"; } >"$W/changelog" && mv "$W/changelog" "$dir$CLONE/debian/changelog"
        fi
        (cd "$dir$CLONE" && dpkg-buildpackage -us -uc -b) >"$dir/build.log" 2>&1
}
V1=$(dpkg-parsechangelog -l "$SRCDIR/debian/changelog" -S Version)
V2=$V1+test1
if [ "$ONLY" != readme ]; then
        ( build_deb "$W/v1" "$V1" && build_deb "$W/v2" "$V2" ) &
        BUILDS=$!
fi

if [ "$ONLY" = package ]; then
        diag "README commands: left out (SFTPJAIL_FRESH_ONLY=package)"
elif ! port_free; then
        not_ok "README commands: 127.0.0.1:2222 is free on this host (the containers share its network)"
        diag "$(ss -Htlnp 'sport = :2222')"
else
        ns_overlay "$W/booted" "$ROOT"
        ns_overlay "$W/plain" "$ROOT"
        readme_containers

        # a. booted
        ns_boot "$W/booted/merged" "$W/booted.log" --bind="$ARCHIVES:/var/cache/apt/archives"
        diag "booted after $(elapsed)"
        out=$(CT=900 C bash -c "cd $CLONE && $TRY" 2>&1); rc=$?
        check "booted: the README's 'Try it' command succeeds" [ $rc -eq 0 ] || diag "$(tail -n 30 <<<"$out")"
        check "booted: it took the systemd path (sftpjail-sshd.service is active)" C systemctl -q is-active sftpjail-sshd.service
        check "booted: sftpjail-netns.service is active" C systemctl -q is-active sftpjail-netns.service
        demo_checks booted C
        diag "quickstart (booted) done after $(elapsed)"
        out=$(CT=1200 C env SUITES="--suite unit" FUZZ_SECONDS=2 bash -c "cd $CLONE && $TESTS" 2>&1); rc=$?
        check "booted: the README's test command (SUITES='--suite unit' FUZZ_SECONDS=2) passes" [ $rc -eq 0 ] ||
                diag "$(tail -n 40 <<<"$out")"
        diag "$(grep -E '^(release|sanitizers|valgrind|fuzz|static checks)|passed, .* failed$' <<<"$out")"
        diag "test command done after $(elapsed)"
        ns_stop

        # b. no init system
        port_free || sleep 2
        cat >"$W/plain/merged/root/run-readme.sh" <<EOF
cd $CLONE && $TRY || { echo "README command failed: \$?"; exit 1; }
[ -d /run/systemd/system ] && { echo "systemd is running?"; exit 1; }
echo "--- sshd pid: \$(cat /run/sftpjail-sshd.pid)"
echo "--- login"
echo ls | sftp -q -b - ${DEMO_SSH[*]} sftpdemo@127.0.0.1 2>&1
echo "--- command"
ssh ${DEMO_SSH[*]/-P/-p} sftpdemo@127.0.0.1 id 2>&1
exit 0
EOF
        out=$(CT=900 ns_run "$W/plain/merged" --bind="$ARCHIVES:/var/cache/apt/archives" -- \
                bash /root/run-readme.sh 2>&1); rc=$?
        check "no init: the README's 'Try it' command succeeds" [ $rc -eq 0 ] || diag "$(tail -n 30 <<<"$out")"
        check "no init: sshd was started directly (no systemd)" grep -qE '^--- sshd pid: [0-9]+$' <<<"$out"
        login=$(sed -n '/^--- login$/,/^--- command$/p' <<<"$out")
        cmd=$(sed -n '/^--- command$/,$p' <<<"$out")
        check "no init: the demo login lists the home" grep -q welcome.txt <<<"$login" || diag "$login"
        check "no init: a command ('ssh ... id') is refused" eval '! grep -q "uid=" <<<"$cmd" && grep -q "login refused" <<<"$cmd"' ||
                diag "$cmd"
        diag "no-init container done after $(elapsed)"
        umount "$W/booted/merged" "$W/plain/merged" && rm -rf --one-file-system "$W/booted" "$W/plain"
fi

# ---- the package ----
[ "$ONLY" != readme ] || { done_testing; exit; }
if wait "$BUILDS"; then ok "dpkg-buildpackage builds $V1 and $V2"
else not_ok "dpkg-buildpackage builds $V1 and $V2"; tail -n 30 "$W"/v*/build.log >&2; done_testing; exit; fi
DEB1=$(echo "$W"/v1/root/sftpjail_"${V1}"_*.deb)
DEB2=$(echo "$W"/v2/root/sftpjail_"${V2}"_*.deb)
lint=$(lintian --pedantic --fail-on error "$W"/v1/root/sftpjail_"${V1}"_*.changes 2>&1); rc=$?
lint=$(grep -v 'running with root privileges' <<<"$lint")
check "lintian: no errors" [ $rc -eq 0 ]
[ -z "$lint" ] || diag "lintian: $lint"
diag "packages built after $(elapsed)"

# The package's dependencies, installed first: the "before" state.
ns_overlay "$W/deps" "$ROOT"
cp "$DEB1" "$W/deps/merged/root/" || bail "copy"
out=$(CT=600 ns_run "$W/deps/merged" --bind="$ARCHIVES:/var/cache/apt/archives" -- sh -ec \
        "export DEBIAN_FRONTEND=noninteractive
         printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d
         apt-get update -qq
         apt-get satisfy -y -qq --no-install-recommends \"\$(dpkg-deb -f /root/$(basename "$DEB1") Depends)\"
         rm -f /usr/sbin/policy-rc.d /root/$(basename "$DEB1")" 2>&1) ||
        { diag "$out"; bail "installing the package's dependencies failed"; }
umount "$W/deps/merged"
diag "dependencies installed after $(elapsed)"

# 3. A launcher filesystem without file capabilities fails the install.
ns_overlay "$W/nocaps" "$W/deps/upper:$ROOT"
cp "$DEB1" "$W/nocaps/merged/root/" || bail "copy"
out=$(ns_run "$W/nocaps/merged" --private-network -- sh -c \
        "mkdir -p /usr/libexec/sftpjail && mount -t ramfs ramfs /usr/libexec/sftpjail &&
         dpkg -i /root/$(basename "$DEB1"); echo \"dpkg-exit=\$?\"; dpkg-query -W -f='status=\${Status}\n' sftpjail" 2>&1)
check "no file capabilities: the install fails" grep -q '^dpkg-exit=1$' <<<"$out"
check "no file capabilities: with a clear message" grep -q 'sftpjail: cannot set the file capabilities' <<<"$out"
check "no file capabilities: the package stays unconfigured" grep -q '^status=install ok half-configured$' <<<"$out" ||
        diag "$out"
umount "$W/nocaps/merged"

# 2. Install, use, upgrade, remove, purge, booted, private network.
ns_overlay "$W/pkg" "$W/deps/upper:$ROOT"
cp "$DEB1" "$DEB2" "$W/pkg/merged/root/" || bail "copy"
ns_boot "$W/pkg/merged" "$W/pkg.log" --private-network
DEB1=/root/$(basename "$DEB1") DEB2=/root/$(basename "$DEB2")
# The state to come back to: every file outside the volatile places (type,
# mode, owner, size, checksum of regular files) and dpkg's package list.
snapshot() {
        C sh -c 'find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp \
                        -o -path /var/tmp -o -path /var/log -o -path /var/cache -o -path /var/lib/apt/lists \
                        -o -path /var/lib/dpkg -o -path /var/lib/systemd -o -path /var/lib/private \
                        -o -path /root/.ssh -o -path "/root/sftpjail_*" -o -path /root/pkg-test \) -prune \
                        -o -printf "%y %m %u:%g %p -> %l\n" | sed "s/ -> \$//" | sort
                find / -xdev -path /proc -prune -o -path /sys -prune -o -path /run -prune -o -path /var/cache -prune \
                        -o -path /var/log -prune -o -path /var/lib/dpkg -prune -o -path /var/lib/apt -prune \
                        -o -path /var/lib/systemd -prune -o -path /tmp -prune -o -path /root -prune \
                        -o -type f -print0 | sort -z | xargs -0 md5sum
                dpkg-query -W -f="\${Package} \${Version} \${Status}\n" | grep -v " not-installed$"'
}
snapshot >"$W/before" || bail "snapshot"
C cat /etc/group /etc/gshadow >"$W/groups.before"
apt() { C env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }
out=$(CT=300 apt install "$DEB1" 2>&1); rc=$?
check "apt-get install ./sftpjail_${V1}_*.deb" [ $rc -eq 0 ] || diag "$out"
L=/usr/libexec/sftpjail
check "the launcher has its file capabilities" eval 'C getcap $L/sftpjail | grep -q "cap_chown,cap_setpcap,cap_sys_admin=p"'
check "the supervisor is mode 0711" [ "$(C stat -c %a $L/sftpjail-supervise)" = 711 ]
check "conffiles: sftpjail.conf, sshd_config" eval '[ "$(C dpkg-query -W -f="\${Conffiles}" sftpjail | awk "{print \$1}" | sort | tr "\n" " ")" = "/etc/sftpjail/sftpjail.conf /etc/sftpjail/sshd_config " ]'
check "the group sftpjail exists (sysusers.d)" C getent group sftpjail
check "/etc/sftpjail/authorized_keys, /run/sftpjail/sessions exist (tmpfiles.d)" \
        C test -d /etc/sftpjail/authorized_keys -a -d /run/sftpjail/sessions
check "sftpjail-netns.service is enabled" C systemctl -q is-enabled sftpjail-netns.service
check "sftpjail-netns.service is active" C systemctl -q is-active sftpjail-netns.service
for u in sftpjail-sshd.socket sftpjail-sshd.service sftpjail-doctor.timer sftpjail-ratelimit.service sftpjail-events.service \
        sftpjail-metrics.timer; do
        check "$u is not enabled" eval '[ "$(C systemctl is-enabled $u)" = disabled ]'
done
check "nothing listens on port 2222 before a user exists" eval '! C ss -Htln "sport = :2222" | grep -q .'

# A user, the per-connection sshd, a login.
C mkdir -p /root/pkg-test
C ssh-keygen -q -t ed25519 -N '' -f /root/pkg-test/id_ed25519 || bail "ssh-keygen"
check "sftpjailctl add-user pkguser" C sftpjailctl add-user pkguser --key /root/pkg-test/id_ed25519.pub
C sh -c 'echo hello >/srv/sftp/pkguser/hello.txt'
check "systemctl enable --now sftpjail-sshd.socket" C systemctl enable --now sftpjail-sshd.socket
PKG_SSH="-i /root/pkg-test/id_ed25519 -o UserKnownHostsFile=/root/pkg-test/known_hosts -o StrictHostKeyChecking=accept-new -o BatchMode=yes -P 2222"
login() { C sh -c "echo ls | sftp -q -b - $PKG_SSH pkguser@127.0.0.1" 2>&1; }
out=$(login)
check "$V1: a login lists the home" grep -q hello.txt <<<"$out" || diag "$out"
out=$(C ssh ${PKG_SSH/-P/-p} pkguser@127.0.0.1 id 2>&1)
check "$V1: a command is refused" eval '! grep -q "uid=" <<<"$out"' || diag "$out"

# A session held open across the upgrade: sftp reads its commands from a
# FIFO that a sleeping writer keeps open.
# The FIFO is made before this returns (only sftp and the writer go to the
# background), so that the writes below never create a plain file.
C sh -c "cd /root/pkg-test && mkfifo in || exit 1
         sleep 600 >in </dev/null 2>/dev/null &
         echo \$! >holder.pid
         { sftp -b in $PKG_SSH pkguser@127.0.0.1 </dev/null >out 2>&1; echo \$? >rc; } </dev/null >/dev/null 2>&1 &" ||
        bail "mkfifo"
C sh -c 'echo "put /etc/hostname uploads/before-upgrade.txt" >/root/pkg-test/in'
ns_wait 15 C test -e /srv/sftp/pkguser/uploads/before-upgrade.txt
session_units() { C systemctl list-units --no-legend --plain --state=active 'sftpjail-sshd@*' | awk '{print $1}'; }
units_before=$(session_units)
check "the held session is a running unit" [ -n "$units_before" ]
# The admin's configuration changes.
C sh -c 'printf "\n# admin: kept across upgrades\nMaxSessions 3\n" >>/etc/sftpjail/sshd_config'
C sh -c 'sed -i "s/^umask = 027/umask = 007/" /etc/sftpjail/sftpjail.conf'
conf_before=$(C cat /etc/sftpjail/sshd_config /etc/sftpjail/sftpjail.conf | md5sum)

out=$(CT=300 apt install "$DEB2" 2>&1); rc=$?
check "upgrade to $V2 (apt-get install ./sftpjail_${V2}_*.deb)" [ $rc -eq 0 ] || diag "$out"
check "$V2 is installed" eval '[ "$(C dpkg-query -W -f="\${Version}" sftpjail)" = "$V2" ]'
conf_after=$(C cat /etc/sftpjail/sshd_config /etc/sftpjail/sftpjail.conf | md5sum)
check "the admin's configuration is kept" [ "$conf_after" = "$conf_before" ]
check "no .dpkg-new/.dpkg-dist beside it" eval '[ -z "$(C find /etc/sftpjail -name "*.dpkg-*")" ]'
check "the launcher still has its file capabilities" eval 'C getcap $L/sftpjail | grep -q "cap_chown,cap_setpcap,cap_sys_admin=p"'
check "sftpjail-sshd.socket is still enabled and listening" C systemctl -q is-active sftpjail-sshd.socket
check "the held session's unit survived the upgrade" [ "$(session_units)" = "$units_before" ]
C sh -c 'echo "put /etc/hostname uploads/after-upgrade.txt" >/root/pkg-test/in; echo bye >/root/pkg-test/in'
ns_wait 15 C test -s /root/pkg-test/rc
check "the held session still works after the upgrade" eval '[ "$(C cat /root/pkg-test/rc)" = 0 ] && C test -e /srv/sftp/pkguser/uploads/after-upgrade.txt' ||
        diag "$(C cat /root/pkg-test/out)"
C sh -c 'kill "$(cat /root/pkg-test/holder.pid)"' 
out=$(login)
check "$V2: a new login lists the home" grep -q hello.txt <<<"$out" || diag "$out"

# Remove, purge.
check "sftpjailctl remove-user pkguser" C sftpjailctl remove-user pkguser
out=$(CT=300 apt remove sftpjail 2>&1); rc=$?
check "apt-get remove sftpjail" [ $rc -eq 0 ] || diag "$out"
check "remove: the launcher is gone" eval '! C test -e $L/sftpjail'
check "remove: the configuration is kept" C test -f /etc/sftpjail/sftpjail.conf -a -f /etc/sftpjail/sshd_config
check "remove: dpkg keeps the conffiles (rc)" eval '[ "$(C dpkg-query -W -f="\${db:Status-Abbrev}" sftpjail)" = "rc " ]'
check "remove: sftpjail-sshd.socket is stopped" eval '! C systemctl -q is-active sftpjail-sshd.socket && ! C ss -Htln "sport = :2222" | grep -q .'
check "remove: sftpjail-netns.service is stopped" eval '! C systemctl -q is-active sftpjail-netns.service'
out=$(CT=300 apt purge sftpjail 2>&1); rc=$?
check "apt-get purge sftpjail" [ $rc -eq 0 ] || diag "$out"
check "purge: /etc/sftpjail and /run/sftpjail are gone" eval '! C test -e /etc/sftpjail && ! C test -e /run/sftpjail'
check "purge: no unit is left enabled" eval '[ -z "$(C find /etc/systemd/system -name "sftpjail*")" ]'
C rm -rf /root/pkg-test
snapshot >"$W/after" || bail "snapshot"
# What may differ, and why: the group sftpjail (sysusers.d; Debian policy
# leaves system users and groups on purge), the backup copies
# useradd/userdel/groupadd keep of the files they edit, and /srv/sftp,
# the homes' base that "sftpjailctl add-user" made at the admin's request
# (the admin's data area: no package removes anything under /srv).
expected='/etc/(group|gshadow)$|/etc/(passwd|shadow|group|gshadow|subuid|subgid)-$|^> d 755 root:root /srv/sftp$'
diff "$W/before" "$W/after" >"$W/diff"
unexpected=$(grep -E '^[<>]' "$W/diff" | grep -Ev "$expected")
check "purge: nothing else differs from before the install" [ -z "$unexpected" ] || diag "$unexpected"
diag "differences, all expected or listed above:" "$(grep -E '^[<>]' "$W/diff")"
check "purge: the group sftpjail stays (policy)" C getent group sftpjail
check "purge: /etc/group, /etc/gshadow differ only by the group sftpjail" eval \
        '[ "$(C cat /etc/group /etc/gshadow | grep -v "^sftpjail:")" = "$(grep -v "^sftpjail:" "$W/groups.before")" ]'
ns_stop
diag "package tests done after $(elapsed)"
done_testing
