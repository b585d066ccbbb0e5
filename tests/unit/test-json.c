/* SPDX-License-Identifier: GPL-2.0-or-later */
/* json_write_string: exact output for hostile strings, and the whole set
 * parsed back by Python's json module, each value re-encoded by it to the
 * very bytes we wrote. */
#include <stdlib.h>
#include <unistd.h>

#include "json.h"
#include "tap.h"

static const struct {
        const char *in, *out, *what;
} cases[] = {
        { "", "\"\"", "empty" },
        { "plain 127.0.0.1 22", "\"plain 127.0.0.1 22\"", "plain text unchanged" },
        { "a\"b", "\"a\\\"b\"", "quote escaped" },
        { "a\\b", "\"a\\\\b\"", "backslash escaped" },
        { "\"\\\"", "\"\\\"\\\\\\\"\"", "quote, backslash, quote" },
        { "l1\nl2\r\t\b\f", "\"l1\\nl2\\r\\t\\b\\f\"", "short escapes" },
        { "\x01\x1b[31m\x1f", "\"\\u0001\\u001b[31m\\u001f\"", "other control characters as \\u00XX" },
        { "del\x7f", "\"del\x7f\"", "DEL needs no escape" },
        { "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91", "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91\"",
          "valid 2-, 3- and 4-byte UTF-8 copied" },
        { "a\xff" "b", "\"a\xef\xbf\xbd" "b\"", "invalid byte 0xff replaced by U+FFFD" },
        { "\x80\xbf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "stray continuation bytes: one U+FFFD each" },
        { "\xc0\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\"", "overlong '/' (C0 AF) replaced" },
        { "\xe0\x80\xaf", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "overlong 3-byte form replaced" },
        { "\xed\xa0\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "UTF-16 surrogate replaced" },
        { "\xf4\x90\x80\x80", "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", "above U+10FFFF replaced" },
        { "x\xe2\x82", "\"x\xef\xbf\xbd\xef\xbf\xbd\"", "sequence truncated by the end of the string" },
        { "\xe2\x82\"", "\"\xef\xbf\xbd\xef\xbf\xbd\\\"\"", "truncated sequence before a quote: quote still escaped" },
};

static char *render(const char *s)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        if (!f)
                return NULL;
        if (json_write_string(f, s) < 0) {
                fclose(f);
                free(buf);
                return NULL;
        }
        fclose(f);
        return buf;
}

/* Python reads the array and re-encodes each value (ensure_ascii=False
 * writes the same escapes we do); every one must come back byte-exact. */
static const char check_py[] =
        "import json, sys\n"
        "raw = open(sys.argv[1], 'rb').read()\n"
        "lines = raw.split(b'\\n')[1:-2]\n"
        "vals = json.loads(raw.decode('utf-8', 'strict'))\n"
        "assert len(vals) == len(lines) == int(sys.argv[2]), (len(vals), len(lines))\n"
        "for v, l in zip(vals, lines):\n"
        "    assert json.dumps(v, ensure_ascii=False).encode() == l.rstrip(b','), (v, l)\n";

int main(void)
{
        char path[] = "/tmp/test-json.XXXXXX", cmd[512];
        int fd = mkstemp(path);
        FILE *all = fd >= 0 ? fdopen(fd, "w") : NULL;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *out = render(cases[i].in);
                CHECK(out && strcmp(out, cases[i].out) == 0, "%s", cases[i].what);
                free(out);
        }
        CHECK(all != NULL, "temporary file");
        if (!all)
                return tap_done();
        fputs("[\n", all);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_write_string(all, cases[i].in);
                fputs(i + 1 < sizeof(cases) / sizeof(cases[0]) ? ",\n" : "\n", all);
        }
        fputs("]\n", all);
        CHECK(fclose(all) == 0, "array written");
        snprintf(cmd, sizeof(cmd), "python3 -c \"$PY\" %s %zu", path, sizeof(cases) / sizeof(cases[0]));
        setenv("PY", check_py, 1);
        CHECK(system(cmd) == 0, "python3 json parses the output and re-encodes every value to the same bytes");
        unlink(path);
        return tap_done();
}
