/* SPDX-License-Identifier: GPL-2.0-or-later */
/* explain USER: what a login of USER gets, without logging in.  The user,
 * the policy and the tree are computed by the launcher's own code
 * (identity_by_name(), policy_resolve(), jail_resolve(): same rules, same
 * checks, same ELF walk, same mount flags), so they cannot drift from what
 * a login builds; a login that would be refused is reported with the
 * launcher's own reason.  Nothing is mounted and nothing is logged. */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "ctl.h"
#include "identity.h"
#include "mounts.h"
#include "util.h"

static const char *flags_text(unsigned long long a, char *buf, size_t len)
{
        snprintf(buf, len, "%s%s%s%s", a & MOUNT_ATTR_RDONLY ? "ro" : "rw", a & MOUNT_ATTR_NOSUID ? ",nosuid" : "",
                 a & MOUNT_ATTR_NODEV ? ",nodev" : "", a & MOUNT_ATTR_NOEXEC ? ",noexec" : "");
        return buf;
}

static void row(const char *point, const char *source, const char *opts)
{
        printf("  %-44s %-30s %s\n", point, source, opts);
}

static const char *rule_name(const struct rule *r, char *buf, size_t len)
{
        if (r->kind == RULE_DEFAULT)
                snprintf(buf, len, "[default]");
        else
                snprintf(buf, len, "[%s %s]", r->kind == RULE_USER ? "user" : "group", r->name);
        return buf;
}

static const char explain_usage[] =
        "Usage: sftpjailctl explain USER\n"
        "\n"
        "Print the rules that match USER, the resolved policy, the exact\n"
        "sftp-server command line, and every mount of the jail with its source\n"
        "and flags -- computed by the launcher's own code, without logging in.\n";

int cmd_explain(int argc, char **argv)
{
        struct config c;
        struct identity id;
        struct policy p;
        struct jail j;
        char err[1024], buf[64], src[PATH_MAX + 16], argbuf[4096];
        const char *sargv[POLICY_ARGV_MAX];

        if (ctl_help_requested(argc, argv, explain_usage))
                return CTL_EXIT_OK;
        if (argc != 2) {
                ctl_usage_error(explain_usage, "%s", argc < 2 ? "a user name is required" : "one user name only");
                return CTL_EXIT_USAGE;
        }
        if (argv[1][0] == '-') {
                ctl_usage_error(explain_usage, "unknown option '%s'", ctl_quote(argv[1]));
                return CTL_EXIT_USAGE;
        }
        /* Any account name the passwd database knows (not only the names
         * add-user creates); the rest is quoted when echoed. */
        if (identity_by_name(argv[1], &id, err, sizeof(err)) < 0) {
                ctl_error("'%s': %s", ctl_quote(argv[1]), err);
                return CTL_EXIT_USAGE;
        }
        if (config_load(SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                printf("refused: configuration error: %s\n", err);
                identity_free(&id);
                return CTL_EXIT_PROBLEMS;
        }
        printf("user %s (uid %u, gid %u), home %s, groups:", id.name, id.uid, id.gid, id.home);
        for (size_t i = 0; i < id.n_groups; i++)
                printf(" %s", id.groups[i]);
        printf("\naccount: %s\n", ctl_local_account(id.name) ? "local (/etc/passwd)"
                                                             : "from the directory (NSS; not in /etc/passwd)");
        if (policy_resolve(&c, &id, &p) < 0) {
                printf("refused: no rule in %s allows user %s\n", SFTPJAIL_CONFIG_FILE, id.name);
                config_free(&c);
                identity_free(&id);
                return CTL_EXIT_PROBLEMS;
        }
        printf("rules (weakest first):");
        for (size_t i = 0; i < p.n_matched; i++)
                printf(" %s line %d%s", rule_name(p.matched[i], buf, sizeof(buf)), p.matched[i]->line,
                       i + 1 < p.n_matched ? "," : "");
        printf("\npolicy: access=%s uploads=%s start_dir=%s umask=%03o log_level=%s allow=%s deny=%s\n",
               access_to_string(p.access), p.uploads ? p.uploads : "-", *p.start_dir ? p.start_dir : "(home)",
               (unsigned)p.umask, p.log_level, p.allow_requests ? p.allow_requests : "(all)",
               p.deny_requests ? p.deny_requests : "-");
        if (policy_sftp_argv(&c, &id, &p, sargv, argbuf, sizeof(argbuf)) < 0) {
                printf("refused: sftp-server command line too long\n");
                config_free(&c);
                identity_free(&id);
                return CTL_EXIT_PROBLEMS;
        }
        printf("command:");
        for (size_t i = 0; sargv[i]; i++)
                printf(" %s", sargv[i]);
        printf("\n\n");
        fflush(stdout);

        if (ctl_jail_resolve_as_user(&j, &c, &id, &p) < 0) {
                printf("refused: %s\n", j.err);
                config_free(&c);
                identity_free(&id);
                return CTL_EXIT_PROBLEMS;
        }

        printf("tree (every mount of the jail, as a login builds it):\n");
        row("MOUNT POINT", "SOURCE", "OPTIONS");
        row("/", "tmpfs, new for each login", "ro,nosuid,nodev,noexec");
        for (size_t i = 0; i < j.n_files; i++)
                row(j.files[i].path, j.files[i].path, flags_text(j.files[i].attr, buf, sizeof(buf)));
        row(id.home, id.home, flags_text(j.home_attr, buf, sizeof(buf)));
        if (j.uploads_src >= 0) {
                snprintf(src, sizeof(src), "%s/%s", id.home, p.uploads);
                row(src, src, flags_text(j.uploads_attr, buf, sizeof(buf)));
        }
        printf("\nfiles (in the tmpfs root): /etc/passwd and /etc/group with root and %s only\n", id.name);
        printf("namespaces: mount pid net ipc uts cgroup; capabilities: none; no_new_privs; seccomp; Landlock\n");
        jail_close(&j);
        config_free(&c);
        identity_free(&id);
        return CTL_EXIT_OK;
}
