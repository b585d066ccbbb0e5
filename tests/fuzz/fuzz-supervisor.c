/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's text handling of sftp-server's messages (supervisor.c,
 * records.c): supervisor_parse_close(), log_escape(), vis_decode().  The
 * input: first byte = size of log_escape's output buffer (0 = roomy), the
 * rest one message.  Invariants:
 *   - log_escape's output never holds a byte below 0x20 or DEL, never
 *     exceeds its buffer, and unescaped as docs/records.md says (\\ \" \n
 *     \r \t \xNN) gives back exactly the bytes it consumed; with room
 *     enough it consumes everything;
 *   - vis_decode() undoes strnvis(VIS_SAFE | VIS_OCTAL) as sftp-server's
 *     log.c applies it, and never writes more than it reads;
 *   - a close message parsed for its counts starts with close " and ends
 *     with the counts. */
#include "fuzz.h"
#include "records.h"
#include "supervisor.h"

static int hexval(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

/* docs/records.md: an independent unescaper.  -1 if out is not valid
 * escaped text. */
static long unescape(const char *in, char *out)
{
        size_t o = 0;

        for (const char *p = in; *p; p++) {
                if (*p == '"')
                        return -1; /* a raw quote would end the field */
                if (*p != '\\') {
                        out[o++] = *p;
                        continue;
                }
                switch (*++p) {
                case '\\': out[o++] = '\\'; break;
                case '"': out[o++] = '"'; break;
                case 'n': out[o++] = '\n'; break;
                case 'r': out[o++] = '\r'; break;
                case 't': out[o++] = '\t'; break;
                case 'x':
                        if (hexval(p[1]) < 0 || hexval(p[2]) < 0)
                                return -1;
                        out[o++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
                        p += 2;
                        break;
                default:
                        return -1; /* includes a lone '\' at the end */
                }
        }
        return (long)o;
}

static void check_escape(const char *msg, size_t len, size_t outlen)
{
        char *out = malloc(outlen), *back = malloc(outlen);

        FUZZ_CHECK(out && back);
        memset(out, 'Z', outlen);
        size_t used = log_escape(msg, len, out, outlen);
        FUZZ_CHECK(used <= len);
        size_t olen = strnlen(out, outlen);
        FUZZ_CHECK(olen < outlen);
        for (size_t i = 0; i < olen; i++)
                FUZZ_CHECK((unsigned char)out[i] >= 0x20 && (unsigned char)out[i] != 0x7f);
        long blen = unescape(out, back);
        FUZZ_CHECK(blen >= 0 && (size_t)blen == used && memcmp(back, msg, used) == 0);
        /* 4 bytes per input byte at most: with that room nothing is cut. */
        if (outlen > 4 * len)
                FUZZ_CHECK(used == len);
        free(out);
        free(back);
}

/* strnvis(VIS_SAFE | VIS_OCTAL), as OpenSSH's log.c calls it: '\' doubled,
 * every byte but printable ASCII, space, tab, CR, LF, BEL, BS as \ooo. */
static size_t vis_encode(const char *in, size_t len, char *out)
{
        size_t o = 0;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)in[i];
                if (c == '\\') {
                        out[o++] = '\\', out[o++] = '\\';
                } else if ((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n' || c == '\a' || c == '\b') {
                        out[o++] = (char)c;
                } else {
                        out[o++] = '\\';
                        out[o++] = (char)('0' + (c >> 6));
                        out[o++] = (char)('0' + ((c >> 3) & 7));
                        out[o++] = (char)('0' + (c & 7));
                }
        }
        return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        if (size < 1)
                return 0;
        size_t outlen = data[0] ? data[0] : 4 * (size - 1) + 1;
        size_t len = size - 1;
        char *msg = malloc(len ? len : 1); /* exactly len bytes */

        FUZZ_CHECK(msg != NULL);
        if (len)
                memcpy(msg, data + 1, len);

        check_escape(msg, len, outlen);

        uint64_t rd = 0, wr = 0;
        if (supervisor_parse_close(msg, len, &rd, &wr) == 1) {
                FUZZ_CHECK(len >= 7 && memcmp(msg, "close \"", 7) == 0);
                FUZZ_CHECK(msg[len - 1] >= '0' && msg[len - 1] <= '9');
        }

        /* vis_decode of anything: no more bytes out than in. */
        char *dec = malloc(len ? len : 1);
        FUZZ_CHECK(dec != NULL);
        FUZZ_CHECK(vis_decode(msg, len, dec) <= len);
        /* And it undoes sftp-server's encoding exactly. */
        char *enc = malloc(4 * len + 1);
        FUZZ_CHECK(enc != NULL);
        size_t elen = vis_encode(msg, len, enc);
        char *round = malloc(elen ? elen : 1);
        FUZZ_CHECK(round != NULL);
        size_t rlen = vis_decode(enc, elen, round);
        FUZZ_CHECK(rlen == len && memcmp(round, msg, len) == 0);
        free(round);
        free(enc);
        free(dec);
        free(msg);
        return 0;
}
