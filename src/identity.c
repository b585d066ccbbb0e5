/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "identity.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

bool identity_name_ok(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (*s == ':' || (unsigned char)*s < 0x20 || *s == 0x7f)
                        return false;
        return true;
}

static int add_group(struct identity *id, const char *name)
{
        for (size_t k = 0; k < id->n_groups; k++)
                if (streq(id->groups[k], name))
                        return 0;
        if (id->n_groups >= POLICY_MAX_GROUPS)
                return 0;
        if (!(id->groups[id->n_groups] = strdup(name)))
                return -1;
        id->n_groups++;
        return 0;
}

/* The one rule: the passwd entry's name and home must be usable, the
 * primary group comes first, then the others in the order given, each
 * once; a group without a usable name is left out (no rule can name it). */
static int fill(struct identity *id, const struct passwd *pw, uid_t uid, gid_t gid, const gid_t *gids, int n,
                char *err, size_t errlen)
{
        struct group *gr;

        *id = (struct identity){ .uid = uid, .gid = gid };
        if (!identity_name_ok(pw->pw_name) || !identity_name_ok(pw->pw_dir)) {
                errorf(err, errlen, "user name or home of uid %u contains unsupported characters", uid);
                return -1;
        }
        if (!(id->name = strdup(pw->pw_name)) || !(id->home = strdup(pw->pw_dir)))
                goto oom;
        errno = 0;
        gr = getgrgid(gid);
        if (gr && identity_name_ok(gr->gr_name)) {
                if (!(id->group = strdup(gr->gr_name)) || add_group(id, gr->gr_name) < 0)
                        goto oom;
        }
        for (int i = 0; i < n; i++) {
                if (gids[i] == gid)
                        continue;
                gr = getgrgid(gids[i]);
                if (gr && identity_name_ok(gr->gr_name) && add_group(id, gr->gr_name) < 0)
                        goto oom;
        }
        return 0;
oom:
        identity_free(id);
        return errorf(err, errlen, "out of memory");
}

int identity_of_caller(struct identity *id, char *err, size_t errlen)
{
        _cleanup_free_ gid_t *gids = NULL;
        struct passwd *pw;
        int n;

        /* The kernel's ids, not a name from the environment. */
        errno = 0;
        pw = getpwuid(getuid());
        if (!pw)
                return errorf(err, errlen, "no passwd entry for uid %u%s%s", getuid(), errno ? ": " : "",
                            errno ? strerror(errno) : "");
        n = getgroups(0, NULL);
        if (n < 0 || !(gids = calloc((size_t)n + 1, sizeof(*gids))) || (n = getgroups(n, gids)) < 0)
                return errorf(err, errlen, "getgroups: %s", strerror(errno));
        return fill(id, pw, getuid(), getgid(), gids, n, err, errlen);
}

int identity_by_name(const char *name, struct identity *id, char *err, size_t errlen)
{
        gid_t gids[POLICY_MAX_GROUPS];
        int n = POLICY_MAX_GROUPS;
        struct passwd *pw;

        errno = 0;
        pw = getpwnam(name);
        if (!pw)
                return errorf(err, errlen, "no such user");
        /* getgrouplist() includes the primary group; fill() skips it.  A
         * member of more groups than we keep is cut at the limit, as
         * getgroups() above would be. */
        if (getgrouplist(pw->pw_name, pw->pw_gid, gids, &n) < 0)
                n = POLICY_MAX_GROUPS;
        return fill(id, pw, pw->pw_uid, pw->pw_gid, gids, n, err, errlen);
}

void identity_free(struct identity *id)
{
        free((char *)id->name);
        free((char *)id->home);
        free((char *)id->group);
        for (size_t i = 0; i < id->n_groups; i++)
                free((char *)id->groups[i]);
        *id = (struct identity){ 0 };
}
