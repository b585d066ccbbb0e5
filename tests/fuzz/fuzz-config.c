/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail.conf (config.c, limit.c) and the policy resolved from it
 * (policy.c).  The input is the file's text.  Besides memory errors:
 *   - the launcher's path (a FILE, config_load) and sftpjailctl's (a
 *     string, config_parse_string) agree on every text without NUL;
 *   - inih, given the same text, sees no key in a [user X] / [group X]
 *     section unless the configuration has a rule for X (a key must never
 *     land in another section than the one it is written in);
 *   - every identity resolves to a policy whose sftp-server argv fits and
 *     is NULL-terminated, and its limits survive formatting. */
#include <ini.h>

#include "config.h"
#include "fuzz.h"
#include "limit.h"
#include "policy.h"

struct seen {
        const struct config *c;
};

static bool has_rule(const struct config *c, enum rule_kind kind, const char *name)
{
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == kind && c->rules[i].name && strcmp(c->rules[i].name, name) == 0)
                        return true;
        return false;
}

/* inih's own view: each key's section must be one the config has. */
static int oracle(void *user, const char *section, const char *name, const char *value)
{
        const struct config *c = ((struct seen *)user)->c;

        (void)name;
        (void)value;
        if (strncmp(section, "user ", 5) == 0) {
                const char *n = section + 5 + strspn(section + 5, " ");
                /* inih cuts a section name at 49 bytes; never a user's name. */
                if (strlen(section) < 49)
                        FUZZ_CHECK(has_rule(c, RULE_USER, n));
        } else if (strncmp(section, "group ", 6) == 0) {
                const char *n = section + 6 + strspn(section + 6, " ");
                if (strlen(section) < 49)
                        FUZZ_CHECK(has_rule(c, RULE_GROUP, n));
        } else {
                FUZZ_CHECK(strcmp(section, "global") == 0 || strcmp(section, "default") == 0);
        }
        return 1;
}

static void check_limit_format(int64_t v, bool size)
{
        char buf[64];
        int64_t back = -1;

        if (v <= 0)
                return;
        const char *s = size ? limits_format_size(v, buf, sizeof(buf)) : limits_format_duration(v, buf, sizeof(buf));
        FUZZ_CHECK(s != NULL);
        FUZZ_CHECK((size ? limits_parse_size(s, &back) : limits_parse_duration(s, &back)) == 0);
        FUZZ_CHECK(back == v);
}

static void resolve(const struct config *c, const struct identity *id)
{
        struct policy p;
        const char *argv[POLICY_ARGV_MAX];
        char buf[8192];

        if (policy_resolve(c, id, &p) < 0)
                return;
        FUZZ_CHECK(p.n_matched > 0 && p.n_matched <= POLICY_MAX_MATCHES);
        FUZZ_CHECK(p.access != ACCESS_UNSET);
        check_limit_format(p.limits.quota_bytes, true);
        check_limit_format(p.limits.max_file_size, true);
        check_limit_format(p.limits.idle_timeout, false);
        check_limit_format(p.limits.max_session_time, false);
        (void)policy_implicit_deny(p.access);
        if (policy_sftp_argv(c, id, &p, argv, buf, sizeof(buf)) < 0)
                return;
        FUZZ_CHECK(argv[0] && strcmp(argv[0], c->sftp_server) == 0);
        size_t n = 0;
        while (n < POLICY_ARGV_MAX && argv[n])
                n++;
        FUZZ_CHECK(n < POLICY_ARGV_MAX);
        for (size_t i = 0; i < n; i++)
                FUZZ_CHECK(strlen(argv[i]) < sizeof(buf));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_strndup(data, size);
        struct config c, f;
        char err[512], ferr[512];
        int r = config_parse_string(text, "fuzz.conf", &c, err, sizeof(err));

        if (!memchr(data, '\0', size)) {
                FILE *in = fmemopen(text, size ? size : 1, "r");
                FUZZ_CHECK(in != NULL);
                int rf = config_parse_file(in, "fuzz.conf", &f, ferr, sizeof(ferr));
                fclose(in);
                FUZZ_CHECK(rf == r);
                if (r < 0)
                        FUZZ_CHECK(strcmp(err, ferr) == 0);
                else {
                        FUZZ_CHECK(f.n_rules == c.n_rules);
                        config_free(&f);
                }
        }
        if (r < 0) {
                FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
                free(text);
                return 0;
        }
        struct seen s = { &c };
        ini_parse_string(text, oracle, &s);

        /* Identities: each rule's name as a user, and as a member of each
         * group rule; and a stranger. */
        struct identity id = { .name = "nobody-here", .uid = 1000, .gid = 1000, .home = "/srv/sftp/u" };
        resolve(&c, &id);
        for (size_t i = 0; i < c.n_rules && i < 64; i++) {
                if (!c.rules[i].name)
                        continue;
                struct identity u = { .name = c.rules[i].name, .uid = 1001, .gid = 1001, .home = "/srv/sftp/x" };
                if (c.rules[i].kind == RULE_GROUP) {
                        u.name = "member";
                        u.group = c.rules[i].name;
                        u.groups[u.n_groups++] = c.rules[i].name;
                        for (size_t j = 0; j < c.n_rules && u.n_groups < 8; j++)
                                if (j != i && c.rules[j].kind == RULE_GROUP)
                                        u.groups[u.n_groups++] = c.rules[j].name;
                }
                resolve(&c, &u);
        }
        config_free(&c);
        free(text);
        return 0;
}
