/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "elfdeps.h"
#include "tap.h"

static unsigned char *load(const char *path, size_t *len)
{
        int fd = open(path, O_RDONLY);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        unsigned char *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
        close(fd);
        *len = (size_t)st.st_size;
        return m == MAP_FAILED ? NULL : m;
}

int main(void)
{
        struct elf_info info;
        const char *why = NULL;
        size_t len;
        unsigned char *m = load(SFTPJAIL_DEFAULT_SFTP_SERVER, &len);

        CHECK(m != NULL, "read %s", SFTPJAIL_DEFAULT_SFTP_SERVER);
        if (!m)
                return tap_done();
        CHECK(elf_parse(m, len, &info, &why) == 0, "parse sftp-server");
        CHECK(info.interp[0] == '/', "has an interpreter: %s", info.interp);
        int has_libc = 0;
        for (size_t i = 0; i < info.n_needed; i++)
                has_libc |= strcmp(info.needed[i], "libc.so.6") == 0;
        CHECK(has_libc, "needs libc.so.6");

        /* Hostile inputs: never read out of bounds, always refuse. */
        CHECK(elf_parse(m, 10, &info, &why) < 0, "truncated header refused (%s)", why);
        CHECK(elf_parse((const unsigned char *)"#!/bin/sh\n", 10, &info, &why) < 0, "script refused");
        for (size_t cut = 64; cut < len && cut < 70000; cut += 997) {
                /* Must not crash (ASan checks the bounds). */
                (void)elf_parse(m, cut, &info, &why);
        }
        CHECK(1, "truncated copies parse without overrun");
        unsigned char *copy = malloc(len);
        memcpy(copy, m, len);
        /* Corrupt e_phoff to point past the end. */
        copy[0x20] = 0xff, copy[0x21] = 0xff, copy[0x22] = 0xff;
        CHECK(elf_parse(copy, len, &info, &why) < 0, "bad e_phoff refused (%s)", why);
        memcpy(copy, m, len);
        copy[4] = 1; /* ELFCLASS32 */
        CHECK(elf_parse(copy, len, &info, &why) < 0, "foreign class refused (%s)", why);
        free(copy);
        return tap_done();
}
