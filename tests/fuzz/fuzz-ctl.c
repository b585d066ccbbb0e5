/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjailctl's checks of what an admin hands it (ctl-args.c): argument
 * validation, ctl_quote(), public key files, and the [user NAME] edit of
 * sftpjail.conf that add-user/remove-user write.  The input:
 * NUL-separated NAME, ACCESS, UMASK, QUOTA, QUOTA_FILES, CONFIG, KEYS;
 * the first byte's bit 0 asks for a removal.  Invariants:
 *   - ctl_quote() output is printable ASCII without quote or backslash
 *     except in \xNN, bounded, and unescapes to a prefix of the argument;
 *   - a key file that passes the check yields exactly its key lines;
 *   - the edit of a valid configuration, with values the command line
 *     accepts, is a valid configuration that gives the user exactly
 *     those values (or no section, after a removal). */
#include <limits.h>

#include "config.h"
#include "ctl.h"
#include "fuzz.h"
#include "limit.h"

static void check_quote(const char *s)
{
        const char *q = ctl_quote(s);
        size_t n = strlen(q), o = 0;
        char back[64];

        FUZZ_CHECK(n <= 48 * 4 + 3);
        for (size_t i = 0; i < n; i++) {
                unsigned char c = (unsigned char)q[i];
                FUZZ_CHECK(c >= 0x20 && c < 0x7f && c != '\'');
                if (c == '\\') {
                        FUZZ_CHECK(q[i + 1] == 'x' && q[i + 2] && q[i + 3]);
                        back[o++] = (char)strtol((char[]){ q[i + 2], q[i + 3], 0 }, NULL, 16);
                        i += 3;
                } else if (c == '.' && i + 3 == n && strlen(s) > 48) {
                        break; /* "..." after a cut */
                } else {
                        back[o++] = (char)c;
                }
                FUZZ_CHECK(o <= 48);
        }
        FUZZ_CHECK(strncmp(back, s, o) == 0 && (o == strlen(s) || o == 48));
}

static void check_args(const char *s)
{
        size_t n = strlen(s);

        check_quote(s);
        if (ctl_valid_user_name(s)) {
                FUZZ_CHECK(n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-") == n);
                FUZZ_CHECK(s[0] != '-' && (s[0] < '0' || s[0] > '9'));
        }
        if (ctl_valid_umask(s))
                FUZZ_CHECK(strtol(s, NULL, 8) >= 0 && strtol(s, NULL, 8) <= 0777);
        if (ctl_valid_home_base(s)) {
                FUZZ_CHECK(s[0] == '/' && n >= 2 && s[n - 1] != '/' && n + 33 < PATH_MAX);
                FUZZ_CHECK(!strstr(s, "//") && !strstr(s, "/./") && !strstr(s, "/../"));
                FUZZ_CHECK(strcmp(s + n - 2, "/.") != 0 && (n < 3 || strcmp(s + n - 3, "/..") != 0));
                FUZZ_CHECK(!strpbrk(s, ":\n\r\t "));
        }
        if (ctl_valid_path_arg(s))
                for (size_t i = 0; i < n; i++)
                        FUZZ_CHECK((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x7f);
}

static void check_keys(const char *keys)
{
        size_t lines = 0, bad = 0;
        char *text = strdup(keys), *out = NULL;
        size_t outlen = 0;

        FUZZ_CHECK(text != NULL);
        if (ctl_key_text_check(text, &lines, &bad) < 0) {
                FUZZ_CHECK(bad >= 1);
                free(text);
                return;
        }
        FILE *f = open_memstream(&out, &outlen);
        FUZZ_CHECK(f != NULL);
        ctl_key_text_write(text, f);
        FUZZ_CHECK(fclose(f) == 0);
        size_t written = 0;
        for (char *p = out; *p;) {
                char *eol = strchr(p, '\n');
                FUZZ_CHECK(eol && eol > p);
                FUZZ_CHECK(*p != ' ' && *p != '\t' && *p != '#');
                for (char *c = p; c < eol; c++)
                        FUZZ_CHECK((unsigned char)*c >= 0x20 || *c == '\t');
                written++;
                p = eol + 1;
        }
        FUZZ_CHECK(written == lines);
        free(out);
        free(text);
}

static const struct rule *user_rule(const struct config *c, const char *name)
{
        for (size_t i = 0; i < c->n_rules; i++)
                if (c->rules[i].kind == RULE_USER && strcmp(c->rules[i].name, name) == 0)
                        return &c->rules[i];
        return NULL;
}

static void check_edit(const char *name, const char *access, const char *umask_s, const char *quota,
                       const char *quota_files, const char *text, bool remove)
{
        struct config c;
        char err[512];
        struct limits l = LIMITS_UNSET;
        struct ctl_user_keys k = { 0 };

        if (!ctl_valid_user_name(name) || config_parse_string(text, "fuzz.conf", &c, err, sizeof(err)) < 0)
                return;
        config_free(&c);
        if (access_from_string(access) != ACCESS_UNSET)
                k.access = access;
        if (ctl_valid_umask(umask_s))
                k.umask = umask_s;
        if (limits_parse_key(&l, "quota", quota, err, sizeof(err)) == 1)
                k.quota = quota;
        if (limits_parse_key(&l, "quota_files", quota_files, err, sizeof(err)) == 1)
                k.quota_files = quota_files;
        char *next = ctl_edit_config(text, name, &k, remove);
        FUZZ_CHECK(next != NULL);
        if (config_parse_string(next, "fuzz.conf", &c, err, sizeof(err)) < 0) {
                fprintf(stderr, "edited configuration refused: %s\n--- before\n%s\n--- after\n%s\n", err, text, next);
                FUZZ_CHECK(!"the edit of a valid configuration is valid");
        }
        const struct rule *r = user_rule(&c, name);
        if (remove) {
                FUZZ_CHECK(r == NULL);
        } else {
                FUZZ_CHECK(r != NULL);
                if (k.access)
                        FUZZ_CHECK(r->s.access == access_from_string(access));
                if (k.umask)
                        FUZZ_CHECK(r->s.umask == (int)strtol(umask_s, NULL, 8));
                if (k.quota)
                        FUZZ_CHECK(r->s.limits.quota_bytes == l.quota_bytes);
                if (k.quota_files)
                        FUZZ_CHECK(r->s.limits.quota_files == l.quota_files);
        }
        config_free(&c);
        free(next);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s[7] = { NULL };

        if (size < 1)
                return 0;
        size_t n = fuzz_split(data + 1, size - 1, 0, s, 7);
        for (size_t i = n; i < 7; i++)
                s[i] = strdup("");
        for (size_t i = 0; i < 5; i++)
                check_args(s[i]);
        check_keys(s[6]);
        check_edit(s[0], s[1], s[2], s[3], s[4], s[5], data[0] & 1);
        for (size_t i = 0; i < 7; i++)
                free(s[i]);
        return 0;
}
