#!/bin/sh
# meson install hook: give the launcher its file capabilities (never
# set-uid), install the example configuration if none exists, create the
# root-owned key directory.  Skipped for staged installs (DESTDIR): a
# package's postinst does the same.
set -eu
launcher=$1 confdir=$2 example=$3
if [ -n "${DESTDIR:-}" ]; then
        echo "sftpjail: DESTDIR install: run 'setcap cap_chown,cap_setpcap,cap_sys_admin=p $launcher' on the target"
        exit 0
fi
setcap cap_chown,cap_setpcap,cap_sys_admin=p "$launcher"
install -d -m 0755 -o root -g root "$confdir" "$confdir/authorized_keys"
if [ ! -e "$confdir/sftpjail.conf" ]; then
        install -m 0644 -o root -g root "$example" "$confdir/sftpjail.conf"
fi
