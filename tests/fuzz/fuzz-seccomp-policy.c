/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The seccomp policy compiler (seccomp/seccomp-policy.c parses the text,
 * seccomp-build.c turns it into a libseccomp filter).  The input is the
 * policy's text.  Invariants: a parsed policy's entries name a group that
 * exists, hold NUL-terminated names and at most SP_MAX_VALUES values; a
 * refusal always says why. */
#include "fuzz.h"
#include "seccomp-build.h"
#include "seccomp-policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = fuzz_strndup(data, size);
        struct sp_policy p;
        char err[512] = "";

        if (sp_parse(text, &p, err, sizeof(err)) < 0) {
                FUZZ_CHECK(p.n == 0 && p.e == NULL && p.groups == NULL);
                free(text);
                return 0;
        }
        for (size_t i = 0; i < p.n; i++) {
                const struct sp_entry *e = &p.e[i];
                FUZZ_CHECK(e->group < p.n_groups);
                FUZZ_CHECK(memchr(e->syscall, '\0', sizeof(e->syscall)) && e->syscall[0]);
                FUZZ_CHECK(e->n_values <= SP_MAX_VALUES);
                FUZZ_CHECK(e->action <= SP_ALLOW_UNLESS);
                if (e->action == SP_ALLOW_ARG || e->action == SP_ALLOW_UNLESS)
                        FUZZ_CHECK(e->arg >= 0 && e->arg <= 5 && e->n_values >= 1);
                if (e->action == SP_ALLOW_UNLESS)
                        FUZZ_CHECK(e->values[0] != 0);
                if (e->action == SP_ERRNO)
                        FUZZ_CHECK(sp_errno_name(e->err) != NULL);
                for (size_t v = 0; v < e->n_values; v++)
                        FUZZ_CHECK(memchr(e->value_names[v], '\0', sizeof(e->value_names[v])));
        }
        for (size_t g = 0; g < p.n_groups; g++)
                FUZZ_CHECK(memchr(p.groups[g], '\0', sizeof(p.groups[g])) && strchr(p.groups[g], ':'));

        err[0] = '\0';
        scmp_filter_ctx ctx = sp_build(&p, err, sizeof(err));
        if (ctx)
                seccomp_release(ctx);
        else
                FUZZ_CHECK(err[0] != '\0');
        sp_free(&p);
        free(text);
        return 0;
}
