/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "build-config.h"
#include "pathrule.h"
#include "util.h"

static const char *const log_levels[] = {
        "QUIET", "FATAL", "ERROR", "INFO", "VERBOSE", "DEBUG", "DEBUG1", "DEBUG2", "DEBUG3",
};

bool sftp_request_known(const char *name)
{
        for (size_t i = 0; i < sftp_request_names_n; i++)
                if (streq(name, sftp_request_names[i]))
                        return true;
        return false;
}

bool sftp_request_list_valid(const char *list, const char **bad)
{
        const char *p = list;

        if (!*list)
                return true; /* nothing allowed / denied by this rule */
        for (;;) {
                const char *end = strchrnul(p, ',');
                char name[64];
                size_t len = (size_t)(end - p);

                /* An empty entry ("a,,b", "a,") is a typo, not a name. */
                if (len == 0 || len >= sizeof(name)) {
                        *bad = p;
                        return false;
                }
                memcpy(name, p, len);
                name[len] = '\0';
                if (!sftp_request_known(name)) {
                        *bad = p;
                        return false;
                }
                if (!*end)
                        return true;
                p = end + 1;
        }
}

const char *access_to_string(enum access a)
{
        switch (a) {
        case ACCESS_READONLY: return "readonly";
        case ACCESS_UPLOADS: return "uploads";
        case ACCESS_DROPBOX: return "dropbox";
        case ACCESS_HOME: return "home";
        default: return "unset";
        }
}

enum access access_from_string(const char *s)
{
        if (streq(s, "readonly")) return ACCESS_READONLY;
        if (streq(s, "uploads")) return ACCESS_UPLOADS;
        if (streq(s, "dropbox")) return ACCESS_DROPBOX;
        if (streq(s, "home")) return ACCESS_HOME;
        return ACCESS_UNSET;
}

/* A path below home: relative, no "." or ".." components, no empty
 * components, printable.  "" means home itself where allowed. */
static bool relpath_valid(const char *p, bool allow_empty)
{
        if (!*p)
                return allow_empty;
        if (*p == '/' || strlen(p) >= PATH_MAX)
                return false;
        for (const char *c = p; *c; c++)
                if ((unsigned char)*c < 0x20 || *c == 0x7f)
                        return false;
        const char *s = p;
        while (*s) {
                const char *e = strchrnul(s, '/');
                size_t len = (size_t)(e - s);
                if (len == 0 || (len == 1 && s[0] == '.') || (len == 2 && s[0] == '.' && s[1] == '.'))
                        return false;
                s = *e ? e + 1 : e;
        }
        return true;
}

static bool abspath_valid(const char *p)
{
        return p[0] == '/' && relpath_valid(p + 1, true);
}

/* ".filepart .part": each entry a '.' and at least one more printable
 * byte, no '/'; "" is an empty list. */
static bool temp_suffixes_valid(const char *v)
{
        for (const char *s = v + strspn(v, " "); *s; s += strspn(s, " ")) {
                size_t n = strcspn(s, " ");
                if (s[0] != '.' || n < 2 || n > 64)
                        return false;
                for (size_t i = 0; i < n; i++)
                        if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || s[i] == '/')
                                return false;
                s += n;
        }
        return true;
}

/* A POSIX-portable user name: what useradd accepts by default. */
static bool user_name_valid(const char *v)
{
        size_t n = strlen(v);

        if (!n || n > 32 || v[0] == '-')
                return false;
        for (size_t i = 0; i < n; i++)
                if (!((v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= '0' && v[i] <= '9') ||
                      v[i] == '_' || v[i] == '-' || v[i] == '.' || (v[i] == '$' && i == n - 1)))
                        return false;
        return true;
}

struct parse_state {
        struct config *c;
        struct rule *cur;  /* NULL while in [global] */
        char section[256]; /* last section seen */
        char err[512];
        int err_line;
        bool in_global;
        /* line reader state: inih reports the line of the first error, but
         * section headers never reach the handler, so we read lines
         * ourselves and see every header with its line number. */
        FILE *file;
        const char *text;
        int line;
};

static void sfree(char **p)
{
        free(*p);
        *p = NULL;
}

static int fail(struct parse_state *st, const char *fmt, ...) _printf_(2, 3);
static int fail(struct parse_state *st, const char *fmt, ...)
{
        va_list ap;

        if (st->err[0])
                return 0; /* keep the first error only */
        st->err_line = st->line;
        va_start(ap, fmt);
        vsnprintf(st->err, sizeof(st->err), fmt, ap);
        va_end(ap);
        return 0;
}

static int set_string(struct parse_state *st, char **dst, const char *name, const char *value)
{
        if (*dst)
                return fail(st, "'%s' set twice in [%s]", name, st->section);
        *dst = strdup(value);
        if (!*dst)
                return fail(st, "out of memory");
        return 1;
}

/* Section header: [global], [default], [user NAME], [group NAME]. */
static int begin_section(struct parse_state *st, const char *section)
{
        enum rule_kind kind;
        const char *name = NULL;

        snprintf(st->section, sizeof(st->section), "%s", section);
        st->cur = NULL;
        st->in_global = false;

        if (streq(section, "global")) {
                st->in_global = true;
                return 1;
        }
        if (streq(section, "default"))
                kind = RULE_DEFAULT;
        else if (strncmp(section, "user ", 5) == 0)
                kind = RULE_USER, name = section + 5;
        else if (strncmp(section, "group ", 6) == 0)
                kind = RULE_GROUP, name = section + 6;
        else
                return fail(st, "unknown section [%s] (expected [global], [default], [user NAME] or [group NAME])",
                            section);

        if (name) {
                while (*name == ' ')
                        name++;
                if (!*name || strpbrk(name, " :,/\t"))
                        return fail(st, "invalid name in section [%s]", section);
        }
        for (size_t i = 0; i < st->c->n_rules; i++) {
                struct rule *r = &st->c->rules[i];
                if (r->kind == kind && ((!r->name && !name) || (r->name && name && streq(r->name, name))))
                        return fail(st, "section [%s] appears twice (first at line %d)", section, r->line);
        }

        struct rule *n = reallocarray(st->c->rules, st->c->n_rules + 1, sizeof(*n));
        if (!n)
                return fail(st, "out of memory");
        st->c->rules = n;
        st->cur = &n[st->c->n_rules++];
        *st->cur = (struct rule){ .kind = kind, .line = st->line, .s.umask = -1, .s.limits = LIMITS_UNSET,
                              .s.hook_network = -1 };
        if (name && !(st->cur->name = strdup(name)))
                return fail(st, "out of memory");
        return 1;
}

static int handle_global(struct parse_state *st, const char *name, const char *value)
{
        struct config *c = st->c;

        if (streq(name, "sftp_server")) {
                if (!abspath_valid(value))
                        return fail(st, "sftp_server must be an absolute path, got '%s'", value);
                return set_string(st, &c->sftp_server, name, value);
        }
        if (streq(name, "home_base")) {
                if (!abspath_valid(value) || streq(value, "/"))
                        return fail(st, "home_base must be an absolute directory path other than /, got '%s'", value);
                return set_string(st, &c->home_base, name, value);
        }
        if (streq(name, "audit")) {
                if (c->audit_set)
                        return fail(st, "'audit' set twice in [global]");
                if (!streq(value, "required") && !streq(value, "best-effort"))
                        return fail(st, "audit must be required or best-effort, got '%s'", value);
                c->audit_set = true;
                c->audit_best_effort = streq(value, "best-effort");
                return 1;
        }
        if (streq(name, "quota_project_base")) {
                /* 1 .. 2^32-2: 0 is the kernel's default project, 2^32-1 is -1. */
                char *end = NULL;
                unsigned long v = 0;
                if (c->quota_project_base)
                        return fail(st, "'%s' set twice", name);
                errno = 0;
                if (value[0] >= '0' && value[0] <= '9')
                        v = strtoul(value, &end, 10);
                if (!v || errno || !end || *end || v > 4294967294UL)
                        return fail(st, "quota_project_base must be a number from 1 to 4294967294, got '%s'", value);
                c->quota_project_base = v;
                return 1;
        }
        return fail(st, "unknown key '%s' in [global]", name);
}

static int handle_rule_key(struct parse_state *st, const char *name, const char *value)
{
        struct settings *s = &st->cur->s;
        const char *bad;

        if (streq(name, "access")) {
                if (s->access != ACCESS_UNSET)
                        return fail(st, "'access' set twice in [%s]", st->section);
                s->access = access_from_string(value);
                if (s->access == ACCESS_UNSET)
                        return fail(st, "access must be one of readonly, uploads, dropbox, home; got '%s'", value);
                return 1;
        }
        if (streq(name, "uploads")) {
                if (!relpath_valid(value, false))
                        return fail(st, "uploads must be a relative path below the home without '..', got '%s'",
                                    value);
                return set_string(st, &s->uploads, name, value);
        }
        if (streq(name, "start_dir")) {
                if (!relpath_valid(value, true))
                        return fail(st, "start_dir must be a relative path below the home without '..', got '%s'",
                                    value);
                return set_string(st, &s->start_dir, name, value);
        }
        if (streq(name, "umask")) {
                char *end;
                long v;

                if (s->umask != -1)
                        return fail(st, "'umask' set twice in [%s]", st->section);
                errno = 0;
                v = strtol(value, &end, 8);
                if (errno || !*value || *end || v < 0 || v > 0777)
                        return fail(st, "umask must be an octal number from 000 to 777, got '%s'", value);
                s->umask = (int)v;
                return 1;
        }
        if (streq(name, "allow_requests") || streq(name, "deny_requests")) {
                if (!sftp_request_list_valid(value, &bad) && (*bad == ',' || !*bad))
                        return fail(st, "%s: empty request name in '%s'", name, value);
                if (!sftp_request_list_valid(value, &bad))
                        return fail(st, "%s: unknown sftp request at '%s' (see sftp-server -Q requests)", name,
                                    bad);
                return set_string(st, streq(name, "allow_requests") ? &s->allow_requests : &s->deny_requests,
                                  name, value);
        }
        if (streq(name, "log_level")) {
                for (size_t i = 0; i < ELEMENTSOF(log_levels); i++)
                        if (streq(value, log_levels[i]))
                                return set_string(st, &s->log_level, name, value);
                return fail(st, "log_level must be one of QUIET FATAL ERROR INFO VERBOSE DEBUG DEBUG1-3, got '%s'",
                            value);
        }
        if (streq(name, "on_upload")) {
                if (!abspath_valid(value) || streq(value, "/"))
                        return fail(st, "on_upload must be the absolute path of a program, got '%s'", value);
                return set_string(st, &s->on_upload, name, value);
        }
        if (streq(name, "ready_dir")) {
                if (!relpath_valid(value, false))
                        return fail(st, "ready_dir must be a relative path below the uploads directory without "
                                    "'..', got '%s'", value);
                return set_string(st, &s->ready_dir, name, value);
        }
        if (streq(name, "temp_suffixes")) {
                if (!temp_suffixes_valid(value))
                        return fail(st, "temp_suffixes must be a space-separated list of suffixes starting with "
                                    "'.' (printable, no '/'), got '%s'", value);
                return set_string(st, &s->temp_suffixes, name, value);
        }
        if (streq(name, "hook_user")) {
                if (!user_name_valid(value))
                        return fail(st, "hook_user must be a user name, got '%s'", value);
                return set_string(st, &s->hook_user, name, value);
        }
        if (streq(name, "hook_network")) {
                if (s->hook_network != -1)
                        return fail(st, "'hook_network' set twice in [%s]", st->section);
                if (!streq(value, "yes") && !streq(value, "no"))
                        return fail(st, "hook_network must be yes or no, got '%s'", value);
                s->hook_network = streq(value, "yes");
                return 1;
        }
        char why[256];
        int r = limits_parse_key(&s->limits, name, value, why, sizeof(why));
        if (r < 0)
                return fail(st, "%s in [%s]", why, st->section);
        if (r > 0)
                return 1;
        return fail(st, "unknown key '%s' in [%s]", name, st->section);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
        struct parse_state *st = user;

        if (st->err[0])
                return 0;
        if (!*section)
                return fail(st, "key '%s' outside any section", name);
        /* inih's section is ours (cut at its own length): a key never
         * lands in another section than the one it is written in. */
        if (strncmp(section, st->section, strlen(section)) != 0)
                return fail(st, "key '%s' in a section header not understood: [%s]", name, section);
        if (st->in_global)
                return handle_global(st, name, value);
        if (!st->cur)
                return 0; /* the section header already failed */
        return handle_rule_key(st, name, value);
}

/* Is there input after the current read position? */
static bool more_input(struct parse_state *st)
{
        int ch;

        if (!st->file)
                return *st->text != '\0';
        ch = getc(st->file);
        if (ch == EOF)
                return false;
        ungetc(ch, st->file);
        return true;
}

/* Return the next line to inih; a "[section]" line starts a section here,
 * so that sections without keys still count and errors carry its line. */
static char *reader(char *buf, int size, void *stream)
{
        struct parse_state *st = stream;
        char *line;

        if (st->file) {
                line = fgets(buf, size, st->file);
        } else {
                size_t n = strcspn(st->text, "\n");
                if (!*st->text)
                        return NULL;
                if (st->text[n] == '\n')
                        n++;
                if (n >= (size_t)size)
                        n = (size_t)size - 1;
                memcpy(buf, st->text, n);
                buf[n] = '\0';
                st->text += n;
                line = buf;
        }
        if (!line)
                return NULL;
        st->line++;
        /* inih hands us a fixed buffer: the rest of a longer line would
         * come back as a line of its own.  Refuse rather than guess; and a
         * last line without its newline that fills the buffer is as long
         * (else the same line is refused once a line follows it: fuzz-ctl). */
        if (!strchr(line, '\n') && (more_input(st) || strlen(line) >= (size_t)size - 1))
                fail(st, "line longer than %d characters", size - 2);

        char sec[sizeof(st->section)];
        int h = config_section_line(line, sec, sizeof(sec));
        if (h < 0)
                fail(st, "text after the section header");
        else if (h > 0 && !st->err[0])
                begin_section(st, sec);
        return line;
}

int config_section_line(const char *line, char *sec, size_t seclen)
{
        /* As inih skips: "\v[group x]" is a header to it (fuzz-config). */
        const char *p = line + strspn(line, INI_SPACE);
        size_t len = strcspn(p, "\r\n");
        const char *close = memchr(p, ']', len);

        if (*p != '[' || !close)
                return 0;
        /* inih takes the section up to the first ']' and ignores the rest
         * of the line: anything there but a comment would be lost. */
        const char *rest = close + 1 + strspn(close + 1, INI_SPACE);
        if (rest < p + len && *rest != ';' && *rest != '#')
                return -1;
        snprintf(sec, seclen, "%.*s", (int)(close - p - 1), p + 1);
        return 1;
}

static int parse(struct parse_state *st, const char *filename, char *err, size_t errlen)
{
        int r;

        /* sshd_config-like strictness: no continuation lines (an indented
         * key must not silently join the previous value), comments with
         * '#' or ';'. */
        ini_allow_multiline = false;
        ini_allow_inline_comments = true;
        ini_inline_comment_prefixes = (char *)";#";
        ini_stop_on_first_error = true;
        /* A line buffer on the stack, long enough for a list of every
         * request name; reader() refuses longer lines. */
        ini_use_stack = true;
        ini_allow_realloc = false;
        ini_max_line = CONFIG_MAX_LINE + 2;

        r = ini_parse_stream(reader, st, handler, st);
        if (r != -2 && (r != 0 || st->err[0]))
                snprintf(err, errlen, "%s:%d: %s", filename, st->err[0] ? st->err_line : r,
                         st->err[0] ? st->err : "syntax error");
        else if (r == -2 || (!st->c->sftp_server && !(st->c->sftp_server = strdup(SFTPJAIL_DEFAULT_SFTP_SERVER))))
                snprintf(err, errlen, "%s: out of memory", filename);
        else
                return 0;
        /* Never hand out half a configuration. */
        config_free(st->c);
        return -1;
}

int config_parse_string(const char *text, const char *filename, struct config *c, char *err, size_t errlen)
{
        struct parse_state st = { .c = c, .text = text };

        *c = (struct config){ 0 };
        return parse(&st, filename, err, errlen);
}

int config_parse_file(FILE *f, const char *filename, struct config *c, char *err, size_t errlen)
{
        struct parse_state st = { .c = c, .file = f };

        *c = (struct config){ 0 };
        return parse(&st, filename, err, errlen);
}

int config_open_trusted(const char *path, char *err, size_t errlen)
{
        struct stat st;

        return path_open_trusted(path, &path_rule_config, 0, O_RDONLY | O_NOCTTY, &st, err, errlen);
}

int config_open_program(const char *path, char *err, size_t errlen)
{
        struct stat st;
        int fd = path_open_trusted(path, &path_rule_program, 0, O_PATH, &st, err, errlen);

        if (fd < 0)
                return -1;
        if (!(st.st_mode & 0111)) {
                close(fd);
                errno = EACCES;
                return errorf(err, errlen, "program %s is not executable (mode %04o)", path,
                              (unsigned)(st.st_mode & 07777));
        }
        return fd;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
        int fd = config_open_trusted(path, err, errlen);
        FILE *f;
        int r;

        *c = (struct config){ 0 };
        if (fd < 0)
                return -1;
        f = fdopen(fd, "re");
        if (!f) {
                close(fd);
                snprintf(err, errlen, "%s: %s", path, strerror(errno));
                return -1;
        }
        r = config_parse_file(f, path, c, err, errlen);
        fclose(f);
        return r;
}

static void settings_free(struct settings *s)
{
        sfree(&s->uploads);
        sfree(&s->start_dir);
        sfree(&s->allow_requests);
        sfree(&s->deny_requests);
        sfree(&s->log_level);
        sfree(&s->on_upload);
        sfree(&s->ready_dir);
        sfree(&s->temp_suffixes);
        sfree(&s->hook_user);
}

void config_free(struct config *c)
{
        for (size_t i = 0; i < c->n_rules; i++) {
                free(c->rules[i].name);
                settings_free(&c->rules[i].s);
        }
        free(c->rules);
        free(c->sftp_server);
        free(c->home_base);
        *c = (struct config){ 0 };
}
