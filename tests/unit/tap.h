/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Minimal TAP producer for the unit tests. */
#pragma once
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

#define CHECK(cond, ...)                                              \
        do {                                                          \
                int tap_ok_ = !!(cond); /* evaluate once */           \
                tap_n++;                                              \
                if (tap_ok_) {                                        \
                        printf("ok %d - ", tap_n);                    \
                } else {                                              \
                        tap_failed++;                                 \
                        printf("not ok %d - ", tap_n);                \
                }                                                     \
                printf(__VA_ARGS__);                                  \
                printf("\n");                                         \
                if (!tap_ok_)                                         \
                        printf("#   failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
        } while (0)

static inline int tap_done(void)
{
        printf("1..%d\n", tap_n);
        return tap_failed ? 1 : 0;
}
