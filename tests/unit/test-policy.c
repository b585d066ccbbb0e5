/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"
#include "policy.h"
#include "tap.h"

static const char *text =
        "[default]\n"
        "umask = 027\n"
        "[group partners]\n"
        "access = readonly\n"
        "log_level = DEBUG1\n"
        "[group dropboxes]\n"
        "access = dropbox\n"
        "[user alice]\n"
        "[user carol]\n"
        "access = home\n"
        "umask = 077\n"
        "[user dave]\n"
        "deny_requests = symlink\n";

static struct identity ident(const char *name, const char *g1)
{
        struct identity id = { .name = name, .uid = 1000, .gid = 1000, .home = "/srv/sftp/x", .n_groups = 1 };
        id.groups[0] = g1;
        return id;
}

static int argv_has(const char **argv, const char *a, const char *b)
{
        for (size_t i = 0; argv[i]; i++)
                if (strcmp(argv[i], a) == 0 && (!b || (argv[i + 1] && strcmp(argv[i + 1], b) == 0)))
                        return 1;
        return 0;
}

int main(void)
{
        struct config c;
        struct policy p;
        char err[256], buf[1024];
        const char *argv[POLICY_ARGV_MAX];
        struct identity id;

        CHECK(config_parse_string(text, "t", &c, err, sizeof(err)) == 0, "parse");

        id = ident("nobody-in-particular", "users");
        CHECK(policy_resolve(&c, &id, &p) < 0, "a user without a rule is refused ([default] grants nothing)");

        id = ident("alice", "users");
        CHECK(policy_resolve(&c, &id, &p) == 0, "alice has a rule");
        CHECK(p.access == ACCESS_UPLOADS && strcmp(p.uploads, "uploads") == 0 && p.umask == 027,
              "alice: uploads, default umask from [default]");
        CHECK(p.n_matched == 2, "alice: [default] + [user alice] matched");
        CHECK(policy_sftp_argv(&c, &id, &p, argv, buf, sizeof(buf)) == 0, "argv built");
        CHECK(strcmp(argv[0], c.sftp_server) == 0, "argv[0] is the configured sftp-server");
        CHECK(argv_has(argv, "-d", "/srv/sftp/x") && argv_has(argv, "-u", "027") && argv_has(argv, "-e", NULL) &&
                      argv_has(argv, "-l", "VERBOSE"),
              "argv: -d home -u 027 -e -l VERBOSE (INFO, raised for the records)");
        CHECK(!argv_has(argv, "-R", NULL), "alice is not read-only");

        id = ident("bob", "partners");
        CHECK(policy_resolve(&c, &id, &p) == 0 && p.access == ACCESS_READONLY && !p.uploads, "group rule: readonly");
        policy_sftp_argv(&c, &id, &p, argv, buf, sizeof(buf));
        CHECK(argv_has(argv, "-R", NULL) && argv_has(argv, "-l", "DEBUG1"), "readonly: -R, group log level");
        {
                static const char *const lv[][2] = { { "QUIET", "VERBOSE" },   { "FATAL", "VERBOSE" },
                                                     { "ERROR", "VERBOSE" },   { "INFO", "VERBOSE" },
                                                     { "VERBOSE", "VERBOSE" }, { "DEBUG", "DEBUG" },
                                                     { "DEBUG3", "DEBUG3" } };
                bool all = true;
                for (size_t i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
                        all &= strcmp(policy_server_log_level(lv[i][0]), lv[i][1]) == 0;
                CHECK(all, "sftp-server runs at VERBOSE at least, whatever log_level says (the records need it)");
        }

        id = ident("carol", "partners");
        CHECK(policy_resolve(&c, &id, &p) == 0 && p.access == ACCESS_HOME && p.umask == 077,
              "user rule overrides group rule");

        id = ident("erin", "dropboxes");
        CHECK(policy_resolve(&c, &id, &p) == 0 && p.access == ACCESS_DROPBOX, "dropbox");
        CHECK(strcmp(p.start_dir, "uploads") == 0, "a drop box starts in uploads");
        policy_sftp_argv(&c, &id, &p, argv, buf, sizeof(buf));
        CHECK(argv_has(argv, "-P", policy_implicit_deny(ACCESS_DROPBOX)), "dropbox denies reading back");
        CHECK(argv_has(argv, "-d", "/srv/sftp/x/uploads"), "dropbox -d uploads");

        id = ident("dave", "dropboxes");
        policy_resolve(&c, &id, &p);
        policy_sftp_argv(&c, &id, &p, argv, buf, sizeof(buf));
        CHECK(p.access == ACCESS_DROPBOX, "dave: group dropbox");
        int found = 0;
        for (size_t i = 0; argv[i]; i++)
                if (strcmp(argv[i], "-P") == 0 && strstr(argv[i + 1], "read,") && strstr(argv[i + 1], ",symlink"))
                        found = 1;
        CHECK(found, "explicit deny list is added to the drop box's");

        CHECK(policy_sftp_argv(&c, &id, &p, argv, buf, 8) < 0, "short buffer is an error, not a truncation");

        id = ident("alice", "users");
        id.home = "/srv/sftp/100%d";
        policy_resolve(&c, &id, &p);
        policy_sftp_argv(&c, &id, &p, argv, buf, sizeof(buf));
        CHECK(argv_has(argv, "-d", "/srv/sftp/100%%d"), "'%%' in the home is escaped for sftp-server's -d");
        config_free(&c);
        return tap_done();
}
