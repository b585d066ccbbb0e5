/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "config.h"
#include "tap.h"

static int parse(const char *text, char *err, size_t errlen)
{
        struct config c;
        int r = config_parse_string(text, "t.conf", &c, err, errlen);
        config_free(&c);
        return r;
}

/* The error must name the file, the line, and contain want. */
static int fails_at(const char *text, int line, const char *want)
{
        char err[512], prefix[32];
        if (parse(text, err, sizeof(err)) == 0)
                return 0;
        snprintf(prefix, sizeof(prefix), "t.conf:%d: ", line);
        if (strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, want)) {
                printf("#   got: %s\n", err);
                return 0;
        }
        return 1;
}

int main(void)
{
        struct config c;
        char err[512];

        const char *good =
                "# comment\n"
                "[global]\n"
                "sftp_server = /usr/lib/openssh/sftp-server\n"
                "home_base = /srv/sftp\n"
                "\n"
                "[default]\n"
                "access = uploads   ; inline comment\n"
                "umask = 027\n"
                "[group partners]\n"
                "access = readonly\n"
                "[user alice]\n"
                "[user bob]\n"
                "access = dropbox\n"
                "uploads = in/box\n"
                "deny_requests = symlink,hardlink\n"
                "allow_requests = open,close,write,realpath,stat,lstat,fstat\n"
                "log_level = VERBOSE\n"
                "start_dir = in\n";
        CHECK(config_parse_string(good, "t.conf", &c, err, sizeof(err)) == 0, "good config parses (%s)", err);
        CHECK(c.n_rules == 4, "4 rules (an empty [user alice] counts)");
        CHECK(c.home_base && strcmp(c.home_base, "/srv/sftp") == 0, "home_base");
        CHECK(c.rules[0].kind == RULE_DEFAULT && c.rules[0].s.umask == 027, "default umask 027");
        CHECK(c.rules[1].kind == RULE_GROUP && strcmp(c.rules[1].name, "partners") == 0, "group rule");
        CHECK(c.rules[2].kind == RULE_USER && strcmp(c.rules[2].name, "alice") == 0 &&
                      c.rules[2].s.access == ACCESS_UNSET,
              "empty user rule");
        CHECK(c.rules[3].s.access == ACCESS_DROPBOX && strcmp(c.rules[3].s.uploads, "in/box") == 0,
              "bob's settings");
        config_free(&c);

        CHECK(parse("", err, sizeof(err)) == 0, "empty config parses (and allows nobody)");
        CHECK(fails_at("[default]\naccess = everything\n", 2, "access must be one of"), "bad access value");
        CHECK(fails_at("[default]\numask = 0999\n", 2, "umask"), "bad umask");
        CHECK(fails_at("[default]\numask = 1777\n", 2, "umask"), "umask out of range");
        CHECK(fails_at("[default]\numask = \n", 2, "umask"), "empty umask");
        CHECK(fails_at("[user a]\nuploads = ../etc\n", 2, "uploads"), "uploads with ..");
        CHECK(fails_at("[user a]\nuploads = /etc\n", 2, "uploads"), "absolute uploads");
        CHECK(fails_at("[user a]\nuploads = a//b\n", 2, "uploads"), "empty component");
        CHECK(fails_at("[user a]\nstart_dir = x/../..\n", 2, "start_dir"), "start_dir escaping");
        CHECK(fails_at("[global]\nsftp_server = relative/sftp-server\n", 2, "absolute"), "relative sftp_server");
        CHECK(fails_at("[global]\nhome_base = /\n", 2, "home_base"), "home_base /");
        CHECK(fails_at("[user a]\ndeny_requests = read,frobnicate\n", 2, "frobnicate"), "unknown request named");
        CHECK(fails_at("[user a]\nlog_level = LOUD\n", 2, "log_level"), "bad log level");
        CHECK(fails_at("[user a]\nbogus = 1\n", 2, "unknown key 'bogus'"), "unknown key");
        CHECK(fails_at("[users a]\n", 1, "unknown section"), "unknown section");
        CHECK(fails_at("[user ]\n", 1, "invalid name"), "empty user name");
        CHECK(fails_at("[user a:b]\n", 1, "invalid name"), "user name with colon");
        CHECK(fails_at("[user a]\n[user a]\n", 2, "appears twice"), "duplicate section");
        CHECK(fails_at("[user a]\naccess = home\naccess = readonly\n", 3, "set twice"), "duplicate key");
        CHECK(fails_at("access = home\n", 1, "outside any section"), "key before any section");
        CHECK(fails_at("[user a]\n\n\nthis is not ini\n", 4, "syntax error"), "syntax error line");
        CHECK(config_parse_string("[default]\naccess = home\n  umask = 077\n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      c.rules[0].s.access == ACCESS_HOME && c.rules[0].s.umask == 077,
              "an indented line is its own key, not a silent continuation of the one before");
        config_free(&c);
        return tap_done();
}
