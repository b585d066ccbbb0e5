/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The lookup child's answer (identity.c): the launcher reads it from a
 * process that ran NSS modules, foreign code.  The input is the answer.
 * Invariants: an accepted answer holds only names identity_name_ok()
 * allows (they go into the jail's passwd and group files and into log
 * lines), at most POLICY_MAX_GROUPS groups, each once; encoding it and
 * decoding again gives the same identity; a refusal leaves nothing
 * allocated and says why. */
#include "fuzz.h"
#include "identity.h"

static bool same(const struct identity *a, const struct identity *b)
{
        if (strcmp(a->name, b->name) != 0 || strcmp(a->home, b->home) != 0 || !a->group != !b->group ||
            (a->group && strcmp(a->group, b->group) != 0) || a->n_groups != b->n_groups)
                return false;
        for (size_t i = 0; i < a->n_groups; i++)
                if (strcmp(a->groups[i], b->groups[i]) != 0)
                        return false;
        return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *buf = malloc(size ? size : 1); /* exactly size bytes */
        char err[256] = "";
        struct identity id, again;

        FUZZ_CHECK(buf != NULL);
        if (size)
                memcpy(buf, data, size);
        if (identity_decode(buf, size, &id, err, sizeof(err)) < 0) {
                FUZZ_CHECK(id.name == NULL && id.home == NULL && id.group == NULL && id.n_groups == 0);
                FUZZ_CHECK(err[0] != '\0' || (size == 1 && buf[0] == 'E'));
                for (const char *c = err; *c; c++)
                        FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
                free(buf);
                return 0;
        }
        FUZZ_CHECK(identity_name_ok(id.name) && identity_name_ok(id.home));
        FUZZ_CHECK(!id.group || identity_name_ok(id.group));
        FUZZ_CHECK(id.n_groups <= POLICY_MAX_GROUPS);
        for (size_t i = 0; i < id.n_groups; i++) {
                FUZZ_CHECK(identity_name_ok(id.groups[i]));
                for (size_t j = 0; j < i; j++)
                        FUZZ_CHECK(strcmp(id.groups[i], id.groups[j]) != 0);
        }
        char *enc = NULL;
        size_t len = 0;
        FUZZ_CHECK(identity_encode(&id, &enc, &len) == 0);
        FUZZ_CHECK(identity_decode(enc, len, &again, err, sizeof(err)) == 0);
        FUZZ_CHECK(same(&id, &again));
        identity_free(&again);
        identity_free(&id);
        free(enc);
        free(buf);
        return 0;
}
