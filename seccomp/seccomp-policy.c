/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "seccomp-policy.h"

#include <asm/prctl.h>
#include <linux/futex.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "util.h"

static const struct {
        const char *name;
        int value;
} errnos[] = {
        { "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS }, { "ENOENT", ENOENT },
        { "EINVAL", EINVAL }, { "ENOTTY", ENOTTY }, { "EAFNOSUPPORT", EAFNOSUPPORT },
        { "EOPNOTSUPP", EOPNOTSUPP },
};

/* Names an allow-arg line may use instead of numbers. */
static const struct {
        const char *name;
        uint32_t value;
} constants[] = {
        { "TCGETS", TCGETS }, { "TIOCGWINSZ", TIOCGWINSZ }, { "FIONREAD", FIONREAD },
        { "FIONBIO", FIONBIO }, { "FIOCLEX", FIOCLEX }, { "FIONCLEX", FIONCLEX },
        { "PR_SET_DUMPABLE", PR_SET_DUMPABLE }, { "PR_GET_DUMPABLE", PR_GET_DUMPABLE },
        { "PR_SET_NAME", PR_SET_NAME }, { "PR_GET_NAME", PR_GET_NAME },
        { "PR_SET_VMA", 0x53564d41 },
        { "PROT_READ", PROT_READ }, { "PROT_WRITE", PROT_WRITE }, { "PROT_EXEC", PROT_EXEC },
        { "ARCH_SET_FS", ARCH_SET_FS }, { "FUTEX_WAIT_PRIVATE", FUTEX_WAIT_PRIVATE },
        { "FUTEX_WAKE_PRIVATE", FUTEX_WAKE_PRIVATE }, { "NULL", 0 },
};

const char *sp_errno_name(int err)
{
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                if (errnos[i].value == err)
                        return errnos[i].name;
        return "?";
}

static int parse_errno(const char *s)
{
        for (size_t i = 0; i < ELEMENTSOF(errnos); i++)
                if (streq(errnos[i].name, s))
                        return errnos[i].value;
        return -1;
}

static int parse_value(const char *s, uint32_t *v)
{
        char *end;
        unsigned long long n;

        for (size_t i = 0; i < ELEMENTSOF(constants); i++)
                if (streq(constants[i].name, s)) {
                        *v = constants[i].value;
                        return 0;
                }
        errno = 0;
        n = strtoull(s, &end, 0);
        if (errno || !*s || *end || n > UINT32_MAX)
                return -1;
        *v = (uint32_t)n;
        return 0;
}

static int add(struct sp_policy *p, const struct sp_entry *e)
{
        struct sp_entry *n = reallocarray(p->e, p->n + 1, sizeof(*n));
        if (!n)
                return -1;
        p->e = n;
        p->e[p->n++] = *e;
        return 0;
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); goto fail; } while (0)

int sp_parse(const char *text, struct sp_policy *p, char *err, size_t errlen)
{
        char *copy = strdup(text);
        char *save = NULL, *line;
        int lineno = 0;

        *p = (struct sp_policy){ 0 };
        if (!copy)
                return -1;
        /* strsep keeps empty lines, so line numbers stay right. */
        for (char *rest = copy; (line = strsep(&rest, "\n"));) {
                char *tok, *w;
                struct sp_entry e = { .line = ++lineno };

                while (*line == ' ' || *line == '\t')
                        line++;
                if (strncmp(line, "##", 2) == 0) {
                        char (*g)[sizeof(*p->groups)] = reallocarray(p->groups, p->n_groups + 1, sizeof(*g));
                        if (!g)
                                FAIL("out of memory");
                        p->groups = g;
                        w = line + 2;
                        while (*w == ' ')
                                w++;
                        if (!strchr(w, ':'))
                                FAIL("line %d: group header needs '## name: reason'", lineno);
                        /* Whole or not at all: a cut reason could lose its ':' and more. */
                        if (strlen(w) >= sizeof(p->groups[0]))
                                FAIL("line %d: group header longer than %zu characters", lineno,
                                     sizeof(p->groups[0]) - 1);
                        snprintf(p->groups[p->n_groups], sizeof(p->groups[0]), "%s", w);
                        p->n_groups++;
                        continue;
                }
                if (!*line || *line == '#')
                        continue;
                if (!p->n_groups)
                        FAIL("line %d: rule before any '## group: reason' header", lineno);
                e.group = p->n_groups - 1;
                e.arg = -1;

                tok = strtok_r(line, " \t", &save);
                if (streq(tok, "allow"))
                        e.action = SP_ALLOW;
                else if (streq(tok, "kill"))
                        e.action = SP_KILL;
                else if (streq(tok, "errno")) {
                        e.action = SP_ERRNO;
                        w = strtok_r(NULL, " \t", &save);
                        if (!w || (e.err = parse_errno(w)) < 0)
                                FAIL("line %d: 'errno' needs a known errno name", lineno);
                } else if (streq(tok, "allow-arg")) {
                        struct sp_entry a = e;
                        char *sc = strtok_r(NULL, " \t", &save), *idx = strtok_r(NULL, " \t", &save);
                        a.action = SP_ALLOW_ARG;
                        if (!sc || !idx || strlen(sc) >= sizeof(a.syscall) || idx[1] || idx[0] < '0' || idx[0] > '5')
                                FAIL("line %d: usage: allow-arg SYSCALL ARGINDEX VALUE...", lineno);
                        snprintf(a.syscall, sizeof(a.syscall), "%s", sc);
                        while ((w = strtok_r(NULL, " \t", &save)) && *w != '#') {
                                if (a.n_values >= SP_MAX_VALUES || parse_value(w, &a.values[a.n_values]) < 0)
                                        FAIL("line %d: bad value '%s'", lineno, w);
                                snprintf(a.value_names[a.n_values++], sizeof(a.value_names[0]), "%s", w);
                        }
                        if (!a.n_values)
                                FAIL("line %d: allow-arg needs at least one value", lineno);
                        a.arg = idx[0] - '0';
                        if (add(p, &a) < 0)
                                FAIL("out of memory");
                        continue;
                } else if (streq(tok, "allow-unless")) {
                        /* allow-unless SYSCALL ARGINDEX BIT...: allowed
                         * unless the argument has all of the bits (W^X:
                         * "allow-unless mmap 2 PROT_WRITE PROT_EXEC"). */
                        struct sp_entry a = e;
                        char *sc = strtok_r(NULL, " \t", &save), *idx = strtok_r(NULL, " \t", &save);
                        char names[256] = "";
                        size_t nbits = 0;
                        a.action = SP_ALLOW_UNLESS;
                        if (!sc || !idx || strlen(sc) >= sizeof(a.syscall) || idx[1] || idx[0] < '0' || idx[0] > '5')
                                FAIL("line %d: usage: allow-unless SYSCALL ARGINDEX BIT...", lineno);
                        snprintf(a.syscall, sizeof(a.syscall), "%s", sc);
                        while ((w = strtok_r(NULL, " \t", &save)) && *w != '#') {
                                uint32_t bit;
                                if (parse_value(w, &bit) < 0 || bit == 0 || (bit & (bit - 1)) != 0 ||
                                    (a.values[0] & bit))
                                        FAIL("line %d: bad bit '%s'", lineno, w);
                                a.values[0] |= bit;
                                size_t used = strlen(names);
                                snprintf(names + used, sizeof(names) - used, "%s%s", nbits ? "," : "", w);
                                nbits++;
                        }
                        if (!nbits)
                                FAIL("line %d: allow-unless needs at least one bit", lineno);
                        a.n_values = 1;
                        if (snprintf(a.value_names[0], sizeof(a.value_names[0]), "%s%s",
                                     nbits == 1 ? "without " : "not all of ",
                                     names) >= (int)sizeof(a.value_names[0]))
                                FAIL("line %d: too many bits to name", lineno);
                        a.arg = idx[0] - '0';
                        if (add(p, &a) < 0)
                                FAIL("out of memory");
                        continue;
                } else
                        FAIL("line %d: unknown action '%s' (allow, errno, kill, allow-arg, allow-unless)", lineno, tok);

                int count = 0;
                while ((w = strtok_r(NULL, " \t", &save)) && *w != '#') {
                        struct sp_entry s = e;
                        if (strlen(w) >= sizeof(s.syscall))
                                FAIL("line %d: syscall name too long", lineno);
                        snprintf(s.syscall, sizeof(s.syscall), "%s", w);
                        for (size_t i = 0; i < p->n; i++)
                                if (streq(p->e[i].syscall, w))
                                        FAIL("line %d: %s already listed on line %d", lineno, w, p->e[i].line);
                        if (add(p, &s) < 0)
                                FAIL("out of memory");
                        count++;
                }
                if (!count)
                        FAIL("line %d: no syscall names", lineno);
        }
        free(copy);
        return 0;
fail:
        free(copy);
        sp_free(p);
        return -1;
}

void sp_free(struct sp_policy *p)
{
        free(p->e);
        free(p->groups);
        *p = (struct sp_policy){ 0 };
}
