/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail.conf: parsing only, no policy decisions and no side effects
 * beyond reading the file (see sftpjail.conf(5)). */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "limit.h"

enum access {
        ACCESS_UNSET = 0,
        ACCESS_READONLY, /* whole home read-only, sftp-server -R */
        ACCESS_UPLOADS,  /* home read-only, uploads directory writable */
        ACCESS_DROPBOX,  /* uploads writable but nothing can be read back */
        ACCESS_HOME,     /* whole home writable */
};

/* Longest line accepted, without its newline: room for a request list that
 * names every request sftp-server knows, several times over. */
#define CONFIG_MAX_LINE 1024

enum rule_kind { RULE_DEFAULT, RULE_GROUP, RULE_USER };

/* Settings a rule may carry; NULL / -1 / ACCESS_UNSET mean "not set here". */
struct settings {
        enum access access;
        char *uploads;        /* path relative to home */
        char *start_dir;      /* path relative to home, "" = home itself */
        int umask;            /* -1 = unset */
        char *allow_requests; /* comma separated sftp-server request names */
        char *deny_requests;
        char *log_level;      /* sftp-server -l */
        struct limits limits; /* LIMIT_UNSET where not set here */
        /* Upload events (sftpjail-events, docs/records.md): the launcher
         * ignores these. */
        char *on_upload;      /* absolute path of the hook program */
        char *ready_dir;      /* relative to the uploads directory */
        char *temp_suffixes;  /* space separated, "" = none */
        char *hook_user;      /* NULL = DynamicUser */
        int hook_network;     /* -1 = unset, 0 = no, 1 = yes */
};

struct rule {
        enum rule_kind kind;
        char *name; /* user or group name; NULL for [default] */
        int line;   /* line of the section header */
        struct settings s;
};

struct config {
        char *sftp_server;  /* absolute path of OpenSSH sftp-server */
        char *home_base;    /* if set, every home must be below it */
        bool audit_best_effort; /* audit = best-effort: serve even when the log cannot be written */
        bool audit_set;
        /* quota_project_base: project quota ids are base + uid (quota.h);
         * 0 here = not set, QUOTA_PROJECT_BASE_DEFAULT applies. */
        unsigned long quota_project_base;
        struct rule *rules;
        size_t n_rules;
};

/* Parse configuration text.  On error returns -1 and writes
 * "<file>:<line>: <what>" into err. */
int config_parse_string(const char *text, const char *filename, struct config *c,
                        char *err, size_t errlen);
int config_parse_file(FILE *f, const char *filename, struct config *c, char *err, size_t errlen);

/* Open the configuration and refuse it unless the file and every directory
 * above it are root-owned and writable by nobody but root.  Returns an
 * O_RDONLY fd or -1 with err filled. */
int config_open_trusted(const char *path, char *err, size_t errlen);

/* The on_upload program: an absolute, canonical path, every directory
 * above it and the file root's and writable by root alone (as for the
 * configuration), a regular file with an execute bit.  Returns an O_PATH
 * fd or -1 with err filled.  Used by sftpjail-events before each run and
 * by sftpjailctl doctor: one rule. */
int config_open_program(const char *path, char *err, size_t errlen);

/* config_open_trusted() + config_parse_file(). */
int config_load(const char *path, struct config *c, char *err, size_t errlen);

void config_free(struct config *c);

/* Is this line (up to its end of line) a section header?  1 with the
 * section's text ("user NAME") in sec; 0 if not; -1 if text other than a
 * comment follows the ']' (refused: inih would drop it).  The parser and
 * sftpjailctl's editor (ctl-args.c) see headers the same way. */
int config_section_line(const char *line, char *sec, size_t seclen);

/* inih's white space is isspace(3): what it skips before a header or a
 * key, and after ']' (a vertical tab indents as well as a space). */
#define INI_SPACE " \t\v\f\r"

const char *access_to_string(enum access a);
enum access access_from_string(const char *s);

/* The request names the configured sftp-server's -p/-P accept, as its
 * "-Q requests" printed them at build time (generated sftp-requests.c).
 * sftp-server ignores an unknown name there, so only these may be named. */
extern const char *const sftp_request_names[];
extern const size_t sftp_request_names_n;

/* Is name a request name that sftp-server's -P/-p accepts? */
bool sftp_request_known(const char *name);
/* Validate a comma-separated request list.  On error, *bad points to the
 * offending entry's start inside list. */
bool sftp_request_list_valid(const char *list, const char **bad);
