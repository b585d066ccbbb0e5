/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by the libFuzzer targets (tests/fuzz/fuzz-*.c, -Dfuzz=true). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test: a broken one is a finding. */
#define FUZZ_CHECK(cond)                                                                                     \
        do {                                                                                                 \
                if (!(cond)) {                                                                               \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);        \
                        abort();                                                                             \
                }                                                                                            \
        } while (0)

/* The input as a NUL-terminated string (malloc'd: ASan sees its exact end). */
static inline char *fuzz_strndup(const uint8_t *data, size_t size)
{
        char *s = malloc(size + 1);

        if (!s)
                abort();
        if (size)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* Split the input at each separator byte, at most max pieces, each a
 * malloc'd NUL-terminated string; returns how many. */
static inline size_t fuzz_split(const uint8_t *data, size_t size, uint8_t sep, char **out, size_t max)
{
        size_t n = 0, start = 0;

        for (size_t i = 0; i <= size && n < max; i++)
                if (i == size || data[i] == sep) {
                        out[n++] = fuzz_strndup(data + start, i - start);
                        start = i + 1;
                }
        return n;
}
