/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON string escaping (see json.h). */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

/* Length of the valid UTF-8 sequence at s (1-4), or 0 if the byte at s
 * does not start one.  Strict (RFC 3629): no overlong forms, no
 * surrogates, nothing above U+10FFFF. */
static size_t utf8_valid_len(const unsigned char *s, size_t avail)
{
        unsigned char c = s[0];
        size_t n;
        unsigned char lo = 0x80, hi = 0xbf; /* range of the second byte */

        if (c < 0x80)
                return 1;
        if (c >= 0xc2 && c <= 0xdf)
                n = 2;
        else if (c >= 0xe0 && c <= 0xef) {
                n = 3;
                if (c == 0xe0)
                        lo = 0xa0; /* overlong */
                else if (c == 0xed)
                        hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
                n = 4;
                if (c == 0xf0)
                        lo = 0x90; /* overlong */
                else if (c == 0xf4)
                        hi = 0x8f; /* above U+10FFFF */
        } else
                return 0;
        if (avail < n || s[1] < lo || s[1] > hi)
                return 0;
        /* A NUL terminator fails these tests, so we never read past it. */
        for (size_t i = 2; i < n; i++)
                if (s[i] < 0x80 || s[i] > 0xbf)
                        return 0;
        return n;
}

int json_write_string(FILE *f, const char *s)
{
        return json_write_bytes(f, s, strlen(s));
}

bool json_utf8_valid(const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s;

        for (size_t i = 0; i < len;) {
                size_t n = p[i] ? utf8_valid_len(p + i, len - i) : 0;
                if (n == 0)
                        return false;
                i += n;
        }
        return true;
}

int json_write_bytes(FILE *f, const char *s, size_t len)
{
        const unsigned char *p = (const unsigned char *)s, *end = p + len;

        fputc('"', f);
        while (p < end) {
                size_t n = utf8_valid_len(p, (size_t)(end - p));
                unsigned char c = *p;

                if (n == 0) {
                        fputs("\xef\xbf\xbd", f); /* U+FFFD for this byte */
                        p++;
                        continue;
                }
                if (n > 1) {
                        fwrite(p, 1, n, f);
                        p += n;
                        continue;
                }
                switch (c) {
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                case '\r':
                        fputs("\\r", f);
                        break;
                case '\t':
                        fputs("\\t", f);
                        break;
                case '\b':
                        fputs("\\b", f);
                        break;
                case '\f':
                        fputs("\\f", f);
                        break;
                default:
                        if (c < 0x20)
                                fprintf(f, "\\u%04x", c);
                        else
                                fputc(c, f);
                }
                p++;
        }
        fputc('"', f);
        return ferror(f) ? -1 : 0;
}
