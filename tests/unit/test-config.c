/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdlib.h>

#include "config.h"
#include "policy.h"
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

static bool request_list_ok(const char *key, const char *list)
{
        char text[4096], err[512];

        snprintf(text, sizeof(text), "[user a]\n%s = %s\n", key, list);
        if (parse(text, err, sizeof(err)) == 0)
                return true;
        printf("#   %s = %s: %s\n", key, list, err);
        return false;
}

/* The table generated from `sftp-server -Q requests`: every name accepted
 * alone and all together, in both keys, and no name twice. */
static void check_request_table(void)
{
        char all[4096] = "";
        size_t used = 0;
        bool each = true, dup = false;

        CHECK(sftp_request_names_n >= 20, "the generated table has the names (%zu)", sftp_request_names_n);
        for (size_t i = 0; i < sftp_request_names_n; i++) {
                const char *n = sftp_request_names[i];
                each &= sftp_request_known(n) && request_list_ok("deny_requests", n) &&
                        request_list_ok("allow_requests", n);
                used += (size_t)snprintf(all + used, sizeof(all) - used, "%s%s", i ? "," : "", n);
                for (size_t k = 0; k < i; k++)
                        dup |= strcmp(n, sftp_request_names[k]) == 0;
        }
        CHECK(each, "every generated name is accepted alone in deny_requests and allow_requests");
        CHECK(used < sizeof(all) && request_list_ok("deny_requests", all) && request_list_ok("allow_requests", all),
              "all generated names together are accepted (%s)", all);
        CHECK(!dup, "no name appears twice in the generated table");
        /* OpenSSH 9.1 named the extension users-groups-by-id@openssh.com
         * "users-groups-by-id" in -Q requests; the old hand list said
         * "get-users-groups-by-id", which -P ignored. */
        CHECK(request_list_ok("deny_requests", "users-groups-by-id"), "users-groups-by-id accepted");
        CHECK(fails_at("[user a]\ndeny_requests = get-users-groups-by-id\n", 2, "get-users-groups-by-id"),
              "get-users-groups-by-id rejected");
        CHECK(fails_at("[user a]\nallow_requests = open,get-users-groups-by-id\n", 2, "get-users-groups-by-id"),
              "get-users-groups-by-id rejected in allow_requests too");
        CHECK(fails_at("[user a]\ndeny_requests = posix-rename@openssh.com\n", 2, "posix-rename@openssh.com"),
              "an extension's wire name is not a request name");
        CHECK(fails_at("[user a]\ndeny_requests = read,\n", 2, "empty request name"), "trailing comma");
        CHECK(fails_at("[user a]\ndeny_requests = read,,write\n", 2, "empty request name"), "empty entry");
        CHECK(fails_at("[user a]\ndeny_requests = ,read\n", 2, "empty request name"), "leading comma");
        CHECK(fails_at("[user a]\ndeny_requests = READ\n", 2, "READ"), "names are case-sensitive, as in -P");
        /* The dropbox's own deny list goes to -P too: it must use real names. */
        const char *bad = NULL;
        CHECK(sftp_request_list_valid(policy_implicit_deny(ACCESS_DROPBOX), &bad),
              "the dropbox's implicit deny list names only known requests (bad: %s)", bad ? bad : "-");
}

/* A line inih cannot hold whole must be refused, not split in two. */
static void check_long_lines(void)
{
        char text[2 * CONFIG_MAX_LINE], err[512] = "";
        const char *head = "[user a]\ndeny_requests = read";
        int n;

        /* Exactly CONFIG_MAX_LINE characters on line 2: accepted. */
        n = snprintf(text, sizeof(text), "%s", head);
        while (n < (int)strlen("[user a]\n") + CONFIG_MAX_LINE)
                n += snprintf(text + n, sizeof(text) - (size_t)n, " ");
        snprintf(text + n, sizeof(text) - (size_t)n, "\n");
        CHECK(parse(text, err, sizeof(err)) == 0, "a line of %d characters is accepted (%s)", CONFIG_MAX_LINE, err);
        /* One more character: refused, on that line, from a string and a file. */
        snprintf(text + n, sizeof(text) - (size_t)n, " \n[user b]\n");
        CHECK(fails_at(text, 2, "line longer than"), "a longer line is refused, not split");
        FILE *f = fmemopen(text, strlen(text), "r");
        struct config c;
        CHECK(f && config_parse_file(f, "t.conf", &c, err, sizeof(err)) < 0 && strstr(err, "t.conf:2: line longer"),
              "from a file too (%s)", err);
        if (f)
                fclose(f);
        /* The same long line last in the file, without its newline: refused. */
        text[n] = 'x';
        text[n + 1] = '\0';
        /* (It was read whole once, so that the same text was refused as
         * soon as a line followed it: fuzz-ctl's add-user edit.) */
        CHECK(fails_at(text, 2, "line longer than"), "a long last line is refused as well");
}

/* Upload-event keys (sftpjail-events): parsed per rule, resolved like
 * every other key. */
static void check_event_keys(void)
{
        struct config c;
        struct policy p;
        char err[512] = ""; /* printed by the check below when it passes */
        struct identity id = { .name = "alice", .uid = 1000, .gid = 1000, .home = "/srv/sftp/alice", .n_groups = 1 };

        id.groups[0] = "staff";
        const char *t = "[default]\n"
                        "hook_network = no\n"
                        "[group staff]\n"
                        "on_upload = /usr/local/lib/hooks/scan\n"
                        "ready_dir = ready/in\n"
                        "[user alice]\n"
                        "temp_suffixes = .tmp  .upload\n"
                        "hook_user = scanner\n"
                        "hook_network = yes\n";
        CHECK(config_parse_string(t, "t.conf", &c, err, sizeof(err)) == 0, "event keys parse (%s)", err);
        CHECK(policy_resolve(&c, &id, &p) == 0, "resolves");
        CHECK(p.on_upload && strcmp(p.on_upload, "/usr/local/lib/hooks/scan") == 0 && p.ready_dir &&
                      strcmp(p.ready_dir, "ready/in") == 0,
              "on_upload and ready_dir from the group rule");
        CHECK(strcmp(p.temp_suffixes, ".tmp  .upload") == 0 && strcmp(p.hook_user, "scanner") == 0 && p.hook_network,
              "temp_suffixes, hook_user, hook_network from the user rule (later wins)");
        CHECK(policy_temp_name(p.temp_suffixes, "a/b.upload", 10) && policy_temp_name(p.temp_suffixes, "x.tmp", 5) &&
                      !policy_temp_name(p.temp_suffixes, "x.part", 6) && !policy_temp_name(p.temp_suffixes, ".tmp", 4) &&
                      !policy_temp_name(p.temp_suffixes, "d.tmp/x", 7),
              "policy_temp_name: the last component, at least one byte before the suffix");
        config_free(&c);

        CHECK(config_parse_string("[user a]\n", "t.conf", &c, err, sizeof(err)) == 0 && policy_resolve(&c, &id, &p) < 0,
              "parses");
        id.name = "a";
        CHECK(policy_resolve(&c, &id, &p) == 0 && !p.on_upload && !p.ready_dir && !p.hook_user && !p.hook_network &&
                      strcmp(p.temp_suffixes, ".filepart .part") == 0,
              "defaults: no hook, no ready_dir, DynamicUser, no network, .filepart .part");
        CHECK(policy_temp_name(p.temp_suffixes, "x.filepart", 10) && policy_temp_name(p.temp_suffixes, "x.part", 6) &&
                      !policy_temp_name(p.temp_suffixes, "x.parts", 7),
              "default suffixes");
        config_free(&c);
        CHECK(config_parse_string("[user a]\ntemp_suffixes =\n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      policy_resolve(&c, &id, &p) == 0 && !policy_temp_name(p.temp_suffixes, "x.part", 6),
              "temp_suffixes = (empty): no temporary names");
        config_free(&c);

        CHECK(fails_at("[user a]\non_upload = hook\n", 2, "absolute path"), "on_upload relative");
        CHECK(fails_at("[user a]\non_upload = /usr/../bin/x\n", 2, "absolute path"), "on_upload with ..");
        CHECK(fails_at("[user a]\non_upload = /a\non_upload = /b\n", 3, "set twice"), "on_upload twice");
        CHECK(fails_at("[user a]\nready_dir = /srv/x\n", 2, "relative path"), "ready_dir absolute");
        CHECK(fails_at("[user a]\nready_dir = ../x\n", 2, "relative path"), "ready_dir ..");
        CHECK(fails_at("[user a]\nready_dir = a/../../x\n", 2, "relative path"), "ready_dir a/../..");
        CHECK(fails_at("[user a]\ntemp_suffixes = part\n", 2, "temp_suffixes"), "a suffix without a dot");
        CHECK(fails_at("[user a]\ntemp_suffixes = .a/b\n", 2, "temp_suffixes"), "a suffix with a slash");
        CHECK(fails_at("[user a]\ntemp_suffixes = .\n", 2, "temp_suffixes"), "a lone dot");
        CHECK(fails_at("[user a]\nhook_user = a:b\n", 2, "hook_user"), "hook_user with a colon");
        CHECK(fails_at("[user a]\nhook_user = -x\n", 2, "hook_user"), "hook_user like an option");
        CHECK(fails_at("[user a]\nhook_network = maybe\n", 2, "yes or no"), "hook_network maybe");
        CHECK(fails_at("[user a]\nhook_network = no\nhook_network = no\n", 3, "set twice"), "hook_network twice");
        CHECK(fails_at("[global]\non_upload = /x\n", 2, "unknown key"), "on_upload is per rule, not global");
}

int main(void)
{
        struct config c;
        char err[512] = ""; /* printed by checks that pass, where nothing wrote it */

        check_event_keys();

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
        CHECK(c.rules[0].line == 6 && c.rules[1].line == 9 && c.rules[2].line == 11 && c.rules[3].line == 12,
              "each rule has its section header's line (%d %d %d %d)", c.rules[0].line, c.rules[1].line,
              c.rules[2].line, c.rules[3].line);
        config_free(&c);
        CHECK(config_parse_string("\n[user a]\r\n\n  [group g]  \n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      c.n_rules == 2 && c.rules[0].line == 2 && c.rules[1].line == 4,
              "header lines counted with blank lines, CRLF and indentation");
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
        CHECK(fails_at("[default]\n\n[user a]\n[user a]\n", 4, "(first at line 3)"),
              "a duplicate section names the line of the first");
        CHECK(fails_at("[user a]\naccess = home\naccess = readonly\n", 3, "set twice"), "duplicate key");
        CHECK(fails_at("access = home\n", 1, "outside any section"), "key before any section");
        CHECK(fails_at("[user a]\n\n\nthis is not ini\n", 4, "syntax error"), "syntax error line");
        CHECK(config_parse_string("[default]\naccess = home\n  umask = 077\n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      c.rules[0].s.access == ACCESS_HOME && c.rules[0].s.umask == 077,
              "an indented line is its own key, not a silent continuation of the one before");
        config_free(&c);
        /* A section header is what inih takes for one: text after its ']'
         * is refused (it used to hide the header from us, and the keys
         * below went to the section before). */
        CHECK(fails_at("[user alice]\n[user bob]x\naccess = home\n", 2, "text after the section header"),
              "text after a header refused");
        CHECK(fails_at("[user alice]\n[user bob]]\naccess = home\n", 2, "text after the section header"),
              "a second ']' refused");
        CHECK(config_parse_string("[user alice]\n[user bob] ; comment\naccess = home\n", "t.conf", &c, err,
                                  sizeof(err)) == 0 &&
                      c.n_rules == 2 && c.rules[0].s.access == ACCESS_UNSET && c.rules[1].s.access == ACCESS_HOME,
              "a comment after a header: the keys below are that section's (%s)", err);
        config_free(&c);
        /* Found by fuzz-config: inih skips a vertical tab before a header
         * as it skips a space; the keys below went to the section before. */
        CHECK(config_parse_string("[user alice]\n\v[user bob]\naccess = home\n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      c.n_rules == 2 && c.rules[0].s.access == ACCESS_UNSET && c.rules[1].s.access == ACCESS_HOME,
              "a header indented with a vertical tab is a header (%s)", err);
        config_free(&c);
        CHECK(config_parse_string("[user alice]\n[user bob]\f; note\naccess = home\n", "t.conf", &c, err, sizeof(err)) == 0 &&
                      c.n_rules == 2 && c.rules[1].s.access == ACCESS_HOME,
              "a form feed before a header's comment (%s)", err);
        config_free(&c);
        CHECK(fails_at("\xef\xbb\xbf[user a]\naccess = home\n", 2, "not understood"),
              "a header only inih sees (after a BOM) is refused, not merged");
        check_long_lines();
        check_request_table();
        return tap_done();
}
