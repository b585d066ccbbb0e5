/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "authinfo.h"

#include <fcntl.h>
#include <nettle/base64.h>
#include <nettle/sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define AUTHINFO_FILE_MAX 65536
#define B64 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="

static int fingerprint(const char *type, size_t tlen, const char *b64, size_t blen, char out[AUTHINFO_KEY_MAX])
{
        struct base64_decode_ctx dctx;
        struct sha256_ctx h;
        uint8_t blob[16384], digest[SHA256_DIGEST_SIZE];
        char enc[BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE) + 1];
        size_t n = sizeof(blob);

        if (!tlen || tlen > 64 || !blen || BASE64_DECODE_LENGTH(blen) > sizeof(blob))
                return -1;
        base64_decode_init(&dctx);
        if (!base64_decode_update(&dctx, &n, blob, blen, b64) || !base64_decode_final(&dctx) || n == 0)
                return -1;
        sha256_init(&h);
        sha256_update(&h, n, blob);
        sha256_digest(&h, sizeof(digest), digest);
        base64_encode_raw(enc, sizeof(digest), digest);
        /* Unpadded, as OpenSSH prints it. */
        size_t elen = BASE64_ENCODE_RAW_LENGTH(SHA256_DIGEST_SIZE);
        while (elen > 0 && enc[elen - 1] == '=')
                elen--;
        snprintf(out, AUTHINFO_KEY_MAX, "%.*s SHA256:%.*s", (int)tlen, type, (int)elen, enc);
        return 0;
}

int authinfo_parse(const char *text, size_t len, char out[AUTHINFO_KEY_MAX])
{
        static const char head[] = "publickey ";
        const char *p = text, *end = text + len;

        while (p < end) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                const char *eol = nl ? nl : end;
                size_t l = (size_t)(eol - p);

                if (l > sizeof(head) - 1 && memcmp(p, head, sizeof(head) - 1) == 0) {
                        const char *t = p + sizeof(head) - 1;
                        const char *sp = memchr(t, ' ', (size_t)(eol - t));
                        if (!sp)
                                return -1;
                        const char *b = sp + 1;
                        /* Within the line: the text is not NUL-terminated
                         * (authinfo_read() passes what read() returned). */
                        size_t blen = 0;
                        while (b + blen < eol && b[blen] && strchr(B64, b[blen]))
                                blen++;
                        /* The type: printable, no spaces. */
                        for (const char *c = t; c < sp; c++)
                                if (*c <= ' ' || *c > '~')
                                        return -1;
                        return fingerprint(t, (size_t)(sp - t), b, blen, out);
                }
                p = eol + 1;
        }
        return -1;
}

int authinfo_read(const char *path, char out[AUTHINFO_KEY_MAX])
{
        char buf[AUTHINFO_FILE_MAX];
        struct stat st;
        ssize_t n;
        int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

        if (fd < 0)
                return -1;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != getuid() || st.st_size > AUTHINFO_FILE_MAX ||
            (n = read(fd, buf, sizeof(buf))) <= 0) {
                close(fd);
                return -1;
        }
        close(fd);
        return authinfo_parse(buf, (size_t)n, out);
}
