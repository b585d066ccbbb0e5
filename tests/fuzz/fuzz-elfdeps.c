/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ELF dependency walker (elfdeps.c): PT_INTERP and DT_NEEDED of
 * sftp-server, read at every login.  The input is the file.  Invariants:
 * what it accepts are names the launcher can bind-mount safely: an
 * absolute interpreter, library names without '/', all NUL-terminated. */
#include "elfdeps.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct elf_info info;
        const char *why = NULL;
        /* A copy of exactly size bytes: ASan catches a read past its end. */
        unsigned char *buf = malloc(size ? size : 1);

        FUZZ_CHECK(buf != NULL);
        if (size)
                memcpy(buf, data, size);
        if (elf_parse(buf, size, &info, &why) < 0) {
                FUZZ_CHECK(why != NULL && why[0]);
        } else {
                FUZZ_CHECK(memchr(info.interp, '\0', sizeof(info.interp)));
                FUZZ_CHECK(info.interp[0] == '\0' || info.interp[0] == '/');
                FUZZ_CHECK(info.n_needed <= ELF_MAX_NEEDED);
                for (size_t i = 0; i < info.n_needed; i++) {
                        FUZZ_CHECK(memchr(info.needed[i], '\0', sizeof(info.needed[i])));
                        FUZZ_CHECK(info.needed[i][0] && !strchr(info.needed[i], '/'));
                }
        }
        free(buf);
        return 0;
}
