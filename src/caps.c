/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "caps.h"

#include <linux/securebits.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"

static void cap_freep(cap_t *c)
{
        if (*c)
                cap_free(*c);
}
#define _cleanup_cap_ _cleanup_(cap_freep)

static const cap_value_t needed[] = { CAP_SYS_ADMIN, CAP_CHOWN, CAP_SETPCAP };

/* The effective set the launcher holds right now: 0 or a CAPS_* mask.
 * Kept so that a raise of what is already raised costs no syscall. */
static unsigned effective = ~0u;

/* Set the effective set to mask, permitted set unchanged. */
static void set_effective(unsigned mask)
{
        _cleanup_cap_ cap_t c = NULL;
        cap_value_t on[ELEMENTSOF(needed)];
        int n = 0;

        if (mask == effective)
                return;
        c = cap_get_proc();
        if (!c || cap_clear_flag(c, CAP_EFFECTIVE) < 0)
                die_errno("cap_get_proc");
        for (size_t i = 0; i < ELEMENTSOF(needed); i++)
                if (mask & (1u << i))
                        on[n++] = needed[i];
        if ((n && cap_set_flag(c, CAP_EFFECTIVE, n, on, CAP_SET) < 0) || cap_set_proc(c) < 0)
                die_errno("setting the effective capabilities");
        effective = mask;
}

void caps_init_launcher(void)
{
        /* Whatever the file capabilities say ("=ep" from an older
         * install), the effective set is empty from here. */
        effective = ~0u;
        set_effective(0);
}

void caps_check_launcher(void)
{
        _cleanup_cap_ cap_t want = cap_from_text(SFTPJAIL_FILE_CAPS);
        _cleanup_cap_ cap_t have = cap_get_proc();
        uid_t ruid, euid, suid;
        gid_t rgid, egid, sgid;

        /* Ids first, and not by geteuid() alone (bubblewrap CVE-2020-5291):
         * a set-uid install would leave a saved uid to return to. */
        if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0)
                die_errno("getresuid");
        if (ruid != euid || ruid != suid || rgid != egid || rgid != sgid)
                die("the launcher must not be set-uid or set-gid; install it with file capabilities (%s)",
                    SFTPJAIL_FILE_CAPS);
        if (ruid == 0)
                die("refusing to jail root");
        if (!want || !have)
                die_errno("cap_get_proc");

        for (size_t i = 0; i < ELEMENTSOF(needed); i++) {
                cap_flag_value_t p = CAP_CLEAR;
                cap_get_flag(have, needed[i], CAP_PERMITTED, &p);
                if (p != CAP_SET)
                        die("the launcher lacks capability %s; run 'setcap %s' on it (see sftpjailctl doctor)",
                            cap_to_name(needed[i]), SFTPJAIL_FILE_CAPS);
        }
        /* Extra capabilities mean we were started in an unexpected way
         * (ambient caps, a different file cap set): refuse. */
        if (CAP_DIFFERS(cap_compare(want, have), CAP_PERMITTED))
                die("the launcher holds capabilities beyond %s; refusing", SFTPJAIL_FILE_CAPS);
}

void caps_raise(unsigned mask)
{
        set_effective(mask);
}

void caps_lower(void)
{
        set_effective(0);
}

void caps_drop_all(void)
{
        _cleanup_cap_ cap_t empty = cap_init();
        _cleanup_cap_ cap_t now = NULL;
        int bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
                   SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                   SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED;

        if (!empty)
                die_errno("cap_init");
        /* CAP_SETPCAP: PR_CAPBSET_DROP and PR_SET_SECUREBITS need it, so
         * it is the one capability effective while we drop. */
        set_effective(CAPS_SETPCAP);
        /* Order matters: the bounding set and securebits need CAP_SETPCAP,
         * so they go first; the process sets last. */
        /* Walk to the kernel's last capability, not the headers'. */
        for (cap_value_t c = 0; prctl(PR_CAPBSET_READ, c) >= 0; c++)
                if (prctl(PR_CAPBSET_READ, c) > 0 && prctl(PR_CAPBSET_DROP, c) < 0)
                        die_errno("dropping %s from the bounding set", cap_to_name(c));
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
                die_errno("clearing ambient capabilities");
        if (prctl(PR_SET_SECUREBITS, bits) < 0)
                die_errno("locking securebits");
        if (cap_set_proc(empty) < 0)
                die_errno("clearing capabilities");
        effective = 0;

        /* Verify rather than trust. */
        now = cap_get_proc();
        if (!now || cap_compare(now, empty) != 0)
                die("capabilities still present after dropping them");
        for (cap_value_t c = 0; prctl(PR_CAPBSET_READ, c) >= 0; c++)
                if (prctl(PR_CAPBSET_READ, c) != 0)
                        die("bounding set still holds %s", cap_to_name(c));
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, CAP_SYS_ADMIN, 0, 0) != 0)
                die("ambient capabilities still present");
}
