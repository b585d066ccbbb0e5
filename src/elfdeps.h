/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Just enough ELF to find what the dynamic loader will open for
 * sftp-server: its PT_INTERP and DT_NEEDED entries.  Resolved at every login
 * from the installed binary, so an OpenSSH or glibc upgrade needs no change
 * to the jail.  elf_parse() is a pure function over a buffer. */
#pragma once

#include <stddef.h>

#define ELF_MAX_NEEDED 16
#define ELF_NAME_MAX 256

struct elf_info {
        char interp[ELF_NAME_MAX]; /* "" if none */
        size_t n_needed;
        char needed[ELF_MAX_NEEDED][ELF_NAME_MAX];
        int has_runpath; /* DT_RUNPATH/DT_RPATH: not supported, refused */
};

/* Returns 0, or -1 with *why set to a static reason. */
int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out, const char **why);
