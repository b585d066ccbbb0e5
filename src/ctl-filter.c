/* SPDX-License-Identifier: GPL-2.0-or-later */
/* print-filter: the seccomp filter every login gets, for audits: the policy
 * it was compiled from (embedded at build time, so it is exactly the
 * launcher's), grouped with reasons, then libseccomp's pseudo-code of the
 * compiled program. */
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

#include "ctl.h"
#include "seccomp/seccomp-build.h"
#include "seccomp/seccomp-policy.h"
#include "util.h"

extern const char sftpjail_policy_text[];

static const char filter_usage[] =
        "Usage: sftpjailctl print-filter [--policy | --pfc]\n"
        "\n"
        "Print the seccomp filter every login gets: the policy with its groups\n"
        "and reasons (--policy), libseccomp's pseudo-code of the compiled BPF\n"
        "(--pfc), or both (default).  A syscall not listed never runs: the\n"
        "session's supervisor is notified (SECCOMP_RET_USER_NOTIF), logs it by\n"
        "name and kills the session; a foreign architecture is killed outright.\n";

int cmd_print_filter(int argc, char **argv)
{
        struct sp_policy p;
        char err[512];
        bool policy = true, pfc = true;

        if (ctl_help_requested(argc, argv, filter_usage))
                return CTL_EXIT_OK;
        if (argc == 2 && streq(argv[1], "--policy"))
                pfc = false;
        else if (argc == 2 && streq(argv[1], "--pfc"))
                policy = false;
        else if (argc != 1) {
                ctl_usage_error(filter_usage, "unexpected argument '%s'", ctl_quote(argv[argc == 2 ? 1 : 2]));
                return CTL_EXIT_USAGE;
        }
        if (sp_parse(sftpjail_policy_text, &p, err, sizeof(err)) < 0) {
                ctl_error("embedded policy: %s", err);
                return CTL_EXIT_ERROR;
        }
        if (policy) {
                printf("# default: the syscall never runs; the supervisor is notified (SECCOMP_RET_USER_NOTIF),\n"
                       "# logs it by name and kills the session; foreign architectures (i386, x32): kill\n");
                size_t g = (size_t)-1;
                for (size_t i = 0; i < p.n; i++) {
                        const struct sp_entry *e = &p.e[i];
                        if (e->group != g) {
                                g = e->group;
                                printf("\n## %s\n", p.groups[g]);
                        }
                        switch (e->action) {
                        case SP_ALLOW: printf("allow   %s\n", e->syscall); break;
                        case SP_KILL: printf("kill    %s\n", e->syscall); break;
                        case SP_ERRNO: printf("errno   %s -> %s\n", e->syscall, sp_errno_name(e->err)); break;
                        case SP_ALLOW_ARG:
                        default:
                                printf("allow   %s if arg%d (low 32 bits) is", e->syscall, e->arg);
                                for (size_t v = 0; v < e->n_values; v++)
                                        printf(" %s", e->value_names[v]);
                                printf("\n");
                                break;
                        }
                }
        }
        if (pfc) {
                scmp_filter_ctx ctx = sp_build(&p, err, sizeof(err));
                if (!ctx) {
                        ctl_error("%s", err);
                        return CTL_EXIT_ERROR;
                }
                printf("\n# compiled program (libseccomp pseudo-code)\n");
                fflush(stdout);
                if (seccomp_export_pfc(ctx, STDOUT_FILENO) < 0) {
                        ctl_error("seccomp_export_pfc failed");
                        return CTL_EXIT_ERROR;
                }
                seccomp_release(ctx);
        }
        sp_free(&p);
        return CTL_EXIT_OK;
}
