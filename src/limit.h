/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Limits the kernel enforces on a session (sftpjail.conf(5), LIMITS):
 * rule keys, so they work under [default], [group] and [user] like the
 * others; a more specific rule overrides, and "none" lifts a limit a
 * weaker rule set.  Parsing and merging only: pure, unit-tested. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* In a rule: LIMIT_UNSET = the rule says nothing, LIMIT_NONE = "none".
 * In a resolved policy: LIMIT_NONE (0) or the limit. */
#define LIMIT_UNSET (-1)
#define LIMIT_NONE 0

struct limits {
        int64_t quota_bytes;      /* quota = SIZE: project quota on the writable area */
        int64_t quota_files;      /* quota_files = N: inodes in it */
        int64_t max_file_size;    /* max_file_size = SIZE: RLIMIT_FSIZE of sftp-server */
        int64_t max_sessions;     /* max_sessions = N: concurrent sessions of the user */
        int64_t idle_timeout;     /* idle_timeout = DURATION (seconds): no client traffic */
        int64_t max_session_time; /* max_session_time = DURATION (seconds) */
};

#define LIMITS_UNSET                                                                                   \
        ((struct limits){ LIMIT_UNSET, LIMIT_UNSET, LIMIT_UNSET, LIMIT_UNSET, LIMIT_UNSET, LIMIT_UNSET })

/* If name is a limit key, parse value into l.  Returns 1 (done), 0 (not a
 * limit key) or -1 with a one-line reason in err. */
int limits_parse_key(struct limits *l, const char *name, const char *value, char *err, size_t errlen);

/* Apply the limits a rule sets over those resolved so far. */
void limits_apply(struct limits *resolved, const struct limits *rule);

/* "none" / all-LIMIT_NONE for a fresh policy. */
#define LIMITS_NONE ((struct limits){ 0 })

/* Parse "10G", "512K", "1048576" (binary multiples K M G T); "none" = 0.
 * Durations: "90", "90s", "15m", "2h", "1d".  Return 0 or -1. */
int limits_parse_size(const char *s, int64_t *out);
int limits_parse_duration(const char *s, int64_t *out);

/* Format a limit for people: "10G", "15m", "none". */
const char *limits_format_size(int64_t v, char *buf, size_t len);
const char *limits_format_duration(int64_t v, char *buf, size_t len);

/* Does the policy set any quota (bytes or files)? */
bool limits_have_quota(const struct limits *l);
