/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "limit.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* The largest value any limit takes: 2^62, far above any real one, and
 * safe from overflow in every multiplication below. */
#define LIMIT_MAX (INT64_C(1) << 62)

static int parse_scaled(const char *s, const char *units, const int64_t *scale, int64_t *out)
{
        char *end;
        unsigned long long v;
        int64_t mult = 1;

        if (streq(s, "none")) {
                *out = LIMIT_NONE;
                return 0;
        }
        /* Digits only, the first not 0: strtoull would take "-1", " 1",
         * "0x10" and any number of leading zeros (a value sftpjailctl
         * writes into the configuration as it was given). */
        if (*s < '1' || *s > '9')
                return -1;
        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s)
                return -1;
        if (*end) {
                const char *u = strchr(units, *end);
                if (!u || end[1])
                        return -1;
                mult = scale[u - units];
        }
        if (v == 0 || v > (unsigned long long)(LIMIT_MAX / mult))
                return -1;
        *out = (int64_t)v * mult;
        return 0;
}

int limits_parse_size(const char *s, int64_t *out)
{
        static const int64_t scale[] = { INT64_C(1) << 10, INT64_C(1) << 20, INT64_C(1) << 30, INT64_C(1) << 40 };
        return parse_scaled(s, "KMGT", scale, out);
}

int limits_parse_duration(const char *s, int64_t *out)
{
        static const int64_t scale[] = { 1, 60, 3600, 86400 };
        return parse_scaled(s, "smhd", scale, out);
}

static int parse_count(const char *s, int64_t *out)
{
        static const int64_t scale[] = { 1 };
        return parse_scaled(s, "", scale, out);
}

static const struct {
        const char *key;
        size_t offset;
        int (*parse)(const char *, int64_t *);
        const char *expect;
} keys[] = {
        { "quota", offsetof(struct limits, quota_bytes), limits_parse_size,
          "a size such as 10G, 500M, 64K (or none)" },
        { "quota_files", offsetof(struct limits, quota_files), parse_count, "a number of files (or none)" },
        { "max_file_size", offsetof(struct limits, max_file_size), limits_parse_size,
          "a size such as 4G, 100M (or none)" },
        { "max_sessions", offsetof(struct limits, max_sessions), parse_count, "a number of sessions (or none)" },
        { "idle_timeout", offsetof(struct limits, idle_timeout), limits_parse_duration,
          "a duration such as 300, 90s, 15m, 2h, 1d (or none)" },
        { "max_session_time", offsetof(struct limits, max_session_time), limits_parse_duration,
          "a duration such as 300, 90s, 15m, 2h, 1d (or none)" },
};

int limits_parse_key(struct limits *l, const char *name, const char *value, char *err, size_t errlen)
{
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                int64_t *field = (int64_t *)((char *)l + keys[i].offset);
                if (!streq(name, keys[i].key))
                        continue;
                if (*field != LIMIT_UNSET)
                        return errorf(err, errlen, "'%s' set twice", name);
                if (keys[i].parse(value, field) < 0)
                        return errorf(err, errlen, "%s must be %s, got '%s'", name, keys[i].expect, value);
                return 1;
        }
        return 0;
}

void limits_apply(struct limits *resolved, const struct limits *rule)
{
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const int64_t *from = (const int64_t *)((const char *)rule + keys[i].offset);
                int64_t *to = (int64_t *)((char *)resolved + keys[i].offset);
                if (*from != LIMIT_UNSET)
                        *to = *from;
        }
}

static const char *format_scaled(int64_t v, const char *units, const int64_t *scale, size_t n, char *buf,
                                 size_t len)
{
        if (v <= 0) {
                snprintf(buf, len, "none");
                return buf;
        }
        for (size_t i = n; i-- > 0;)
                if (v % scale[i] == 0) {
                        snprintf(buf, len, "%" PRId64 "%c", v / scale[i], units[i]);
                        return buf;
                }
        snprintf(buf, len, "%" PRId64, v);
        return buf;
}

const char *limits_format_size(int64_t v, char *buf, size_t len)
{
        static const int64_t scale[] = { INT64_C(1) << 10, INT64_C(1) << 20, INT64_C(1) << 30, INT64_C(1) << 40 };
        return format_scaled(v, "KMGT", scale, ELEMENTSOF(scale), buf, len);
}

const char *limits_format_duration(int64_t v, char *buf, size_t len)
{
        static const int64_t scale[] = { 1, 60, 3600, 86400 };
        return format_scaled(v, "smhd", scale, ELEMENTSOF(scale), buf, len);
}

bool limits_have_quota(const struct limits *l)
{
        return l->quota_bytes > 0 || l->quota_files > 0;
}
