#!/bin/bash
# Install sftpjail and start a jailed SFTP endpoint on 127.0.0.1 with a demo
# user, on Debian 12, as root:
#
#     tools/quickstart.sh
#
# Environment: PORT (default 2222), DEMO_USER (default sftpdemo).
# Idempotent: run it again to rebuild and restart.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-2222}
DEMO_USER=${DEMO_USER:-sftpdemo}
DEMO_DIR=/root/sftpjail-demo
LAUNCHER=/usr/libexec/sftpjail/sftpjail
CONFDIR=/etc/sftpjail

say() { printf '==> %s\n' "$*"; }
[ "$(id -u)" = 0 ] || { echo "quickstart: run as root" >&2; exit 1; }

say "installing dependencies"
tools/install-deps.sh --runtime

say "building and installing"
if [ -d build ]; then meson setup --reconfigure build --prefix=/usr --sysconfdir=/etc >/dev/null
else meson setup build --prefix=/usr --sysconfdir=/etc >/dev/null; fi
ninja -C build >/dev/null
meson install -C build --quiet
getcap "$LAUNCHER"

say "demo user $DEMO_USER"
getent group sftpjail >/dev/null || groupadd --system sftpjail
install -d -m 0700 "$DEMO_DIR"
[ -f "$DEMO_DIR/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C "$DEMO_USER demo key" -f "$DEMO_DIR/id_ed25519"
if command -v sftpjailctl >/dev/null && sftpjailctl add-user --help >/dev/null 2>&1; then
        sftpjailctl add-user "$DEMO_USER" --key "$DEMO_DIR/id_ed25519.pub"
else
        home=/srv/sftp/$DEMO_USER
        install -d -m 0755 /srv/sftp
        id "$DEMO_USER" >/dev/null 2>&1 || useradd -M -d "$home" -s "$LAUNCHER" -G sftpjail "$DEMO_USER"
        usermod -p '*' "$DEMO_USER"
        install -d -m 0750 -o root -g "$DEMO_USER" "$home"
        install -d -m 0750 -o "$DEMO_USER" -g "$DEMO_USER" "$home/uploads"
        install -m 0644 -o root -g root "$DEMO_DIR/id_ed25519.pub" "$CONFDIR/authorized_keys/$DEMO_USER"
fi
home=$(getent passwd "$DEMO_USER" | cut -d: -f6)
[ -e "$home/welcome.txt" ] || echo "Welcome to sftpjail. Put files into uploads/." >"$home/welcome.txt"

# sshd (even "sshd -t") refuses to start without its privilege separation
# directory, which only its own service creates: on a fresh host where
# sshd has never run, it is missing until we make it.
install -d -m 0755 /run/sshd

say "hardening the host's sshd for jailed users too"
# Jailed users must get nothing but the jail from the host's own sshd
# either (forwarding passes a login shell): the prescribed drop-in.
if [ -d /etc/ssh/sshd_config.d ]; then
        install -m 0644 /usr/share/sftpjail/sshd_config.d-sftpjail.conf /etc/ssh/sshd_config.d/sftpjail.conf
        /usr/sbin/sshd -t || { echo "quickstart: the host's sshd rejects the drop-in" >&2; exit 1; }
        if [ -d /run/systemd/system ] && systemctl -q is-active ssh.service; then systemctl reload ssh.service; fi
fi

say "dedicated SFTP-only sshd on 127.0.0.1:$PORT"
cfg=$CONFDIR/sshd_config
sed -i "s/^Port .*/Port $PORT/" "$cfg"
grep -q '^ListenAddress' "$cfg" || printf '\n# Added by tools/quickstart.sh: the demo listens on loopback only.\nListenAddress 127.0.0.1\n' >>"$cfg"
if [ -d /run/systemd/system ]; then
        systemctl daemon-reload
        # The empty network namespace all jails share (also for the host's
        # sshd), then the dedicated sshd.
        systemctl enable --now sftpjail-netns.service
        systemctl enable --now sftpjail-sshd.service
        systemctl restart sftpjail-sshd.service
else
        # No systemd as PID 1 (a container, a CI machine): what the unit's
        # ExecStartPre= lines do, then sshd in the background.
        # Every session's records go to /dev/log, and with audit = required
        # (the default) no session is served without it: without journald,
        # run a syslog daemon (records land in /var/log/auth.log).
        if ! [ -S /dev/log ]; then
                say "no log sink at /dev/log: starting rsyslogd"
                dpkg-query -W -f='${Status}' rsyslog 2>/dev/null | grep -q "install ok installed" ||
                        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rsyslog >/dev/null
                rsyslogd
                for _ in $(seq 1 50); do [ -S /dev/log ] && break; sleep 0.1; done
        fi
        sftpjailctl netns create
        install -d -m 0755 "$CONFDIR/ssh"
        for t in ed25519 rsa; do
                [ -f "$CONFDIR/ssh/ssh_host_${t}_key" ] || ssh-keygen -q -t $t -N '' -f "$CONFDIR/ssh/ssh_host_${t}_key"
        done
        /usr/sbin/sshd -t -f "$cfg"
        pid=$(cat /run/sftpjail-sshd.pid 2>/dev/null || true)
        [ -n "$pid" ] && kill "$pid" 2>/dev/null && sleep 0.5
        /usr/sbin/sshd -f "$cfg" -o PidFile=/run/sftpjail-sshd.pid
fi

say "checking a login"
ok=
for _ in $(seq 1 50); do
        if echo ls | sftp -q -b - -i "$DEMO_DIR/id_ed25519" -P "$PORT" -o BatchMode=yes \
                -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile="$DEMO_DIR/known_hosts" \
                "$DEMO_USER@127.0.0.1" >/dev/null 2>&1; then ok=1; break; fi
        sleep 0.2
done
[ -n "$ok" ] || { echo "quickstart: the demo login failed; see 'journalctl -t sftpjail' or run 'sftpjailctl doctor'" >&2; exit 1; }

cat <<EOF

sftpjail is running. Connect with:

    sftp -i $DEMO_DIR/id_ed25519 -o UserKnownHostsFile=$DEMO_DIR/known_hosts -P $PORT $DEMO_USER@127.0.0.1

Add users with 'sftpjailctl add-user', check the setup with 'sftpjailctl doctor'.
EOF
