/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

static void apply(struct policy *p, const struct rule *r)
{
        const struct settings *s = &r->s;

        if (s->access != ACCESS_UNSET)
                p->access = s->access;
        if (s->uploads)
                p->uploads = s->uploads;
        if (s->start_dir)
                p->start_dir = s->start_dir;
        if (s->umask >= 0)
                p->umask = s->umask;
        if (s->allow_requests)
                p->allow_requests = s->allow_requests;
        if (s->deny_requests)
                p->deny_requests = s->deny_requests;
        if (s->log_level)
                p->log_level = s->log_level;
        limits_apply(&p->limits, &s->limits);
        if (s->on_upload)
                p->on_upload = s->on_upload;
        if (s->ready_dir)
                p->ready_dir = s->ready_dir;
        if (s->temp_suffixes)
                p->temp_suffixes = s->temp_suffixes;
        if (s->hook_user)
                p->hook_user = s->hook_user;
        if (s->hook_network >= 0)
                p->hook_network = s->hook_network;
        if (p->n_matched < POLICY_MAX_MATCHES)
                p->matched[p->n_matched++] = r;
}

static bool in_groups(const struct identity *id, const char *name)
{
        for (size_t i = 0; i < id->n_groups; i++)
                if (streq(id->groups[i], name))
                        return true;
        return false;
}

/* Precedence, weakest first: [default], then every matching [group] in file
 * order, then [user].  A later rule overrides the keys it sets. */
int policy_resolve(const struct config *c, const struct identity *id, struct policy *p)
{
        bool named = false;

        *p = (struct policy){
                .access = ACCESS_UPLOADS,
                .uploads = "uploads",
                .start_dir = NULL,
                .umask = 022,
                .log_level = "INFO",
                .limits = LIMITS_NONE,
                .temp_suffixes = POLICY_TEMP_SUFFIXES_DEFAULT,
        };
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == RULE_DEFAULT)
                        apply(p, &c->rules[i]);
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == RULE_GROUP && in_groups(id, c->rules[i].name)) {
                        apply(p, &c->rules[i]);
                        named = true;
                }
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == RULE_USER && streq(c->rules[i].name, id->name)) {
                        apply(p, &c->rules[i]);
                        named = true;
                }
        if (p->access == ACCESS_READONLY || p->access == ACCESS_HOME)
                p->uploads = NULL;
        /* A drop box starts where files can be put, unless a rule says. */
        if (!p->start_dir)
                p->start_dir = p->access == ACCESS_DROPBOX ? p->uploads : "";
        return named ? 0 : -1;
}

bool policy_temp_name(const char *list, const char *name, size_t len)
{
        const char *base = name;

        for (size_t i = 0; i < len; i++)
                if (name[i] == '/')
                        base = name + i + 1;
        len -= (size_t)(base - name);
        for (const char *s = list; *s;) {
                size_t n = strcspn(s, " ");
                if (n && len > n && memcmp(base + len - n, s, n) == 0)
                        return true;
                s += n;
                s += strspn(s, " ");
        }
        return false;
}

const char *policy_implicit_deny(enum access a)
{
        if (a == ACCESS_DROPBOX)
                return "read,readdir,readlink,remove,rmdir,hardlink,symlink,copy-data";
        return NULL;
}

/* Append s to dst at *o with every '%' doubled. */
static int append_escaped(char *dst, size_t len, size_t *o, const char *s)
{
        for (; *s; s++) {
                if (*o + 3 >= len)
                        return -1;
                if (*s == '%')
                        dst[(*o)++] = '%';
                dst[(*o)++] = *s;
        }
        dst[*o] = '\0';
        return 0;
}


/* sftp-server's -l: the configured level, but never below VERBOSE.  The
 * records need it: at VERBOSE sftp-server names the requests INFO leaves
 * out (stat, lstat, realpath, readlink, fsync, ...), so that a failing one
 * is not taken for the failure of the operation logged before it (a
 * "sent status No such file" of a client's stat after an open made a
 * second, failed record of one upload).  records.c takes those lines in;
 * they are not forwarded. */
const char *policy_server_log_level(const char *configured)
{
        static const char *const below[] = { "QUIET", "FATAL", "ERROR", "INFO" };

        for (size_t i = 0; i < ELEMENTSOF(below); i++)
                if (streq(configured, below[i]))
                        return "VERBOSE";
        return configured;
}

int policy_sftp_argv(const struct config *c, const struct identity *id, const struct policy *p,
                     const char *argv[POLICY_ARGV_MAX], char *buf, size_t buflen)
{
        size_t n = 0, used = 0;
        const char *implicit = policy_implicit_deny(p->access);

/* Copy a formatted string into buf and return a pointer to it. */
#define PUSH_FMT(...)                                                            \
        do {                                                                     \
                int _l = snprintf(buf + used, buflen - used, __VA_ARGS__);       \
                if (_l < 0 || (size_t)_l >= buflen - used)                       \
                        return -1;                                               \
                argv[n++] = buf + used;                                          \
                used += (size_t)_l + 1;                                          \
        } while (0)

        argv[n++] = c->sftp_server;
        argv[n++] = "-e"; /* log to stderr: the supervisor forwards it */
        argv[n++] = "-l";
        argv[n++] = policy_server_log_level(p->log_level);
        /* sftp-server expands %d, %u and %% in -d: escape every '%'. */
        char dir[PATH_MAX * 2];
        size_t o = 0;
        if (append_escaped(dir, sizeof(dir), &o, id->home) < 0 ||
            (*p->start_dir && (append_escaped(dir, sizeof(dir), &o, "/") < 0 ||
                               append_escaped(dir, sizeof(dir), &o, p->start_dir) < 0)))
                return -1;
        argv[n++] = "-d";
        PUSH_FMT("%s", dir);
        argv[n++] = "-u";
        PUSH_FMT("%03o", (unsigned)p->umask);
        if (p->access == ACCESS_READONLY)
                argv[n++] = "-R";
        if (p->allow_requests) {
                argv[n++] = "-p";
                argv[n++] = p->allow_requests;
        }
        if (p->deny_requests && implicit) {
                argv[n++] = "-P";
                PUSH_FMT("%s,%s", implicit, p->deny_requests);
        } else if (p->deny_requests || implicit) {
                argv[n++] = "-P";
                argv[n++] = p->deny_requests ? p->deny_requests : implicit;
        }
        argv[n] = NULL;
#undef PUSH_FMT
        return 0;
}
