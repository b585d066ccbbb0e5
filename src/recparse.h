/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading the records back (sftpjailctl log, metrics): the syslog line
 * contract of docs/records.md, parsed.  Pure, unit-tested
 * (tests/unit/test-recparse.c).
 *
 * A line is accepted only if it is exactly what the supervisor writes:
 * "session=SID user=USER " and then a record ("event=..." key=value pairs,
 * the first keys fixed and in order, each key at most once), a session's
 * start or end, a refusal, or a message of its own.  A quoted value is
 * unescaped (\\ \" \n \r \t \xNN) and must be in the one form
 * log_escape() (supervisor.h) writes for those bytes: escaping the result
 * again gives the text back byte for byte.  Raw control bytes, unknown
 * escapes, a quote inside a value, a value that ends early or a second
 * space are malformed: the line is rejected, never half-read. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum rp_kind {
        RP_RECORD,        /* event=transfer|remove|mkdir|rmdir|rename|setstat|link */
        RP_SESSION_START, /* session start client=... [key="..."] */
        RP_SESSION_END,   /* session end [reason=R ]exit=N|signal=... duration=Ns ... */
        RP_REFUSED,       /* refused: TEXT (a login refused; the launcher's die()) */
        RP_SFTP_SERVER,   /* sftp-server: MESSAGE (for people, not a contract) */
        RP_OTHER,         /* another message of ours (seccomp: ..., ending session: ...) */
};

#define RP_MAX_FIELDS 32

struct rp_field {
        char name[24]; /* lower case: "path", "bytes", "bytes_read"... */
        const char *value; /* exact bytes, NUL-terminated (may also hold NUL) */
        size_t len;
};

struct rp_msg {
        enum rp_kind kind;
        char session[24]; /* 16 hex digits, or "-" */
        char user[72];    /* as logged; "?" before the user is known */
        const char *text; /* what follows "session=SID user=USER " (not unescaped) */
        size_t text_len;
        struct rp_field f[RP_MAX_FIELDS];
        size_t nf;
};

/* Parse one message (a syslog line's text, or a journal entry's MESSAGE),
 * without a line end.  buf: room for len + RP_MAX_FIELDS bytes; the
 * values point into it.  Returns 0, or -1 (not ours, or malformed). */
int rp_parse_message(const char *msg, size_t len, char *buf, struct rp_msg *out);

/* A field's value, or NULL. */
const struct rp_field *rp_get(const struct rp_msg *m, const char *name);

/* One line of a syslog file, as rsyslog writes it ("Mmm dd hh:mm:ss HOST
 * TAG[PID]: text", or with an RFC 3339 time) or as /dev/log receives it
 * ("<PRI>Mmm dd hh:mm:ss TAG[PID]: text").  Only the tag "sftpjail" is
 * accepted.  A time without a year is taken in the year of now, or the
 * year before when that would put it more than a day after now (local
 * time).  Returns 0, or -1. */
struct rp_line {
        time_t when;
        long pid;
        const char *msg;
        size_t msg_len;
};
int rp_parse_syslog_line(const char *line, size_t len, time_t now, struct rp_line *out);

/* --since/--until: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS]" (or with a 'T'),
 * local time; "-N[smhd]" before now; "today", "yesterday", "now";
 * "@EPOCH".  Returns 0, or -1. */
int rp_parse_time(const char *s, time_t now, time_t *out);

/* The category of a refusal's text (what follows "refused: "): "audit",
 * "request", "config", "max_sessions", "quota", "uploads", "home",
 * "other" (docs/sftpjailctl.8, METRICS). */
const char *rp_refusal_reason(const char *text, size_t len);
