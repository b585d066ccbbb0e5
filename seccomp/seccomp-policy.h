/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp policy text (seccomp/sftp-server.policy) as data.  Parsing is
 * pure; compiling it to BPF happens at build time (seccomp/compile.c), so a
 * login only loads a finished program. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* SP_ALLOW_UNLESS: allowed unless the argument has every one of the listed
 * bits (values[0] is their OR; value_names[0] says so in words). */
enum sp_action { SP_ALLOW, SP_ERRNO, SP_KILL, SP_ALLOW_ARG, SP_ALLOW_UNLESS };

#define SP_MAX_VALUES 16

struct sp_entry {
        enum sp_action action;
        int err;                 /* SP_ERRNO */
        char syscall[64];
        int arg;                 /* SP_ALLOW_ARG: argument index */
        size_t n_values;         /* SP_ALLOW_ARG: allowed values (low 32 bits) */
        uint32_t values[SP_MAX_VALUES];
        char value_names[SP_MAX_VALUES][32];
        size_t group;            /* index into sp_policy.groups */
        int line;
};

struct sp_policy {
        size_t n;
        struct sp_entry *e;
        size_t n_groups;
        char (*groups)[512];     /* "name: reason" (longer is refused) */
};

/* Returns 0, or -1 with "line N: what" in err. */
int sp_parse(const char *text, struct sp_policy *p, char *err, size_t errlen);
void sp_free(struct sp_policy *p);

const char *sp_errno_name(int err);
