/* SPDX-License-Identifier: GPL-2.0-or-later */
/* doctor: find what would refuse or weaken a login, one line per problem
 * with what to do; --fix repairs what is safe to repair (owners, modes,
 * missing uploads directories, the launcher's file capabilities, a
 * project quota's id, inherit flag and kernel limits). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build-config.h"
#include "caps.h"
#include "config.h"
#include "ctl.h"
#include "identity.h"
#include "log.h"
#include "mounts.h"
#include "pathrule.h"
#include "quota.h"
#include "slots.h"
#include "util.h"

static int problems, fixed;
static bool fix;

static void problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void problem(const char *fmt, ...)
{
        va_list ap;

        printf("problem: ");
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        printf("\n");
        problems++;
}

static void did_fix(const char *what)
{
        printf("fixed: %s\n", what);
        fixed++;
}

/* The launcher and the supervisor: root's and writable by root alone, the
 * rule of every system file a login uses (pathrule.h).  Reports and
 * returns false where st breaks it. */
static bool system_file_ok(const char *what, const char *path, const struct stat *st)
{
        struct path_rule rule = path_rule_system_file;
        char why[PATH_MAX + 256];

        rule.what = what;
        if (path_rule_check(&rule, path, st, 0, why, sizeof(why)) == 0)
                return true;
        problem("%s", why);
        return false;
}

static void check_launcher(void)
{
        const char *path = SFTPJAIL_LAUNCHER_PATH;
        struct stat st;
        cap_t want = cap_from_text(SFTPJAIL_FILE_CAPS), have;

        if (stat(path, &st) < 0) {
                problem("launcher %s: %s; install sftpjail (meson install)", path, strerror(errno));
                cap_free(want);
                return;
        }
        system_file_ok("launcher", path, &st);
        if (st.st_mode & (S_ISUID | S_ISGID)) {
                if (fix && chmod(path, st.st_mode & 0755) == 0)
                        did_fix("removed the set-uid/set-gid bit from the launcher");
                else
                        problem("launcher %s is set-uid/set-gid; it must use file capabilities only (chmod u-s,g-s)",
                                path);
        }
        have = cap_get_file(path);
        if (!have || cap_compare(want, have) != 0) {
                char *txt = have ? cap_to_text(have, NULL) : NULL;
                if (fix && cap_set_file(path, want) == 0)
                        did_fix("set the launcher's file capabilities to " SFTPJAIL_FILE_CAPS);
                else
                        problem("launcher %s has file capabilities '%s', expected '%s' (setcap %s %s)", path,
                                txt ? txt : "none", SFTPJAIL_FILE_CAPS, SFTPJAIL_FILE_CAPS, path);
                cap_free(txt);
        }
        cap_free(have);
        cap_free(want);
}

/* The supervisor the launcher execs: root's, and execute-only (else the
 * user could ptrace it and forge the session's log). */
static void check_supervisor(void)
{
        const char *path = SFTPJAIL_SUPERVISE_PATH;
        struct stat st;

        if (stat(path, &st) < 0) {
                problem("supervisor %s: %s; every login is refused (install sftpjail: meson install)", path,
                        strerror(errno));
                return;
        }
        if (!system_file_ok("supervisor", path, &st))
                return;
        if (st.st_mode & (S_IRGRP | S_IROTH | S_ISUID | S_ISGID)) {
                if (fix && chmod(path, 0711) == 0)
                        did_fix("made the supervisor execute-only (0711)");
                else
                        problem("supervisor %s is mode %04o; it must be 0711 (execute-only): logins are refused "
                                "(chmod 0711 %s, or doctor --fix)",
                                path, (unsigned)(st.st_mode & 07777), path);
        }
}

/* The audit sink, as the launcher checks it at each login (log.h). */
static void check_audit_sink(const struct config *c)
{
        char why[512];

        if (log_sink_check(why, sizeof(why)) == 0)
                return;
        if (c->audit_best_effort)
                printf("note: the audit log cannot be written (%s): with audit = best-effort, sessions are served "
                       "and their records lost\n",
                       why);
        else
                problem("the audit log cannot be written (%s): with audit = required every login is refused; "
                        "start journald or a syslog daemon",
                        why);
}

static void check_kernel(void)
{
        static const char *const ns[] = { "mnt", "pid", "net", "ipc", "uts", "cgroup" };
        char p[64];
        int abi;

        for (size_t i = 0; i < ELEMENTSOF(ns); i++) {
                snprintf(p, sizeof(p), "/proc/self/ns/%s", ns[i]);
                if (access(p, F_OK) < 0)
                        problem("kernel: no %s namespaces; the jail needs CONFIG_%s_NS", ns[i], ns[i]);
        }
        if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
                problem("kernel: no seccomp; logins are refused without it (CONFIG_SECCOMP_FILTER)");
        /* Called with bad arguments: EBADF/EINVAL means present, ENOSYS not. */
        errno = 0;
        if (open_tree(-1, "", 0) < 0 && errno == ENOSYS)
                problem("kernel: no open_tree(2) (Linux >= 5.2 needed); logins are refused");
        errno = 0;
        if (mount_setattr(-1, "", 0, NULL, 0) < 0 && errno == ENOSYS)
                problem("kernel: no mount_setattr(2) (Linux >= 5.12 needed); logins are refused");
        errno = 0;
        if (syscall(SYS_openat2, -1, "", NULL, 0) < 0 && errno == ENOSYS)
                problem("kernel: no openat2(2) (Linux >= 5.6 needed); logins are refused");
        abi = (int)syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        if (abi < 0)
                printf("note: kernel without Landlock (%s): jails run without it (add 'landlock' to lsm=)\n",
                       strerror(errno));
        else
                printf("ok: kernel has namespaces, seccomp, open_tree, mount_setattr, openat2, Landlock ABI %d\n",
                       abi);
}

/* One line of "sshd -T" output: value of key, or NULL. */
static const char *sshd_value(const char *out, const char *key, char *buf, size_t len)
{
        size_t kl = strlen(key);

        for (const char *p = out; p && *p;) {
                const char *eol = strchrnul(p, '\n');
                if ((size_t)(eol - p) > kl && strncmp(p, key, kl) == 0 && p[kl] == ' ') {
                        snprintf(buf, len, "%.*s", (int)(eol - p - (ptrdiff_t)kl - 1), p + kl + 1);
                        return buf;
                }
                p = *eol ? eol + 1 : NULL;
        }
        return NULL;
}

/* sshd's effective settings for user; keys_cmd gets its
 * AuthorizedKeysCommand ("" if none). */
static void check_sshd(const char *cfg, const char *user, char *keys_cmd, size_t keys_cmd_len)
{
        char spec[256], v[1024];
        _cleanup_free_ char *out = NULL;
        snprintf(spec, sizeof(spec), "user=%s,host=localhost,addr=127.0.0.1", user);
        char *argv[] = { (char *)"/usr/sbin/sshd", (char *)"-T", (char *)"-f", (char *)cfg, (char *)"-C", spec, NULL };

        *keys_cmd = '\0';
        if (ctl_run(argv, &out) != 0 || !out) {
                /* sshd -T refuses to run without its privilege separation
                 * directory, which only exists while an sshd unit runs
                 * (RuntimeDirectory=sshd): not a fault of the config. */
                static bool said;
                if (access("/run/sshd", F_OK) < 0 && errno == ENOENT) {
                        if (!said)
                                problem("sshd config %s: cannot be checked: /run/sshd is missing (it exists while sshd runs; "
                                "start sftpjail-sshd.socket or ssh.service, then run doctor again)", cfg);
                        said = true;
                } else
                        problem("sshd config %s: 'sshd -T' failed for %s; run 'sshd -t -f %s'", cfg, user, cfg);
                return;
        }
        /* Keys from the directory (sss_ssh_authorizedkeys): sshd runs it as
         * AuthorizedKeysCommandUser, next to the files. */
        if (sshd_value(out, "authorizedkeyscommand", v, sizeof(v)) && !streq(v, "none"))
                snprintf(keys_cmd, keys_cmd_len, "%s", v);
        const char *fc = sshd_value(out, "forcecommand", v, sizeof(v));
        if (!fc || !strstr(fc, "sftpjail"))
                problem("sshd config %s: no ForceCommand %s for %s (see /usr/share/sftpjail/sshd_config.d-sftpjail.conf)",
                        cfg, SFTPJAIL_LAUNCHER_PATH, user);
        if (!sshd_value(out, "disableforwarding", v, sizeof(v)) || !streq(v, "yes"))
                problem("sshd config %s: DisableForwarding is not yes for %s: port forwarding passes ForceCommand",
                        cfg, user);
        if (!sshd_value(out, "permittty", v, sizeof(v)) || !streq(v, "no"))
                problem("sshd config %s: PermitTTY is not no for %s", cfg, user);
        if (!sshd_value(out, "permituserrc", v, sizeof(v)) || !streq(v, "no"))
                problem("sshd config %s: PermitUserRC is not no for %s: ~/.ssh/rc would run", cfg, user);
        if (!sshd_value(out, "permittunnel", v, sizeof(v)) || !streq(v, "no"))
                problem("sshd config %s: PermitTunnel is not no for %s", cfg, user);
        if (!sshd_value(out, "subsystem", v, sizeof(v)) || strncmp(v, "sftp ", 5) != 0)
                problem("sshd config %s: no 'Subsystem sftp' line: SFTP requests are refused before the launcher runs",
                        cfg);
        if (!sshd_value(out, "authorizedkeysfile", v, sizeof(v)) || !strstr(v, KEYS_DIR))
                problem("sshd config %s: AuthorizedKeysFile for %s is '%s', not %s/%%u: users could add their own keys",
                        cfg, user, v, KEYS_DIR);
}

/* --fix: give a directory the owner and mode add-user gives it, but only
 * if the launcher's rule refuses it as it is (or create it). */
static void repair_dir(const char *path, const struct path_rule *rule, uid_t user, uid_t uid, gid_t gid,
                       mode_t mode, bool create)
{
        struct stat st;
        char why[1024];

        if (lstat(path, &st) < 0) {
                if (errno == ENOENT && create && mkdir(path, mode) == 0 && chown(path, uid, gid) == 0)
                        did_fix(path);
                return;
        }
        if (!S_ISDIR(st.st_mode) || path_rule_check(rule, path, &st, user, why, sizeof(why)) == 0)
                return;
        if (lchown(path, uid, gid) == 0 && chmod(path, mode) == 0)
                did_fix(path);
}

static void repair_user_dirs(const struct identity *id, const struct policy *p)
{
        char path[PATH_MAX + 32];

        snprintf(path, sizeof(path), "%s", id->home);
        for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
                *s = '\0';
                repair_dir(path, &path_rule_root_dir, id->uid, 0, (gid_t)-1, 0755, false);
                *s = '/';
        }
        repair_dir(id->home, &path_rule_home, id->uid, p->access == ACCESS_HOME ? id->uid : 0, id->gid, 0750, true);
        if (p->uploads) {
                snprintf(path, sizeof(path), "%s/%s", id->home, p->uploads);
                repair_dir(path, &path_rule_uploads, id->uid, id->uid, id->gid, 0750, true);
        }
}

/* The launcher's own checks of the home, uploads, start directory,
 * sftp-server and its libraries: jail_resolve(), run with the user's ids as
 * the launcher runs it, says exactly what a login
 * would refuse, in the same words. */
static void check_jail(const struct config *c, const struct identity *id, const struct policy *p)
{
        struct jail j;

        if (ctl_jail_resolve_as_user(&j, c, id, p) == 0) {
                jail_close(&j);
                return;
        }
        if (fix) {
                repair_user_dirs(id, p);
                /* The project id, inherit flag and kernel limits of a
                 * quota (after the directories: they may have been made). */
                if (limits_have_quota(&p->limits) && quota_area(p->access, p->uploads) &&
                    ctl_quota_setup(c, id, p, false) > 0)
                        did_fix("set the user's project quota as configured");
                if (ctl_jail_resolve_as_user(&j, c, id, p) == 0) {
                        jail_close(&j);
                        return;
                }
        }
        problem("user %s: logins are refused: %s", id->name, j.err);
}

static void check_user_policy(const struct config *c, const struct identity *id, const char **sshd_cfgs,
                              size_t n_cfgs);

/* on_upload, ready_dir, hook_user: what sftpjail-events checks before it
 * acts (the same functions), so that doctor reports what it would refuse. */
static void check_events(const struct config *c, const struct identity *id, const struct policy *p)
{
        char err[1024];
        struct jail j;
        struct stat st;
        int fd;

        if (!p->on_upload) {
                if (p->ready_dir || p->hook_user)
                        printf("note: user %s: ready_dir/hook_user without on_upload do nothing\n", id->name);
                return;
        }
        if (p->access == ACCESS_READONLY) {
                printf("note: user %s: access=readonly: on_upload never fires (nothing can be uploaded)\n", id->name);
                return;
        }
        fd = config_open_program(p->on_upload, err, sizeof(err));
        if (fd < 0)
                problem("user %s: on_upload: %s: no upload events run until this is fixed", id->name, err);
        else
                close(fd);
        if (p->hook_user && !getpwnam(p->hook_user))
                problem("user %s: hook_user %s does not exist: no upload events run", id->name, p->hook_user);
        if (!p->ready_dir || jail_resolve_uploads(&j, c, id, p) < 0)
                return; /* a refused uploads directory is check_jail()'s problem */
        char dir[PATH_MAX * 2];
        snprintf(dir, sizeof(dir), "%s/%s", id->home, p->uploads ? p->uploads : "");
        if (dir[strlen(dir) - 1] == '/')
                dir[strlen(dir) - 1] = '\0';
        int base = p->uploads ? j.uploads_src : j.home_src;
        struct stat bst;
        fd = path_open_beneath_checked(base, dir, p->ready_dir, &path_rule_ready_dir, id->uid, O_PATH | O_DIRECTORY,
                                       &st, err, sizeof(err));
        if (fd < 0)
                problem("user %s: %s: uploads are not moved or hooked until this is fixed (make it: install -d -o %s "
                        "%s/%s)", id->name, err, id->name, dir, p->ready_dir);
        else if (fstat(base, &bst) == 0 && st.st_dev != bst.st_dev)
                problem("user %s: ready_dir %s/%s is on another filesystem than the uploads", id->name, dir,
                        p->ready_dir);
        if (fd >= 0)
                close(fd);
        jail_close(&j);
}

static void check_user(const struct config *c, const char *name, const char **sshd_cfgs, size_t n_cfgs)
{
        struct identity id;
        char err[512];

        if (identity_by_name(name, &id, err, sizeof(err)) < 0) {
                problem("user %s is named in %s but cannot be used: %s (sftpjailctl add-user %s)", name,
                        SFTPJAIL_CONFIG_FILE, err, name);
                return;
        }
        check_user_policy(c, &id, sshd_cfgs, n_cfgs);
        identity_free(&id);
}

/* The limits a login of this user needs in place.  (A quota that cannot
 * be enforced is jail_resolve()'s refusal, reported by check_jail().) */
static void check_limits(const struct identity *id, const struct policy *p)
{
        if (limits_have_quota(&p->limits) && !quota_area(p->access, p->uploads))
                printf("note: user %s: access=readonly: quota and quota_files are ignored (nothing is writable)\n",
                       id->name);
        if (p->limits.max_sessions > 0 && slots_count(SFTPJAIL_SLOTS_DIR, id->uid, p->limits.max_sessions) < 0) {
                if (fix && ctl_slots_dir_create() == 0 &&
                    slots_count(SFTPJAIL_SLOTS_DIR, id->uid, p->limits.max_sessions) >= 0)
                        did_fix("created the session slots directory " SFTPJAIL_SLOTS_DIR);
                else
                        problem("user %s: max_sessions is set, but %s is missing or not root's with mode 1733: "
                                "logins are refused (doctor --fix)",
                                id->name, SFTPJAIL_SLOTS_DIR);
        }
}

static void check_user_policy(const struct config *c, const struct identity *idp, const char **sshd_cfgs,
                              size_t n_cfgs)
{
        const struct identity id = *idp;
        const char *name = id.name;
        struct policy p;
        struct passwd *pw = getpwnam(name);
        char path[PATH_MAX + 32];

        if (!pw)
                return;
        if (policy_resolve(c, &id, &p) < 0) {
                problem("user %s is in group %s but no rule names them: logins are refused (add [user %s] or [group %s])",
                        name, JAIL_GROUP, name, JAIL_GROUP);
                return;
        }
        if (!ctl_local_account(name))
                printf("note: user %s is a directory user (found through NSS, not in /etc/passwd): account, "
                       "shell and groups are the directory's to change\n",
                       name);
        const char *sh = strrchr(pw->pw_shell, '/');
        sh = sh ? sh + 1 : pw->pw_shell;
        if (streq(sh, "nologin") || streq(sh, "false"))
                problem("user %s: login shell %s ignores ForceCommand; set it to %s (usermod -s)", name, pw->pw_shell,
                        SFTPJAIL_LAUNCHER_PATH);
        else if (!streq(pw->pw_shell, SFTPJAIL_LAUNCHER_PATH))
                printf("note: user %s: login shell %s; %s is safer (a shell may read rc files)\n", name,
                       pw->pw_shell, SFTPJAIL_LAUNCHER_PATH);
        check_jail(c, &id, &p);
        check_limits(&id, &p);
        check_events(c, &id, &p);
        char keys_cmd[1024] = "", cmd[1024];
        const char *keys_cfg = NULL;
        for (size_t i = 0; i < n_cfgs; i++) {
                check_sshd(sshd_cfgs[i], name, cmd, sizeof(cmd));
                if (*cmd && !*keys_cmd) {
                        snprintf(keys_cmd, sizeof(keys_cmd), "%s", cmd);
                        keys_cfg = sshd_cfgs[i];
                }
        }
        snprintf(path, sizeof(path), "%s/%s", KEYS_DIR, name);
        struct stat st;
        char why[1024];
        if (lstat(path, &st) < 0 && *keys_cmd)
                printf("note: user %s has no keys file %s; keys come from AuthorizedKeysCommand %s (%s)\n", name,
                       path, keys_cmd, keys_cfg);
        else if (lstat(path, &st) < 0)
                problem("user %s has no keys file %s (sftpjailctl add-user %s --key FILE)", name, path, name);
        else if (path_rule_check(&path_rule_keys_file, path, &st, id.uid, why, sizeof(why)) < 0) {
                if (fix && S_ISREG(st.st_mode) && lchown(path, 0, 0) == 0 && chmod(path, 0644) == 0)
                        did_fix(path);
                else
                        problem("%s (sshd would let the user's keys be changed)", why);
        }
}

/* Is name one line of out (a "-Q requests" listing)? */
static bool listed(const char *out, const char *name)
{
        size_t len = strlen(name);

        for (const char *p = out; *p;) {
                const char *eol = strchrnul(p, '\n');
                if ((size_t)(eol - p) == len && strncmp(p, name, len) == 0)
                        return true;
                p = *eol ? eol + 1 : eol;
        }
        return false;
}

/* The request names deny_requests/allow_requests accept were taken from
 * the build host's sftp-server; the one configured here may differ (an
 * OpenSSH upgrade, another sftp_server).  Its -p/-P ignore a name they do
 * not know, so a name only sftpjail knows makes a deny do nothing, and a
 * name only sftp-server knows cannot be denied at all. */
static void check_sftp_requests(const char *server)
{
        _cleanup_free_ char *out = NULL;
        char only_built[1024] = "", only_server[1024] = "";
        size_t nb = 0, ns = 0;
        char *argv[] = { (char *)server, (char *)"-Q", (char *)"requests", NULL };

        if (ctl_run(argv, &out) != 0 || !out || !*out) {
                problem("sftp_server %s: '%s -Q requests' failed: cannot check the request names "
                        "deny_requests/allow_requests may use", server, server);
                return;
        }
        for (size_t i = 0; i < sftp_request_names_n; i++)
                if (!listed(out, sftp_request_names[i]) && nb < sizeof(only_built))
                        nb += (size_t)snprintf(only_built + nb, sizeof(only_built) - nb, " %s",
                                               sftp_request_names[i]);
        for (const char *p = out; *p;) {
                const char *eol = strchrnul(p, '\n');
                char name[128];
                snprintf(name, sizeof(name), "%.*s", (int)(eol - p), p);
                if (*name && !sftp_request_known(name) && ns < sizeof(only_server))
                        ns += (size_t)snprintf(only_server + ns, sizeof(only_server) - ns, " %s", name);
                p = *eol ? eol + 1 : eol;
        }
        if (*only_built)
                problem("sftp_server %s does not know the request name(s)%s that sftpjail was built with: "
                        "it ignores them in -P/-p, so denying them does nothing; rebuild sftpjail against it",
                        server, only_built);
        if (*only_server)
                problem("sftp_server %s has request name(s)%s that sftpjail was built without: "
                        "deny_requests cannot name them; rebuild sftpjail against it",
                        server, only_server);
        if (!*only_built && !*only_server)
                printf("ok: sftp_server %s knows the same %zu request names as sftpjail\n", server,
                       sftp_request_names_n);
}

static const char doctor_usage[] =
        "Usage: sftpjailctl doctor [--fix] [--sshd-config FILE]...\n"
        "\n"
        "Check the configuration (syntax and meaning, with line numbers), the\n"
        "launcher's file capabilities, sshd's effective settings for every jailed\n"
        "user (sshd -T -C), every jailed user's home, uploads, shell and keys, and\n"
        "the kernel's features.  One line per problem, saying what to do.\n"
        "Exit status 1 if any problem remains.\n"
        "\n"
        "  --fix                repair owners, modes, missing uploads directories,\n"
        "                       the launcher's capabilities and a quota's project id,\n"
        "                       inherit flag and kernel limits\n"
        "  --sshd-config FILE   sshd configuration to check (repeatable; default:\n"
        "                       /etc/ssh/sshd_config and " SFTPJAIL_CONFDIR "/sshd_config\n"
        "                       where they exist)\n";

int cmd_doctor(int argc, char **argv)
{
        static const struct option opts[] = {
                { "fix", no_argument, NULL, 'f' },
                { "sshd-config", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        const char *cfgs[16];
        size_t n_cfgs = 0;
        struct config c;
        char err[1024];
        int o;

        if (ctl_help_requested(argc, argv, doctor_usage))
                return CTL_EXIT_OK;
        optind = 1;
        opterr = 0;
        while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
                struct stat st;
                if (o == 'f' && fix) {
                        ctl_usage_error(doctor_usage, "--fix given twice");
                        return CTL_EXIT_USAGE;
                } else if (o == 'f') {
                        fix = true;
                } else if (o == 's' && n_cfgs == ELEMENTSOF(cfgs)) {
                        ctl_usage_error(doctor_usage, "at most %zu --sshd-config options", ELEMENTSOF(cfgs));
                        return CTL_EXIT_USAGE;
                } else if (o == 's' && !ctl_valid_path_arg(optarg)) {
                        ctl_error("--sshd-config must be a file name of printable ASCII characters, shorter than "
                                  "PATH_MAX, not '%s'", ctl_quote(optarg));
                        return CTL_EXIT_USAGE;
                } else if (o == 's' && stat(optarg, &st) < 0) {
                        ctl_error("--sshd-config '%s': %s", ctl_quote(optarg), strerror(errno));
                        return CTL_EXIT_USAGE;
                } else if (o == 's' && !S_ISREG(st.st_mode)) {
                        /* sshd -T would block on a FIFO and read /dev/zero forever. */
                        ctl_error("--sshd-config '%s': not a regular file", ctl_quote(optarg));
                        return CTL_EXIT_USAGE;
                } else if (o == 's') {
                        cfgs[n_cfgs++] = optarg;
                } else {
                        ctl_option_error(doctor_usage, argv, o);
                        return CTL_EXIT_USAGE;
                }
        }
        if (optind != argc) {
                ctl_usage_error(doctor_usage, "unexpected argument '%s'", ctl_quote(argv[optind]));
                return CTL_EXIT_USAGE;
        }
        if (!n_cfgs) {
                if (access("/etc/ssh/sshd_config", F_OK) == 0)
                        cfgs[n_cfgs++] = "/etc/ssh/sshd_config";
                if (access(SFTPJAIL_CONFDIR "/sshd_config", F_OK) == 0)
                        cfgs[n_cfgs++] = SFTPJAIL_CONFDIR "/sshd_config";
        }

        check_kernel();
        check_launcher();
        check_supervisor();
        if (fix && !ctl_netns_present()) {
                if (ctl_netns_create() == CTL_EXIT_OK)
                        did_fix("created the shared network namespace " SFTPJAIL_NETNS_PATH);
        } else if (ctl_netns_status(true) == CTL_EXIT_PROBLEMS) {
                problems++;
        }
        if (config_load(SFTPJAIL_CONFIG_FILE, &c, err, sizeof(err)) < 0) {
                problem("%s: every login is refused until this is fixed", err);
        } else {
                check_audit_sink(&c);
                check_sftp_requests(c.sftp_server);
                /* Users: members of the jailed group and every [user]. */
                const char *names[1024];
                size_t n_members, n = ctl_jailed_users(&c, names, ELEMENTSOF(names), &n_members);
                for (size_t i = 0; i < n; i++)
                        check_user(&c, names[i], cfgs, n_cfgs);
                for (size_t i = 0; i < n_members; i++)
                        free((char *)names[i]);
                printf("checked: %s, %zu jailed user(s), %zu sshd configuration(s)\n", SFTPJAIL_CONFIG_FILE, n,
                       n_cfgs);
                config_free(&c);
        }
        if (problems)
                printf("%d problem(s) found%s\n", problems, fixed ? " (after fixes)" : "");
        else
                printf("no problems found%s\n", fixed ? " (after fixes)" : "");
        return problems ? CTL_EXIT_PROBLEMS : CTL_EXIT_OK;
}
