/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key of sshd's ExposeAuthInfo file: the fingerprint ssh-keygen -l
 * prints, and malformed files refused. */
#include <stdlib.h>
#include <string.h>

#include "authinfo.h"

#include "tap.h"

static int parse(const char *t, char *out)
{
        return authinfo_parse(t, strlen(t), out);
}

int main(void)
{
        char out[AUTHINFO_KEY_MAX];
        /* ssh-keygen -lf: 256 SHA256:9LsAv4oqRekDrteEKBU7/ZmdT+ETaa6yTRO/D1KlpOs (ED25519) */
        static const char key[] = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFgWhj+Rb6uL7EudFSzBDcgL0m8ccbPU6b7/PwtZOzfF";
        static const char fp[] = "ssh-ed25519 SHA256:9LsAv4oqRekDrteEKBU7/ZmdT+ETaa6yTRO/D1KlpOs";
        char text[512];

        strcpy(text, "publickey ");
        strcat(text, key);
        strcat(text, "\n");
        CHECK(parse(text, out) == 0 && strcmp(out, fp) == 0, "publickey line: %s", out);
        strcpy(text, "password\npublickey ");
        strcat(text, key);
        CHECK(parse(text, out) == 0 && strcmp(out, fp) == 0, "second method, no final newline");
        CHECK(parse("password\n", out) < 0, "no key: none");
        CHECK(parse("publickey ssh-ed25519\n", out) < 0, "no blob: refused");
        CHECK(parse("publickey ssh-ed25519 !!!!\n", out) < 0, "not base64: refused");
        CHECK(parse("publickey ssh\x01x AAAA\n", out) < 0, "control byte in the type: refused");
        CHECK(parse("", out) < 0, "empty file");
        /* The text is what read() returned, not NUL-terminated: the blob
         * is read up to the end of the line or of the text, never past
         * (the sanitizer build sees the malloc'd copy's end). */
        strcpy(text, "publickey ");
        strcat(text, key);
        size_t n = strlen(text);
        char *exact = malloc(n);
        memcpy(exact, text, n);
        CHECK(authinfo_parse(exact, n, out) == 0 && strcmp(out, fp) == 0, "blob up to the end of the text");
        free(exact);
        CHECK(authinfo_read("/nonexistent/x", out) < 0, "missing file");
        return tap_done();
}
