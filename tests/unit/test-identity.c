/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's lookup child answers on a pipe (identity.c): what it
 * writes decodes back to the same identity, and an answer that is not one
 * it could have written -- cut short, a name with ':' or a control
 * character, a missing field, an error text with a newline -- is refused
 * with one message, never half-used. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "identity.h"

#include "tap.h"

#define MALFORMED "the user and group lookup gave a malformed answer"

static int dec(const char *buf, size_t len, struct identity *id, char *err)
{
        return identity_decode(buf, len, id, err, 256);
}

static bool refused(const char *buf, size_t len)
{
        struct identity id;
        char err[256] = "";
        int r = dec(buf, len, &id, err);

        return r < 0 && strcmp(err, MALFORMED) == 0 && id.name == NULL && id.n_groups == 0;
}

#define LIT(s) (s), sizeof(s) - 1 /* with the NULs inside, not the last */

int main(void)
{
        struct identity in = { .name = "alice", .home = "/home/alice", .group = "alice", .n_groups = 3,
                               .groups = { "alice", "sftp users", "ops" } };
        struct identity out;
        char err[256], *buf = NULL;
        size_t len = 0;

        CHECK(identity_encode(&in, &buf, &len) == 0, "encode");
        CHECK(dec(buf, len, &out, err) == 0, "decode what encode wrote");
        CHECK(strcmp(out.name, "alice") == 0 && strcmp(out.home, "/home/alice") == 0 &&
                      strcmp(out.group, "alice") == 0,
              "name, home, primary group");
        CHECK(out.n_groups == 3 && strcmp(out.groups[0], "alice") == 0 && strcmp(out.groups[1], "sftp users") == 0 &&
                      strcmp(out.groups[2], "ops") == 0,
              "the groups, in order");
        CHECK(out.uid == getuid() && out.gid == getgid(), "the ids are the caller's, not the answer's");
        identity_free(&out);
        /* Every proper prefix is refused. */
        bool all = true;
        for (size_t n = 0; n < len; n++)
                all = all && refused(buf, n);
        CHECK(all, "each of the %zu shorter prefixes is refused", len);
        free(buf);

        struct identity nog = { .name = "bob", .home = "/srv/bob" };
        buf = NULL;
        CHECK(identity_encode(&nog, &buf, &len) == 0 && dec(buf, len, &out, err) == 0 && out.group == NULL &&
                      out.n_groups == 0,
              "no primary group name, no groups");
        identity_free(&out);
        free(buf);

        CHECK(dec(LIT("Oa\0/h\0g\0\0"), &out, err) == 0 && out.n_groups == 0, "the shortest answer (a control)");
        identity_free(&out);
        CHECK(refused(LIT("O\0/h\0g\0\0")), "empty name refused");
        CHECK(refused(LIT("Oa\0\0g\0\0")), "empty home refused");
        CHECK(refused(LIT("Oa:b\0/h\0g\0\0")), "name with ':' refused");
        CHECK(refused(LIT("Oa\n\0/h\0g\0\0")), "name with a newline refused");
        CHECK(refused(LIT("Oa\0/h\x7f\0g\0\0")), "home with DEL refused");
        CHECK(refused(LIT("Oa\0/h\0g\r\0\0")), "primary group with CR refused");
        CHECK(refused(LIT("Oa\0/h\0g\0\0ok\0\0")), "anything after the end refused");
        CHECK(refused(LIT("Oa\0/h\0g\0bad\tname\0\0")), "a group with a tab refused");
        CHECK(refused(LIT("Oa\0/h\0g\0last")), "a last name without its NUL refused");
        CHECK(refused(LIT("Oa\0/h\0g\0ok\0")), "groups without the end refused");
        CHECK(refused(LIT("Oa\0/h\0g\0")), "no groups and no end refused");
        CHECK(refused(LIT("Oa\0/h\0")), "no primary group field refused");
        CHECK(refused(LIT("X")), "unknown answer type refused");
        CHECK(refused(LIT("")), "nothing refused");

        CHECK(dec(LIT("Eno passwd entry for uid 1234"), &out, err) < 0 &&
                      strcmp(err, "no passwd entry for uid 1234") == 0 && out.name == NULL,
              "an error answer: its text");
        CHECK(refused(LIT("Efirst line\nsftpjail: forged")), "an error text with a newline refused");
        CHECK(refused(LIT("Ea\0b")), "an error text with a NUL refused");

        /* More groups than a policy keeps: cut at the limit, as getgroups(). */
        char many[POLICY_MAX_GROUPS * 8 + 64];
        size_t m = (size_t)snprintf(many, sizeof(many), "Ou%c/h%cg%c", 0, 0, 0);
        for (int i = 0; i < POLICY_MAX_GROUPS + 5; i++)
                m += (size_t)snprintf(many + m, sizeof(many) - m, "g%d%c", i, 0);
        many[m++] = '\0'; /* the end */
        CHECK(dec(many, m, &out, err) == 0 && out.n_groups == POLICY_MAX_GROUPS, "groups past %d are left out",
              POLICY_MAX_GROUPS);
        identity_free(&out);
        return tap_done();
}
