/* SPDX-License-Identifier: GPL-2.0-or-later */
/* add-user / remove-user: provisioning.  Every input is validated before
 * anything changes; every change is skipped when the state is already
 * right, so running a command twice changes nothing the second time. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "build-config.h"
#include "config.h"
#include "ctl.h"
#include "identity.h"
#include "quota.h"
#include "util.h"

static int changes;

static void changed(const char *what, const char *detail)
{
        printf("%s: %s\n", what, detail);
        changes++;
}

#define KEY_FILE_MAX (64 * 1024)
#define CONFIG_FILE_MAX (1024 * 1024)

static void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* The whole of a regular file of at most max bytes that holds text (no
 * NUL byte), NUL-terminated.  The open does not block on a FIFO and the
 * read stops at max + 1 bytes, so a FIFO, /dev/zero or a growing file
 * cannot hang or exhaust us.  Returns NULL with *why set (a static text,
 * or NULL for errno). */
static char *read_text_file(const char *path, size_t max, const char **why)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        _cleanup_free_ char *buf = NULL;
        size_t len = 0;
        struct stat st;

        *why = NULL;
        if (fd < 0 || fstat(fd, &st) < 0)
                return NULL;
        if (!S_ISREG(st.st_mode)) {
                *why = "not a regular file";
                return NULL;
        }
        if ((unsigned long long)st.st_size > max) {
                *why = max == KEY_FILE_MAX ? "larger than 64 KiB" : "larger than 1 MiB";
                return NULL;
        }
        buf = malloc(max + 2);
        if (!buf)
                return NULL;
        for (;;) {
                ssize_t n = read(fd, buf + len, max + 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return NULL;
                if (n == 0)
                        break;
                len += (size_t)n;
                if (len > max) {
                        *why = max == KEY_FILE_MAX ? "larger than 64 KiB" : "larger than 1 MiB";
                        return NULL;
                }
        }
        if (memchr(buf, '\0', len)) {
                *why = "contains a NUL byte";
                return NULL;
        }
        buf[len] = '\0';
        char *text = buf;
        buf = NULL;
        return text;
}

/* Write atomically (same directory, then rename), root-owned, mode. */
static int write_file_atomic(const char *path, const char *text, mode_t mode)
{
        char tmp[PATH_MAX];
        int fd;
        size_t len = strlen(text);

        snprintf(tmp, sizeof(tmp), "%s.sftpjailctl.XXXXXX", path);
        fd = mkstemp(tmp);
        if (fd < 0)
                return -1;
        if (write(fd, text, len) != (ssize_t)len || fchown(fd, 0, 0) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0 ||
            close(fd) < 0 || rename(tmp, path) < 0) {
                unlink(tmp);
                return -1;
        }
        return 0;
}

/* Before add-user changes anything: can the filesystem enforce the quota
 * the edited configuration gives the user (whatever rule gives it)?  The
 * writable area may not exist yet; its nearest existing directory is on
 * the filesystem it will be made on.  The rule is the launcher's
 * (quota_check_fs), so a login would be refused for the same reason. */
static int precheck_quota(const struct config *c, const char *name, const char *home)
{
        struct identity known, id = { .name = name, .home = home, .group = name, .n_groups = 1, .groups = { name } };
        bool have = false, member = false;
        struct policy p;
        char err[1024], path[PATH_MAX * 2];
        const char *rel;
        int r = 0;

        if (identity_by_name(name, &known, err, sizeof(err)) == 0) {
                have = true;
                id = known; /* the pointers; freed below */
                id.home = home;
        }
        for (size_t i = 0; i < id.n_groups; i++)
                member |= streq(id.groups[i], JAIL_GROUP);
        if (!member && id.n_groups < POLICY_MAX_GROUPS)
                id.groups[id.n_groups++] = JAIL_GROUP; /* add-user makes it a member */
        if (policy_resolve(c, &id, &p) == 0 && limits_have_quota(&p.limits) &&
            (rel = quota_area(p.access, p.uploads))) {
                snprintf(path, sizeof(path), "%s%s%s", home, *rel ? "/" : "", rel);
                _cleanup_close_ int fd = -1;
                /* No symlink followed: the uploads directory is the
                 * user's, who could point it at another filesystem. */
                while ((fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0 && errno == ENOENT) {
                        char *slash = strrchr(path, '/');
                        if (!slash || (slash == path && !path[1]))
                                break;
                        slash[slash == path] = '\0'; /* "/x" -> "/" */
                }
                if (fd < 0) {
                        int e = errno; /* ENOTDIR or ELOOP for a symlink */
                        struct stat st;
                        bool link = lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
                        ctl_error("user %s: %s: %s; nothing was changed", name, path,
                                  link ? "a symlink, refusing" : strerror(e));
                        r = -1;
                } else if (quota_check_fs(fd, path, err, sizeof(err)) < 0) {
                        ctl_error("user %s: %s; nothing was changed", name, err);
                        r = -1;
                }
        }
        if (have)
                identity_free(&known);
        return r;
}

/* The configuration with a [user NAME] edit applied (or, with remove,
 * the section taken out), validated before it is written.  dry: only
 * check the edit, and, given home, that its quota can be enforced.
 * Returns 0, or -1 with a message. */
static int update_config(const char *name, const struct ctl_user_keys *keys, bool remove, bool dry, const char *home)
{
        char err[1024];
        struct config c;
        _cleanup_free_ char *text = NULL, *next = NULL;

        if (config_load(SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                ctl_error("%s; fix it first (sftpjailctl doctor)", err);
                return -1;
        }
        config_free(&c);
        const char *why;
        text = read_text_file(SFTPJAIL_CONFIG_FILE, CONFIG_FILE_MAX, &why);
        next = text ? ctl_edit_config(text, name, keys, remove) : NULL;
        if (!next) {
                ctl_error("%s: %s", SFTPJAIL_CONFIG_FILE, why ? why : strerror(errno));
                return -1;
        }
        if (config_parse_string(next, SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                ctl_error("refusing to write an invalid configuration: %s", err);
                return -1;
        }
        int r = dry && home ? precheck_quota(&c, name, home) : 0;
        config_free(&c);
        if (r < 0)
                return -1;
        if (streq(text, next) || dry)
                return 0;
        if (write_file_atomic(SFTPJAIL_CONFIG_FILE, next, 0644) < 0) {
                ctl_error("writing %s: %s", SFTPJAIL_CONFIG_FILE, strerror(errno));
                return -1;
        }
        changed(SFTPJAIL_CONFIG_FILE, remove ? "removed the user's section" : "user section written");
        return 0;
}

/* How many keys ssh-keygen -l finds in text: it is given the very bytes we
 * read (a memfd), not the path, which could change in between. */
static int count_keys(const char *text, size_t *n)
{
        _cleanup_close_ int fd = memfd_create("sftpjailctl-key", 0); /* inherited by ssh-keygen */
        _cleanup_free_ char *out = NULL;
        char fdpath[32];
        size_t len = strlen(text);

        if (fd < 0 || write(fd, text, len) != (ssize_t)len)
                return -1;
        snprintf(fdpath, sizeof(fdpath), "/dev/fd/%d", fd);
        char *argv[] = { (char *)"ssh-keygen", (char *)"-l", (char *)"-f", fdpath, NULL };
        /* ssh-keygen's own complaint would be a second line of ours. */
        _cleanup_close_ int saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3),
                            null = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (saved < 0 || null < 0 || dup2(null, STDERR_FILENO) < 0)
                return -1;
        int r = ctl_run(argv, &out);
        if (dup2(saved, STDERR_FILENO) < 0)
                return -1;
        if (r != 0 || !out)
                return -1;
        *n = 0;
        for (const char *p = out; (p = strchr(p, '\n')); p++)
                (*n)++;
        return 0;
}

/* Validate one public key file; append its keys to the stream keys.  The
 * file must be a regular file of at most 64 KiB, without NUL bytes or
 * other control characters, and every line that is not blank or a comment
 * must be a key ssh-keygen accepts: ssh-keygen -l alone skips lines it
 * cannot parse (a file with one good key and garbage passes), so we
 * compare its count with ours. */
static int add_key_file(const char *path, FILE *keys)
{
        _cleanup_free_ char *text = NULL;
        const char *why;
        size_t lines = 0, valid = 0, line_no = 0;

        text = read_text_file(path, KEY_FILE_MAX, &why);
        if (!text) {
                ctl_error("key file '%s': %s", ctl_quote(path), why ? why : strerror(errno));
                return -1;
        }
        if (ctl_key_text_check(text, &lines, &line_no) < 0) {
                ctl_error("key file '%s': line %zu has a control character", ctl_quote(path), line_no);
                return -1;
        }
        if (count_keys(text, &valid) < 0 || valid != lines || lines == 0) {
                ctl_error("key file '%s': not a valid SSH public key file (ssh-keygen -l accepts %zu of its %zu key lines)",
                          ctl_quote(path), valid, lines);
                return -1;
        }
        ctl_key_text_write(text, keys);
        return 0;
}

static int ensure_dir(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
        struct stat st;

        if (lstat(path, &st) < 0) {
                if (errno != ENOENT || mkdir(path, mode) < 0 || lstat(path, &st) < 0) {
                        ctl_error("mkdir %s: %s", path, strerror(errno));
                        return -1;
                }
                changed(path, "created");
        }
        if (!S_ISDIR(st.st_mode)) {
                ctl_error("%s exists and is not a directory (a symlink?); refusing", path);
                return -1;
        }
        if (st.st_uid != uid || st.st_gid != gid) {
                if (lchown(path, uid, gid) < 0)
                        { ctl_error("chown %s: %s", path, strerror(errno)); return -1; }
                changed(path, "owner fixed");
        }
        if ((st.st_mode & 07777) != mode) {
                if (chmod(path, mode) < 0)
                        { ctl_error("chmod %s: %s", path, strerror(errno)); return -1; }
                changed(path, "mode fixed");
        }
        return 0;
}

/* The project quota the configuration now gives the user (whatever rule
 * sets it), in the kernel.  After the configuration is written: if this
 * fails, the launcher refuses the user's logins until it is fixed. */
static int setup_quota(const char *name)
{
        struct config c;
        struct identity id;
        struct policy p;
        char err[1024];
        int r = 0;

        if (config_load(SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                ctl_error("%s", err);
                return -1;
        }
        if (identity_by_name(name, &id, err, sizeof(err)) < 0) {
                ctl_error("%s", err);
                config_free(&c);
                return -1;
        }
        if (policy_resolve(&c, &id, &p) == 0 && limits_have_quota(&p.limits)) {
                if (!quota_area(p.access, p.uploads))
                        printf("%s: access=readonly: the quota is ignored (nothing is writable)\n", name);
                else if ((r = ctl_quota_setup(&c, &id, &p, false)) < 0)
                        ctl_error("user %s: the quota is configured but not in place: logins are refused until "
                                  "it is (sftpjailctl doctor --fix)", name);
                else
                        changes += r;
        }
        identity_free(&id);
        config_free(&c);
        return r < 0 ? -1 : 0;
}

/* add-user and remove-user manage local accounts (useradd, usermod and
 * userdel change /etc/passwd); a user NSS finds elsewhere is the
 * directory's to manage. */
static void directory_account(const char *name, const char *cmd)
{
        ctl_error("%s: user %s is not in /etc/passwd (a directory user, found through NSS): %s manages local "
                  "accounts only; jail a directory user with a [group] or [user] rule and sshd's Match Group, "
                  "keys in the directory or %s/%s, and a root-owned home with an uploads directory "
                  "(docs/deployment.md, \"Directory users\"); sftpjailctl doctor checks them",
                  cmd, name, cmd, KEYS_DIR, name);
}

static const char add_usage[] =
        "Usage: sftpjailctl add-user NAME [--key FILE]... [--access MODE] [--umask OCT] [--home-base DIR]\n"
        "                            [--quota SIZE] [--quota-files N]\n"
        "\n"
        "Create or update a jailed SFTP user: the account (login shell: the\n"
        "launcher; member of group " JAIL_GROUP "), the home BASE/NAME (root:NAME 0750)\n"
        "and its uploads/ (NAME:NAME 0750), the SSH keys in " KEYS_DIR "/NAME\n"
        "(root-owned; the user cannot change them) and a [user NAME] section in\n"
        SFTPJAIL_CONFIG_FILE ".  Running it twice changes nothing the second time.\n"
        "\n"
        "  --key FILE         public key file (repeatable; replaces the stored keys)\n"
        "  --access MODE      readonly | uploads | dropbox | home\n"
        "  --umask OCT        e.g. 027\n"
        "  --home-base DIR    where new homes go (default " DEFAULT_HOME_BASE ")\n"
        "  --quota SIZE       project quota on the writable area (K M G T; none)\n"
        "  --quota-files N    at most N files and directories there (none)\n"
        "                     (both: project id and inherit flag on the area and\n"
        "                     everything in it, and the kernel's limits; XFS or\n"
        "                     ext4 mounted with prjquota, see sftpjailctl(8))\n";

int cmd_add_user(int argc, char **argv)
{
        static const struct option opts[] = {
                { "key", required_argument, NULL, 'k' },       { "access", required_argument, NULL, 'a' },
                { "umask", required_argument, NULL, 'u' },     { "home-base", required_argument, NULL, 'b' },
                { "quota", required_argument, NULL, 'q' },     { "quota-files", required_argument, NULL, 'Q' },
                { "help", no_argument, NULL, 'h' },           { 0 },
        };
        const char *access = NULL, *umask_s = NULL, *base = NULL, *quota = NULL, *quota_files = NULL;
        _cleanup_free_ char *keys = NULL;
        size_t keys_len = 0;
        _cleanup_fclose_ FILE *keys_f = open_memstream(&keys, &keys_len);
        bool have_keys = false;
        int c;

        if (ctl_help_requested(argc, argv, add_usage))
                return CTL_EXIT_OK;
        if (!keys_f) {
                ctl_error("out of memory");
                return CTL_EXIT_ERROR;
        }
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                switch (c) {
                case 'k':
                        if (add_key_file(optarg, keys_f) < 0)
                                return CTL_EXIT_USAGE;
                        have_keys = true;
                        break;
                case 'a':
                        if (access) {
                                ctl_usage_error(add_usage, "--access given twice");
                                return CTL_EXIT_USAGE;
                        }
                        if (access_from_string(optarg) == ACCESS_UNSET) {
                                ctl_error("--access must be readonly, uploads, dropbox or home, not '%s'", ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        access = optarg;
                        break;
                case 'u':
                        if (umask_s) {
                                ctl_usage_error(add_usage, "--umask given twice");
                                return CTL_EXIT_USAGE;
                        }
                        if (!ctl_valid_umask(optarg)) {
                                ctl_error("--umask must be octal, 3 or 4 digits from 000 to 0777, not '%s'", ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        umask_s = optarg;
                        break;
                case 'b':
                        if (base) {
                                ctl_usage_error(add_usage, "--home-base given twice");
                                return CTL_EXIT_USAGE;
                        }
                        if (!ctl_valid_home_base(optarg)) {
                                ctl_error("--home-base must be an absolute, canonical directory other than / "
                                          "(no '.', '..' or empty components, no trailing '/'; letters, digits, "
                                          "'.', '_', '-'), not '%s'",
                                          ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        base = optarg;
                        break;
                case 'q':
                case 'Q': {
                        const char **dst = c == 'q' ? &quota : &quota_files;
                        struct limits l = LIMITS_UNSET;
                        char err[256];
                        if (*dst) {
                                ctl_usage_error(add_usage, "%s given twice", c == 'q' ? "--quota" : "--quota-files");
                                return CTL_EXIT_USAGE;
                        }
                        /* The configuration's own parser: what it accepts is what gets written. */
                        if (limits_parse_key(&l, c == 'q' ? "quota" : "quota_files", optarg, err, sizeof(err)) != 1) {
                                ctl_error("%s, not '%s'",
                                          c == 'q' ? "--quota must be a size such as 10G, 500M, 64K (or none)"
                                                   : "--quota-files must be a number of files (or none)",
                                          ctl_quote(optarg));
                                return CTL_EXIT_USAGE;
                        }
                        *dst = optarg;
                        break;
                }
                default:
                        ctl_option_error(add_usage, argv, c);
                        return CTL_EXIT_USAGE;
                }
        }
        if (!base)
                base = DEFAULT_HOME_BASE;
        if (optind != argc - 1) {
                ctl_usage_error(add_usage, "%s", optind == argc ? "a user name is required" : "one user name only");
                return CTL_EXIT_USAGE;
        }
        if (fclose(keys_f) != 0) {
                keys_f = NULL;
                ctl_error("out of memory");
                return CTL_EXIT_ERROR;
        }
        keys_f = NULL; /* every --key file held a key: add_key_file() checked */
        const char *name = argv[optind];
        if (!ctl_valid_user_name(name)) {
                ctl_error("invalid user name '%s' (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)",
                          ctl_quote(name));
                return CTL_EXIT_USAGE;
        }
        if (getuid() != 0) {
                ctl_error("add-user must run as root");
                return CTL_EXIT_ERROR;
        }
        struct passwd *pw = getpwnam(name);
        if (pw && pw->pw_uid == 0) {
                ctl_error("refusing to jail a uid 0 account");
                return CTL_EXIT_USAGE;
        }
        if (pw && !ctl_local_account(name)) {
                directory_account(name, "add-user");
                return CTL_EXIT_USAGE;
        }
        const struct ctl_user_keys ukeys = { access, umask_s, quota, quota_files };
        /* Validate the configuration edit, and that its quota can be
         * enforced where the home is, before changing anything. */
        char new_home[PATH_MAX];
        snprintf(new_home, sizeof(new_home), "%s/%s", base, name);
        if (update_config(name, &ukeys, false, true, pw ? pw->pw_dir : new_home) < 0)
                return CTL_EXIT_ERROR;

        if (!getgrnam(JAIL_GROUP)) {
                char *ga[] = { (char *)"groupadd", (char *)"--system", (char *)JAIL_GROUP, NULL };
                if (ctl_run(ga, NULL) != 0)
                        { ctl_error("groupadd %s failed", JAIL_GROUP); return CTL_EXIT_ERROR; }
                changed("group " JAIL_GROUP, "created");
        }
        if (ensure_dir(base, 0, 0, 0755) < 0)
                return CTL_EXIT_ERROR;
        if (!pw) {
                char home[PATH_MAX];
                snprintf(home, sizeof(home), "%s/%s", base, name);
                char *ua[] = { (char *)"useradd", (char *)"-M", (char *)"-U", (char *)"-d", home, (char *)"-s",
                               (char *)SFTPJAIL_LAUNCHER_PATH, (char *)"-G", (char *)JAIL_GROUP, (char *)name, NULL };
                char *pa[] = { (char *)"usermod", (char *)"-p", (char *)"*", (char *)name, NULL };
                /* '*': no password login, but not locked ('!'), which
                 * would make sshd refuse keys too. */
                if (ctl_run(ua, NULL) != 0 || ctl_run(pa, NULL) != 0)
                        { ctl_error("useradd %s failed", name); return CTL_EXIT_ERROR; }
                changed(name, "account created");
                pw = getpwnam(name);
                if (!pw)
                        { ctl_error("%s: created but not found", name); return CTL_EXIT_ERROR; }
        } else {
                struct identity id;
                char err[256];
                bool member = false;
                if (identity_by_name(name, &id, err, sizeof(err)) < 0) {
                        ctl_error("%s", err);
                        return CTL_EXIT_ERROR;
                }
                for (size_t i = 0; i < id.n_groups; i++)
                        member |= streq(id.groups[i], JAIL_GROUP);
                identity_free(&id);
                if (!member) {
                        char *ma[] = { (char *)"usermod", (char *)"-a", (char *)"-G", (char *)JAIL_GROUP, (char *)name, NULL };
                        if (ctl_run(ma, NULL) != 0)
                                { ctl_error("usermod -aG %s %s failed", JAIL_GROUP, name); return CTL_EXIT_ERROR; }
                        changed(name, "added to group " JAIL_GROUP);
                }
                if (!streq(pw->pw_shell, SFTPJAIL_LAUNCHER_PATH)) {
                        char *sa[] = { (char *)"usermod", (char *)"-s", (char *)SFTPJAIL_LAUNCHER_PATH, (char *)name, NULL };
                        if (ctl_run(sa, NULL) != 0)
                                { ctl_error("usermod -s failed"); return CTL_EXIT_ERROR; }
                        changed(name, "login shell set to the launcher");
                }
                pw = getpwnam(name);
        }
        enum access a = access ? access_from_string(access) : ACCESS_UPLOADS;
        char home[PATH_MAX], uploads[PATH_MAX + 8];
        snprintf(home, sizeof(home), "%s", pw->pw_dir);
        snprintf(uploads, sizeof(uploads), "%s/uploads", home);
        if (ensure_dir(home, a == ACCESS_HOME ? pw->pw_uid : 0, pw->pw_gid, 0750) < 0)
                return CTL_EXIT_ERROR;
        if ((a == ACCESS_UPLOADS || a == ACCESS_DROPBOX) && ensure_dir(uploads, pw->pw_uid, pw->pw_gid, 0750) < 0)
                return CTL_EXIT_ERROR;

        if (ensure_dir(KEYS_DIR, 0, 0, 0755) < 0)
                return CTL_EXIT_ERROR;
        if (have_keys) {
                char kpath[PATH_MAX];
                struct stat st;
                snprintf(kpath, sizeof(kpath), "%s/%s", KEYS_DIR, name);
                const char *why;
                _cleanup_free_ char *old = read_text_file(kpath, CONFIG_FILE_MAX, &why);
                if (!old || !streq(old, keys) || lstat(kpath, &st) < 0 || st.st_uid != 0 ||
                    (st.st_mode & 07777) != 0644) {
                        if (write_file_atomic(kpath, keys, 0644) < 0)
                                { ctl_error("writing %s: %s", kpath, strerror(errno)); return CTL_EXIT_ERROR; }
                        changed(kpath, "keys written");
                }
        }
        if (update_config(name, &ukeys, false, false, NULL) < 0)
                return CTL_EXIT_ERROR;
        if (setup_quota(name) < 0)
                return CTL_EXIT_ERROR;
        if (!changes)
                printf("%s: no changes\n", name);
        return CTL_EXIT_OK;
}

static const char remove_usage[] =
        "Usage: sftpjailctl remove-user NAME [--keep-files]\n"
        "\n"
        "End NAME's jail access: remove the [user NAME] section and the stored\n"
        "keys; then delete the account and its home, or with --keep-files lock\n"
        "the account, drop it from group " JAIL_GROUP " and keep the home.\n";

int cmd_remove_user(int argc, char **argv)
{
        bool keep = false;
        const char *name = NULL;

        if (ctl_help_requested(argc, argv, remove_usage))
                return CTL_EXIT_OK;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                if (streq(a, "--keep-files") && keep) {
                        ctl_usage_error(remove_usage, "--keep-files given twice");
                        return CTL_EXIT_USAGE;
                } else if (streq(a, "--keep-files")) {
                        keep = true;
                } else if (a[0] == '-') {
                        ctl_usage_error(remove_usage, "unknown option '%s'", ctl_quote(a));
                        return CTL_EXIT_USAGE;
                } else if (name) {
                        ctl_usage_error(remove_usage, "one user name only");
                        return CTL_EXIT_USAGE;
                } else {
                        name = a;
                }
        }
        if (!name) {
                ctl_usage_error(remove_usage, "a user name is required");
                return CTL_EXIT_USAGE;
        }
        if (!ctl_valid_user_name(name)) {
                ctl_error("invalid user name '%s' (lower-case letters, digits, '_' and '-', starting with a letter or '_', at most 32)",
                          ctl_quote(name));
                return CTL_EXIT_USAGE;
        }
        struct passwd *pw = getpwnam(name);
        if (!pw) {
                ctl_error("no such user '%s'", name); /* valid, so printable */
                return CTL_EXIT_PROBLEMS;
        }
        if (!ctl_local_account(name)) {
                directory_account(name, "remove-user");
                return CTL_EXIT_USAGE;
        }
        if (pw->pw_uid == 0 || !streq(pw->pw_shell, SFTPJAIL_LAUNCHER_PATH)) {
                ctl_error("'%s' is not a jailed user (login shell %s); refusing", name, ctl_quote(pw->pw_shell));
                return CTL_EXIT_USAGE;
        }
        char home[PATH_MAX], kpath[PATH_MAX];
        snprintf(home, sizeof(home), "%s", pw->pw_dir);
        snprintf(kpath, sizeof(kpath), "%s/%s", KEYS_DIR, name);
        if (update_config(name, &(struct ctl_user_keys){ 0 }, true, false, NULL) < 0)
                return CTL_EXIT_ERROR;
        if (unlink(kpath) == 0)
                changed(kpath, "removed");
        if (keep) {
                char *da[] = { (char *)"gpasswd", (char *)"-d", (char *)name, (char *)JAIL_GROUP, NULL };
                char *la[] = { (char *)"usermod", (char *)"-L", (char *)name, NULL };
                ctl_run(da, NULL);
                if (ctl_run(la, NULL) != 0)
                        { ctl_error("usermod -L failed"); return CTL_EXIT_ERROR; }
                changed(name, "locked, files kept");
                return CTL_EXIT_OK;
        }
        char *ua[] = { (char *)"userdel", (char *)name, NULL };
        if (ctl_run(ua, NULL) != 0)
                { ctl_error("userdel %s failed", name); return CTL_EXIT_ERROR; }
        changed(name, "account deleted");
        /* Only a home below the default base is deleted automatically. */
        size_t bl = strlen(DEFAULT_HOME_BASE);
        if (strncmp(home, DEFAULT_HOME_BASE "/", bl + 1) == 0 && !strchr(home + bl + 1, '/')) {
                char *ra[] = { (char *)"rm", (char *)"-rf", (char *)"--one-file-system", home, NULL };
                if (ctl_run(ra, NULL) == 0)
                        changed(home, "deleted");
        } else {
                printf("%s: kept (not below %s); remove it yourself\n", home, DEFAULT_HOME_BASE);
        }
        return CTL_EXIT_OK;
}
