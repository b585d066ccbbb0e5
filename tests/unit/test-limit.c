/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Limits: the SIZE and DURATION syntax, the keys in sftpjail.conf, and
 * their precedence ([default] < [group] < [user], "none" lifts one). */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "limit.h"
#include "policy.h"
#include "tap.h"

static int size_is(const char *s, int64_t want)
{
        int64_t v = -2;
        return limits_parse_size(s, &v) == 0 && v == want;
}

static int dur_is(const char *s, int64_t want)
{
        int64_t v = -2;
        return limits_parse_duration(s, &v) == 0 && v == want;
}

static int conf_fails(const char *text, const char *want)
{
        struct config c;
        char err[512];
        int r = config_parse_string(text, "t.conf", &c, err, sizeof(err));
        if (r == 0) {
                config_free(&c);
                return 0;
        }
        if (!strstr(err, want))
                printf("#   got: %s\n", err);
        return strstr(err, want) != NULL;
}

int main(void)
{
        int64_t v;
        char buf[32];

        CHECK(size_is("1", 1) && size_is("512K", 512 << 10) && size_is("10M", INT64_C(10) << 20) &&
                      size_is("3G", INT64_C(3) << 30) && size_is("2T", INT64_C(2) << 40),
              "sizes: bytes, K, M, G, T (binary)");
        CHECK(size_is("none", LIMIT_NONE), "'none' lifts a limit");
        static const char *const bad_sizes[] = { "", "0", "-1", " 1", "1 ", "0x10", "1k", "1KB", "1.5G", "G",
                                                 "99999999999999999999", "16777216T", "none1", "+5", "010M",
                                                 "0000000000000000000000000000000000000000000000000022" };
        int all = 1;
        for (size_t i = 0; i < sizeof(bad_sizes) / sizeof(bad_sizes[0]); i++)
                if (limits_parse_size(bad_sizes[i], &v) == 0) {
                        printf("#   accepted '%s'\n", bad_sizes[i]);
                        all = 0;
                }
        CHECK(all, "bad sizes refused: empty, zero, negative, spaces, hex, lower-case unit, KB, fractions, overflow, "
              "leading zeros");
        CHECK(dur_is("90", 90) && dur_is("90s", 90) && dur_is("15m", 900) && dur_is("2h", 7200) && dur_is("1d", 86400),
              "durations: seconds, s, m, h, d");
        CHECK(limits_parse_duration("1w", &v) < 0 && limits_parse_duration("0", &v) < 0 &&
                      limits_parse_duration("090", &v) < 0 &&
                      limits_parse_duration("15M", &v) < 0,
              "bad durations refused: unknown unit, zero, leading zero, size unit");
        CHECK(strcmp(limits_format_size(INT64_C(10) << 30, buf, sizeof(buf)), "10G") == 0 &&
                      strcmp(limits_format_size(1000, buf, sizeof(buf)), "1000") == 0 &&
                      strcmp(limits_format_size(0, buf, sizeof(buf)), "none") == 0,
              "sizes format back");
        CHECK(strcmp(limits_format_duration(900, buf, sizeof(buf)), "15m") == 0 &&
                      strcmp(limits_format_duration(90, buf, sizeof(buf)), "90s") == 0,
              "durations format back");

        const char *text = "[default]\n"
                           "quota = 1G\n"
                           "idle_timeout = 15m\n"
                           "max_sessions = 4\n"
                           "[group partners]\n"
                           "quota = 10G\n"
                           "quota_files = 100000\n"
                           "max_file_size = 2G\n"
                           "[user alice]\n"
                           "quota = none\n"
                           "max_session_time = 8h\n"
                           "[user bob]\n";
        struct config c;
        struct policy p;
        char err[512];
        CHECK(config_parse_string(text, "t.conf", &c, err, sizeof(err)) == 0, "limit keys parse in every section");
        struct identity alice = { .name = "alice", .home = "/h", .n_groups = 1, .groups = { "partners" } };
        struct identity bob = { .name = "bob", .home = "/h", .n_groups = 1, .groups = { "users" } };
        CHECK(policy_resolve(&c, &alice, &p) == 0, "alice resolves");
        CHECK(p.limits.quota_bytes == LIMIT_NONE, "[user] quota = none lifts the [group] and [default] quota");
        CHECK(p.limits.quota_files == 100000 && p.limits.max_file_size == INT64_C(2) << 30,
              "[group] limits apply to its members");
        CHECK(p.limits.idle_timeout == 900 && p.limits.max_sessions == 4 && p.limits.max_session_time == 8 * 3600,
              "[default] and [user] limits merge");
        CHECK(limits_have_quota(&p.limits), "a file quota alone is a quota");
        CHECK(policy_resolve(&c, &bob, &p) == 0 && p.limits.quota_bytes == INT64_C(1) << 30 &&
                      p.limits.quota_files == LIMIT_NONE && p.limits.max_file_size == LIMIT_NONE &&
                      p.limits.max_session_time == LIMIT_NONE,
              "bob (not in partners): the [default] limits only");
        config_free(&c);

        CHECK(conf_fails("[user a]\nquota = 1G\nquota = 2G\n", "t.conf:3: 'quota' set twice"), "a limit set twice");
        CHECK(conf_fails("[user a]\nquota = lots\n", "t.conf:2: quota must be a size"), "a bad size names the key");
        CHECK(conf_fails("[user a]\nidle_timeout = 5 min\n", "idle_timeout must be a duration"),
              "a bad duration names the key");
        CHECK(conf_fails("[user a]\nmax_sessions = 0\n", "max_sessions must be a number"), "zero sessions refused");
        CHECK(conf_fails("[global]\nquota = 1G\n", "unknown key 'quota' in [global]"), "limits are not [global] keys");
        return tap_done();
}
