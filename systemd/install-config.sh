#!/bin/sh
# meson install hook (systemd/): install the dedicated sshd's configuration
# template as CONFDIR/sshd_config unless one exists (it belongs to the admin
# from then on).  Honours DESTDIR.
set -eu
template=$1 target=$2
dest=${DESTDIR:-}$target
if [ ! -e "$dest" ]; then
        install -d -m 0755 "$(dirname "$dest")"
        install -m 0644 "${DESTDIR:-}$template" "$dest"
        echo "sftpjail: installed $target"
fi
