/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seccomp-build.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

scmp_filter_ctx sp_build(const struct sp_policy *p, char *err, size_t errlen)
{
        /* Anything not listed is an attack: the syscall never runs, the
         * kernel hands it to the supervisor (SECCOMP_RET_USER_NOTIF), which
         * logs it by name and kills the session.  Should the supervisor be
         * gone, the syscall fails with ENOSYS (and the jail dies with its
         * parent anyway).  Syscalls libc probes and copes with are listed
         * with an errno instead. */
        return sp_build_default(p, SCMP_ACT_NOTIFY, err, errlen);
}

scmp_filter_ctx sp_build_default(const struct sp_policy *p, uint32_t default_action, char *err, size_t errlen)
{
        scmp_filter_ctx ctx = seccomp_init(default_action);
        int r;

        if (!ctx) {
                snprintf(err, errlen, "seccomp_init failed");
                return NULL;
        }
        /* Native ABI only: foreign architectures (i386 via int 0x80, x32)
         * hit the bad-arch action, which stays "kill".  We set
         * no_new_privs ourselves before loading. */
        if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) < 0 ||
            seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0) {
                snprintf(err, errlen, "seccomp_attr_set failed");
                goto fail;
        }
        for (size_t i = 0; i < p->n; i++) {
                const struct sp_entry *e = &p->e[i];
                int nr = seccomp_syscall_resolve_name(e->syscall);

                if (nr == __NR_SCMP_ERROR) {
                        snprintf(err, errlen, "line %d: unknown syscall '%s' on this architecture", e->line,
                                 e->syscall);
                        goto fail;
                }
                if (nr < 0)
                        continue; /* a pseudo-syscall of another ABI: nothing to allow */
                switch (e->action) {
                case SP_ALLOW:
                        r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
                        break;
                case SP_ERRNO:
                        r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO((unsigned)e->err), nr, 0);
                        break;
                case SP_KILL:
                        /* The default action already kills (through the
                         * supervisor, or itself); libseccomp refuses a rule
                         * equal to the default (EACCES).
                         * The kill list stays in the policy as the
                         * reviewed statement of intent, and the tests
                         * check each entry is killed. */
                        r = 0;
                        break;
                case SP_ALLOW_UNLESS:
                        /* One rule per bit, OR'ed: allowed when any one of
                         * the bits is clear (low 32 bits; the kernel
                         * rejects unknown high PROT_ bits anyway). */
                        r = 0;
                        for (uint32_t bits = e->values[0]; bits && r == 0; bits &= bits - 1)
                                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                                     SCMP_CMP32((unsigned)e->arg, SCMP_CMP_MASKED_EQ,
                                                                bits & -bits, 0));
                        break;
                case SP_ALLOW_ARG:
                default:
                        /* Compare only the low 32 bits (CVE-2019-10063:
                         * ioctl's request is an int to the kernel).  The
                         * unused datum_b is spelled out (clang warns). */
                        r = 0;
                        for (size_t v = 0; v < e->n_values && r == 0; v++)
                                r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
                                                     SCMP_CMP32((unsigned)e->arg, SCMP_CMP_EQ, e->values[v], 0));
                        break;
                }
                if (r < 0) {
                        snprintf(err, errlen, "line %d: %s: %s", e->line, e->syscall, strerror(-r));
                        goto fail;
                }
        }
        return ctx;
fail:
        seccomp_release(ctx);
        return NULL;
}
