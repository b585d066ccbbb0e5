#!/bin/bash
# Install what sftpjail needs on Debian 12:
#   tools/install-deps.sh            build, run and test (tests/run.sh, bench/run.sh)
#   tools/install-deps.sh --runtime  build and run only (tools/quickstart.sh)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(
        # build
        meson ninja-build gcc pkg-config libseccomp-dev libcap-dev libinih-dev libmount-dev nettle-dev libsystemd-dev
        # run
        openssh-server openssh-sftp-server openssh-client libcap2-bin
)
case "${1:-}" in
--runtime) ;;
"") pkgs+=(
        # test
        python3 python3-paramiko rsync strace util-linux procps iproute2 seccomp xfsprogs e2fsprogs
        systemd-container systemd nftables
        # promtool (test-records: sftpjailctl metrics)
        prometheus
        # tests/fresh-machine.sh: a fresh Debian root, the package
        mmdebstrap debhelper dpkg-dev lintian
        qemu-system-x86 linux-image-amd64 busybox-static cpio  # test-quota's VM (tests/lib-vm.sh); no kernel of the host's changes
        # test-directory: OpenLDAP and SSSD (each test starts its own)
        slapd ldap-utils sssd-ldap sssd-tools libnss-sss libpam-sss
        # test-estate: shared homes on GlusterFS, hosts behind HAProxy (each
        # test starts its own glusterd and haproxy; the packages' services
        # are not used)
        glusterfs-server glusterfs-client haproxy
        # checks and benchmarks
        clang clang-tidy cppcheck shellcheck bubblewrap hyperfine valgrind
        # clang's sanitizer and libFuzzer runtimes (the fuzz step): only a
        # Recommends of clang, which --no-install-recommends leaves out
        libclang-rt-14-dev
) ;;
*) echo "usage: tools/install-deps.sh [--runtime]" >&2; exit 2 ;;
esac
# A dpkg run that was cut short (an image built without finishing it)
# leaves its journal in /var/lib/dpkg/updates: apt then refuses to install
# anything, and dpkg-checkbuilddeps reads a stale status.  Finish it, as
# apt would ask.
if [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ]; then
        dpkg --configure -a
fi
missing=()
for p in "${pkgs[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
        # slapd: no database of its own (test-directory configures a
        # private instance); libnss-sss adds "sss" to the host's
        # nsswitch.conf: keep the host's as it was (the test bind-mounts
        # its own copy in its namespace).
        echo "slapd slapd/no_configuration boolean true" | debconf-set-selections
        nsswitch_before=$(cat /etc/nsswitch.conf 2>/dev/null || true)
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        if [[ " ${missing[*]} " == *" libnss-sss "* ]] && [ -n "$nsswitch_before" ] &&
                [ "$(cat /etc/nsswitch.conf)" != "$nsswitch_before" ]; then
                printf '%s\n' "$nsswitch_before" >/etc/nsswitch.conf
        fi
fi
# Installing openssh-server may start the host's sshd where an init system
# runs; the tests use their own sshd and do not care.
