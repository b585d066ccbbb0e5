/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjailctl's checks of what an admin hands it: command-line arguments,
 * public key files, and the edit of a [user NAME] section.  Pure (no
 * system call but memory streams), so that tests/fuzz/fuzz-ctl.c can
 * drive them; the commands that act on them are in ctl-*.c. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "util.h"

/* An argument as it may appear in a one-line message: printable ASCII
 * other than '\'' and '\\' is copied, anything else (control characters,
 * newlines, bytes above 0x7e) is written as \xNN, and a long argument is
 * cut at 48 characters with "..." -- so a hostile argument can neither split
 * the message nor drive the terminal.  Four rotating buffers: up to four
 * in one message. */
const char *ctl_quote(const char *s)
{
        static char bufs[4][48 * 4 + 4];
        static unsigned next;
        char *b = bufs[next++ % ELEMENTSOF(bufs)];
        size_t o = 0, i = 0;

        for (; i < 48 && s[i]; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
                        b[o++] = (char)c;
                else
                        o += (size_t)snprintf(b + o, 5, "\\x%02x", c);
        }
        if (s[i]) {
                memcpy(b + o, "...", 3);
                o += 3;
        }
        b[o] = '\0';
        return b;
}

/* 3 or 4 octal digits, at most 0777: "027", "0027".  Stricter than
 * strtol(3), which takes any number of leading zeros, signs and spaces. */
bool ctl_valid_umask(const char *s)
{
        size_t n = strlen(s);

        if (n != 3 && n != 4)
                return false;
        if (n == 4 && s[0] != '0')
                return false;
        for (size_t i = 0; i < n; i++)
                if (s[i] < '0' || s[i] > '7')
                        return false;
        return true;
}

/* An absolute, canonical directory path other than "/": components of
 * POSIX portable filename characters (letters, digits, '.', '_', '-'),
 * none empty, "." or "..", no trailing '/', and short enough that
 * BASE/NAME (a 32-character name) fits in PATH_MAX.  A home directory
 * ends up in /etc/passwd, where ':' or a newline would forge fields. */
bool ctl_valid_home_base(const char *s)
{
        size_t n = strlen(s);

        if (n < 2 || n + 1 + 32 >= PATH_MAX || s[0] != '/' || s[n - 1] == '/')
                return false;
        for (const char *c = s + 1; *c;) {
                size_t len = strspn(c, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");
                if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
                        return false;
                c += len;
                if (*c == '/')
                        c++;
                else if (*c)
                        return false;
        }
        return true;
}

/* A file name given on the command line that is only read (doctor's
 * --sshd-config): not empty, shorter than PATH_MAX, printable ASCII. */
bool ctl_valid_path_arg(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n >= PATH_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] >= 0x7f)
                        return false;
        return true;
}

/* Names that are safe in passwd, group, sshd patterns, paths and logs. */
bool ctl_valid_user_name(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
                return false;
        for (size_t i = 1; i < n; i++)
                if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
                        return false;
        return true;
}

int ctl_key_text_check(const char *text, size_t *key_lines, size_t *bad_line)
{
        size_t lines = 0, line_no = 0;

        for (const char *line = text, *eol; *line; line = *eol ? eol + 1 : eol) {
                eol = strchrnul(line, '\n');
                line_no++;
                for (const char *c = line; c < eol; c++)
                        /* A CR before the newline (a file from Windows) is dropped below. */
                        if ((((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) && !(*c == '\r' && c + 1 == eol)) {
                                *bad_line = line_no;
                                return -1;
                        }
                line += strspn(line, " \t");
                if (line < eol && *line != '#' && *line != '\r')
                        lines++;
        }
        *key_lines = lines;
        return 0;
}

void ctl_key_text_write(char *text, FILE *keys)
{
        for (char *line = text, *next; *line; line = next) {
                char *eol = strchrnul(line, '\n');
                next = *eol ? eol + 1 : eol;
                *eol = '\0';
                if (eol > line && eol[-1] == '\r')
                        eol[-1] = '\0';
                line += strspn(line, " \t");
                if (*line && *line != '#')
                        fprintf(keys, "%s\n", line);
        }
}

/* Find "[user NAME]" in text, as the configuration's parser reads
 * headers (config_section_line: "[user  NAME] # note" too): start of the
 * header line and end of the section (next header or end).  Returns false
 * if absent. */
static bool find_user_section(const char *text, const char *name, size_t *start, size_t *end)
{
        const char *p = text;
        char sec[256];

        while (*p) {
                const char *eol = strchrnul(p, '\n');
                if (config_section_line(p, sec, sizeof(sec)) == 1 && strncmp(sec, "user ", 5) == 0 &&
                    streq(sec + 5 + strspn(sec + 5, " "), name)) {
                        *start = (size_t)(p - text);
                        const char *q = *eol ? eol + 1 : eol;
                        while (*q) {
                                const char *t = q + strspn(q, INI_SPACE);
                                if (*t == '[')
                                        break;
                                q = strchrnul(q, '\n');
                                if (*q)
                                        q++;
                        }
                        *end = (size_t)(q - text);
                        return true;
                }
                p = *eol ? eol + 1 : eol;
        }
        return false;
}

static void write_keys(FILE *f, const struct ctl_user_keys *k)
{
        if (k->access)
                fprintf(f, "access = %s\n", k->access);
        if (k->umask)
                fprintf(f, "umask = %s\n", k->umask);
        if (k->quota)
                fprintf(f, "quota = %s\n", k->quota);
        if (k->quota_files)
                fprintf(f, "quota_files = %s\n", k->quota_files);
}

/* inih takes '=' or ':' after a key (and INI_SPACE, config.h). */
/* Does the line's text k (after its indentation) set `key`? */
static bool is_key(const char *k, const char *key)
{
        size_t n = strlen(key);

        return strncmp(k, key, n) == 0 && k[n] && strchr(INI_SPACE "=:", k[n]);
}

char *ctl_edit_config(const char *text, const char *name, const struct ctl_user_keys *keys, bool remove)
{
        size_t start, end, len = 0;
        bool found = find_user_section(text, name, &start, &end);
        char *out = NULL;
        FILE *f;

        if (!found && remove)
                return strdup(text);
        f = open_memstream(&out, &len);
        if (!f)
                return NULL;
        if (!found) {
                fputs(text, f);
                if (*text && text[strlen(text) - 1] != '\n')
                        fputc('\n', f);
                fprintf(f, "[user %s]\n", name);
                write_keys(f, keys);
        } else {
                fwrite(text, 1, start, f);
                /* Keep the section's lines except the keys we set. */
                for (const char *p = text + start; !remove && p < text + end;) {
                        const char *eol = strchrnul(p, '\n');
                        size_t l = (size_t)(eol - p) + (*eol ? 1 : 0);
                        const char *k = p + strspn(p, INI_SPACE);
                        bool header = p == text + start;
                        if (header || !((keys->access && is_key(k, "access")) || (keys->umask && is_key(k, "umask")) ||
                                        (keys->quota && is_key(k, "quota")) ||
                                        (keys->quota_files && is_key(k, "quota_files"))))
                                fwrite(p, 1, l, f);
                        if (header && !*eol)
                                fputc('\n', f); /* the header was the last line: the keys go below it */
                        if (header)
                                write_keys(f, keys);
                        p += l;
                }
                fputs(text + end, f);
        }
        if (ferror(f)) {
                fclose(f);
                free(out);
                errno = ENOMEM;
                return NULL;
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}
