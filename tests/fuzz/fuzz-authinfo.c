/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sshd's ExposeAuthInfo text (authinfo.c), read by the supervisor as the
 * user: the key that authenticated, as "TYPE SHA256:FP".  The input is the
 * file.  Invariants: the result is one printable token pair, nothing a
 * log line could be forged with. */
#include "authinfo.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char out[AUTHINFO_KEY_MAX];
        char *text = malloc(size ? size : 1); /* exactly size bytes, not NUL-terminated */

        FUZZ_CHECK(text != NULL);
        if (size)
                memcpy(text, data, size);
        memset(out, 'X', sizeof(out));
        if (authinfo_parse(text, size, out) == 0) {
                FUZZ_CHECK(memchr(out, '\0', sizeof(out)));
                const char *fp = strstr(out, " SHA256:");
                FUZZ_CHECK(fp && fp > out && strlen(fp) == 8 + 43);
                for (const char *c = out; *c; c++)
                        FUZZ_CHECK(c == fp || ((unsigned char)*c > ' ' && (unsigned char)*c < 0x7f));
                FUZZ_CHECK(strchr(out, ' ') == fp);
        }
        free(text);
        return 0;
}
