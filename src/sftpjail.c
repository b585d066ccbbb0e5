/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sftpjail: the per-login launcher.
 *
 * sshd runs this as the logged-in user; it holds the file capabilities in
 * caps.h, permitted but not effective, and nothing else.  The path is
 * linear:
 *
 *   sanitize fds -> empty the effective set -> who is calling, what was
 *   asked -> trusted config -> policy -> resolve and check every source
 *   by fd (all of this parses input, and runs with no effective
 *   capability)
 *   -> raise CAP_SYS_ADMIN: clone the sources into detached mounts,
 *   clone(2) into new mount/pid/ipc/uts/cgroup (and net) namespaces
 *
 *   child (pid 1 of the jail): join the shared netns, build the tree and
 *   pivot_root (CAP_SYS_ADMIN, CAP_CHOWN), setsid, drop every capability,
 *   wait for the supervisor to be running, no_new_privs, Landlock,
 *   seccomp, execve(sftp-server)
 *   parent: drop every capability, no_new_privs, exec sftpjail-supervise
 *   (a small program of its own: supervisor.c)
 *
 * Any failure refuses the login through die(); there is no path that runs
 * sftp-server outside a complete jail.  docs/security.md lists every
 * function that runs with a capability effective. */
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "build-config.h"
#include "caps.h"
#include "config.h"
#include "identity.h"
#include "landlock.h"
#include "log.h"
#include "mounts.h"
#include "netns.h"
#include "policy.h"
#include "request.h"
#include "seccomp-filter.h"
#include "session-abi.h"
#include "slots.h"
#include "timing.h"

/* And a network namespace: the shared empty one (netns.h) or, without it,
 * a new one. */
#define JAIL_NAMESPACES (CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP)

/* Everything the launcher keeps from its environment, copied before the
 * environment is cleared. */
struct invocation {
        char *original_command; /* SSH_ORIGINAL_COMMAND, or NULL */
        char client[128];       /* from SSH_CONNECTION, validated */
        char auth_info[256];    /* SSH_USER_AUTH (sshd's ExposeAuthInfo file), or "" */
};

/* fds 0-2 must be open (else our own files could land on them and be
 * served as the SFTP stream); nothing above 2 may leak in. */
static void sanitize_fds(void)
{
        for (int fd = 0; fd <= 2; fd++)
                if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) != fd)
                        _exit(SFTPJAIL_EXIT_REFUSED);
        if (close_range(3, ~0U, 0) < 0)
                for (int fd = 3; fd < 1024; fd++)
                        close(fd);
}

static void take_environment(struct invocation *inv)
{
        const char *orig = getenv("SSH_ORIGINAL_COMMAND");

        inv->original_command = orig ? strdup(orig) : NULL;
        request_client(getenv("SSH_CONNECTION"), inv->client, sizeof(inv->client));
        /* sshd's file naming the key that authenticated: only its name
         * here (an absolute path without control characters); the
         * supervisor reads it, as the user (authinfo.h). */
        request_auth_info(getenv("SSH_USER_AUTH"), inv->auth_info, sizeof(inv->auth_info));
        /* Nothing from the caller's environment reaches sftp-server or
         * influences us past this point (LD_*, locale, TZ, ...). */
        if (clearenv() != 0)
                die("clearenv");
}

/* The jail's /etc/passwd and /etc/group: root and this user only. */
static void jail_etc(const struct identity *id, char *passwd, size_t plen, char *group, size_t glen)
{
        size_t used;

        snprintf(passwd, plen, "root:x:0:0:root:/root:/usr/sbin/nologin\n%s:x:%u:%u::%s:/usr/sbin/nologin\n",
                 id->name, id->uid, id->gid, id->home);
        used = (size_t)snprintf(group, glen, "root:x:0:\n");
        if (id->group && id->gid != 0)
                snprintf(group + used, glen - used, "%s:x:%u:\n", id->group, id->gid);
}

/* The host's time zone as a POSIX TZ string, taken from the footer of a
 * TZif (v2+) /etc/localtime, so that listings in the jail show local time
 * without any zone file there (and glibc does not probe for one per
 * directory entry).  UTC0 when there is none. */
static void host_tz(char *env, size_t len)
{
        _cleanup_close_ int fd = open("/etc/localtime", O_RDONLY | O_CLOEXEC | O_NOCTTY);
        char buf[16384];
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        const char *tz = "UTC0";

        if (n > 44 && memcmp(buf, "TZif", 4) == 0 && buf[4] >= '2' && buf[n - 1] == '\n') {
                buf[n - 1] = '\0';
                char *start = strrchr(buf, '\n');
                if (start && start[1] && strspn(start + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                                           "0123456789+-,./:<>") == strlen(start + 1))
                        tz = start + 1;
        }
        snprintf(env, len, "TZ=%s", tz);
}

static void new_session_id(char out[17])
{
        unsigned char r[8];

        if (getrandom(r, sizeof(r), 0) != sizeof(r))
                die_errno("getrandom");
        for (size_t i = 0; i < sizeof(r); i++)
                snprintf(out + 2 * i, 3, "%02x", r[i]);
}

struct child_args {
        struct jail *jail;
        const char *passwd, *group, *hostname;
        const char **argv;
        char **envp;
        int status_w, log_w, ready_r;
        int slot_fd; /* the session slot (max_sessions), or -1: the supervisor's */
        int chan_r;  /* the relayed channel: sftp-server's stdin */
        int netns; /* the shared network namespace, or -1: cloned a new one */
};

/* max_file_size: the kernel refuses a write past the limit with EFBIG;
 * SIGXFSZ ignored (and ignored it stays across execve), so the session
 * goes on and sftp-server answers that write with a failure, which it
 * logs with the reason ("File too large"). */
static void set_file_size_limit(int64_t max)
{
        struct rlimit r = { (rlim_t)max, (rlim_t)max };
        struct sigaction ign = { .sa_handler = SIG_IGN };

        if (max <= 0)
                return;
        if (sigaction(SIGXFSZ, &ign, NULL) < 0 || setrlimit(RLIMIT_FSIZE, &r) < 0)
                die_errno("setting max_file_size");
}

/* Hand the filter's listener to the supervisor (SCM_RIGHTS over the
 * reserved socket), so that it can name and stop refused syscalls. */
static void send_listener(int listener)
{
        if (send_fd(SESSION_NOTIFY_FD, listener) < 0)
                die_errno("handing the seccomp listener to the supervisor");
}

/* The supervisor holds the other end of the log socket for the whole
 * session (SOCK_SEQPACKET: its close is a hangup on ours). */
static bool supervisor_alive(void)
{
        struct pollfd p = { .fd = SESSION_LOG_FD, .events = POLLOUT };

        return poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR | POLLNVAL));
}

/* pid 1 of the jail.  Order matters and follows the sandboxes that came
 * before us (bubblewrap, minijail): mounts while privileged, then the
 * session and limits, then drop everything we hold, and seccomp last,
 * because it would forbid the steps before it. */
static _noreturn_ void jail_child(struct child_args *a)
{
        sigset_t none;
        struct rlimit no_core = { 0, 0 };
        char ready;

        log_set_die_fd(a->status_w);
        closep(&a->slot_fd);
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                die_errno("sigprocmask");
        if (dup2(a->log_w, SESSION_LOG_FD) < 0 || dup2(a->chan_r, STDIN_FILENO) < 0)
                die_errno("dup2");
        close(a->log_w);
        closep(&a->chan_r);

        /* We come out of clone() with CAP_SYS_ADMIN effective (the
         * parent raised it for the clone).  setns() needs it: join the
         * shared namespace, then lower it while we look inside, and check
         * the namespace on every login: one that has gained an interface
         * (or a loopback that is up) is not one we jail in. */
        if (a->netns >= 0) {
                char why[128];
                if (setns(a->netns, CLONE_NEWNET) < 0)
                        die_errno("joining the shared network namespace %s", SFTPJAIL_NETNS_PATH);
                close(a->netns);
                caps_lower();
                if (!netns_is_empty(why, sizeof(why)))
                        die("shared network namespace %s: %s; refusing to jail in it", SFTPJAIL_NETNS_PATH, why);
        }
        STAGE(STAGE_CHILD_NETNS);

        /* Building the tree: CAP_SYS_ADMIN for the tmpfs, move_mount,
         * mount_setattr and pivot_root; CAP_CHOWN to make the tmpfs
         * entries root's (we have no CAP_DAC_OVERRIDE, so the tmpfs is
         * the user's while we fill it); CAP_SYS_ADMIN again for the jail's
         * hostname.  Nothing in here parses input. */
        caps_raise(CAPS_SYS_ADMIN | CAPS_CHOWN);
        jail_build(a->jail, a->passwd, a->group);
        /* The jail's hostname carries the session id, so that
         * "sftpjailctl sessions" can tell sessions apart (it reads it
         * through the jail's UTS namespace); sftp-server never shows it. */
        if (sethostname(a->hostname, strlen(a->hostname)) < 0)
                die_errno("sethostname");
        caps_lower();
        STAGE(STAGE_CHILD_TREE);

        if (setsid() < 0) /* no controlling tty: TIOCSTI, CVE-2017-5226 */
                die_errno("setsid");
        if (setrlimit(RLIMIT_CORE, &no_core) < 0)
                die_errno("setrlimit");
        set_file_size_limit(a->jail->policy->limits.max_file_size);

        caps_drop_all();
        STAGE(STAGE_CHILD_DROP);

        /* After the last credential change, so it is not reset; from here
         * on the jail dies with the supervisor. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                die_errno("PR_SET_PDEATHSIG");
        /* Wait for the supervisor to be running (it execs a program of
         * its own): no sftp-server serves a byte of a session whose log
         * nobody would write.  EOF: it died before it was ready. */
        if (read(a->ready_r, &ready, 1) != 1)
                die("the supervisor did not start");
        close(a->ready_r);
        /* The byte says the supervisor started, not that it still runs:
         * killed before PR_SET_PDEATHSIG above (which does not fire for a
         * parent already gone), it would leave sftp-server to serve the
         * session unlogged.  Its end of the log socket tells: a dying
         * process closes its fds before its children are told, so either
         * the signal comes or the hangup is already there. */
        if (!supervisor_alive())
                die("the supervisor has ended");

        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                die_errno("PR_SET_NO_NEW_PRIVS");
        /* Landlock needs no_new_privs; seccomp comes after it because the
         * filter does not allow the landlock syscalls. */
        if (landlock_apply(a->jail) == 0)
                dprintf(STDERR_FILENO, "sftpjail: note: this kernel has no Landlock; jailed without it\n");
        STAGE(STAGE_CHILD_LANDLOCK);
        int listener = seccomp_load_filter();
        if (listener >= 0) {
                send_listener(listener);
                close(listener);
        } else {
                dprintf(STDERR_FILENO, "sftpjail: note: a seccomp listener above the launcher; "
                                       "refused syscalls are killed by the filter, unnamed\n");
        }
        STAGE(STAGE_CHILD_SECCOMP);
        execve(a->argv[0], (char *const *)a->argv, a->envp);
        die_errno("exec %s", a->argv[0]);
}

/* The rest of the session belongs to sftpjail-supervise (why a program of
 * its own: see there).  Called with no capability and no_new_privs set;
 * the fds it needs are the only ones that survive the exec. */
static _noreturn_ void exec_supervisor(const struct supervise_args *sa, char *env_tz)
{
        const int keep[] = { sa->notify_fd, sa->status_fd, sa->log_fd, sa->ready_fd, sa->slot_fd, sa->channel_fd };
        const char *argv[SUPERVISE_ARGC + 1];
        char buf[SUPERVISE_ARGV_BUF];
        /* TZ as a rule string: syslog's time stamps without reading (and
         * keeping buffers of) a zone file. */
        char *const envp[] = { env_tz, NULL };

        if (supervise_argv_build(sa, SFTPJAIL_SUPERVISE_PATH, buf, argv) < 0)
                die("invalid supervisor arguments");
        for (size_t i = 0; i < ELEMENTSOF(keep); i++)
                if (keep[i] >= 0 && fcntl(keep[i], F_SETFD, 0) < 0)
                        die_errno("handing fd %d to the supervisor", keep[i]);
        execve(argv[0], (char *const *)argv, envp);
        /* The jail notices: it dies with us (PR_SET_PDEATHSIG). */
        die_errno("exec %s", argv[0]);
}

int main(int argc, char **argv)
{
        struct invocation inv;
        struct identity id;
        struct config cfg;
        struct policy pol;
        struct jail jail;
        char err[1024], session_id[17], hostname[32], passwd[2048], group[1024], argbuf[2048];
        char env_home[PATH_MAX + 8], env_user[300], env_logname[300], env_tz[80];
        const char *sargv[POLICY_ARGV_MAX];
        char *envp[6];
        int status_pipe[2], log_pipe[2], ready_pipe[2];
        enum request_kind req;
        sigset_t mask;
        pid_t pid;

        sanitize_fds();
        /* Then, before we read any input: the effective capability set
         * is emptied here and each capability is raised only around the
         * operation that needs it (docs/security.md lists them). */
        caps_init_launcher();
        /* First of our fds, so that it gets fds 3 and 4: the child's end must be the
         * fd number the seccomp policy allows sendmsg() on. */
        int notify[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, notify) < 0 || notify[0] != SESSION_NOTIFY_FD)
                die("cannot reserve the seccomp notification socket");
        STAGE_INIT();
        take_environment(&inv);
        log_open();
        new_session_id(session_id);
        snprintf(hostname, sizeof(hostname), "sftpjail-%s", session_id);
        log_set_context("?", session_id);
        /* In a child, bounded: a hung directory service ends the login
         * cleanly instead of holding it (identity.h). */
        if (identity_of_caller_bounded(&id, IDENTITY_LOOKUP_TIMEOUT_S, err, sizeof(err)) < 0)
                die("%s", err);
        log_set_context(id.name, session_id);

        req = request_classify(argc, argv, inv.original_command);
        if (req != REQUEST_SFTP) {
                log_msg(LOG_NOTICE, "refused %s request from %s", req == REQUEST_SHELL ? "shell" : "command",
                        inv.client);
                die("%s", request_refusal(req));
        }

        caps_check_launcher();
        STAGE(STAGE_IDENTITY);

        if (config_load(SFTPJAIL_CONFIG_FILE, &cfg, err, sizeof(err)) < 0)
                die("configuration error: %s", err);
        /* audit = required: no session is served whose records would be
         * lost (the supervisor ends one whose records stop going out). */
        if (log_sink_check(err, sizeof(err)) < 0 && !cfg.audit_best_effort)
                die("the audit log cannot be written (%s); with audit = required no session is served", err);
        if (policy_resolve(&cfg, &id, &pol) < 0)
                die("no rule in %s allows user %s", SFTPJAIL_CONFIG_FILE, id.name);
        if (policy_sftp_argv(&cfg, &id, &pol, sargv, argbuf, sizeof(argbuf)) < 0)
                die("sftp-server command line too long");
        jail_etc(&id, passwd, sizeof(passwd), group, sizeof(group));
        snprintf(env_home, sizeof(env_home), "HOME=%s", id.home);
        snprintf(env_user, sizeof(env_user), "USER=%s", id.name);
        snprintf(env_logname, sizeof(env_logname), "LOGNAME=%s", id.name);
        envp[0] = env_home;
        envp[1] = env_user;
        envp[2] = env_logname;
        envp[3] = (char *)"PATH=/usr/bin:/bin";
        host_tz(env_tz, sizeof(env_tz));
        envp[4] = env_tz;
        envp[5] = NULL;

        /* max_sessions: a slot is an fd the supervisor holds (slots.h);
         * taken as the user, before anything is built. */
        int slot = -1, slot_fd = -1;
        if (pol.limits.max_sessions > 0 &&
            (slot_fd = slots_take(SFTPJAIL_SLOTS_DIR, id.uid, pol.limits.max_sessions, &slot, err, sizeof(err))) < 0)
                die("%s", err);
        STAGE(STAGE_CONFIG);
        if (jail_resolve(&jail, &cfg, &id, &pol) < 0)
                die("%s", jail.err);
        STAGE(STAGE_RESOLVE);

        int netns = netns_open_shared(SFTPJAIL_NETNS_PATH, err, sizeof(err));
        if (netns == -2)
                die("shared network namespace %s: %s (recreate it with 'sftpjailctl netns create', "
                    "or remove it for one namespace per login)",
                    SFTPJAIL_NETNS_PATH, err);
        unsigned long ns_flags = JAIL_NAMESPACES | (netns < 0 ? CLONE_NEWNET : 0);

        /* sftp-server's stderr is a SOCK_SEQPACKET socket, not a pipe: its
         * log.c writes each message with one write(), so each message is
         * one record and file names with CR/LF in them cannot split a
         * message or forge another (supervisor.c, session-abi.h). */
        if (pipe2(status_pipe, O_CLOEXEC) < 0 ||
            socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, log_pipe) < 0 ||
            pipe2(ready_pipe, O_CLOEXEC) < 0)
                die_errno("pipe");
        /* The supervisor relays the client's half of the channel
         * (channel.h): idleness is measured on the channel, a session
         * ends as a client ends it (EOF), and no request of the client
         * reaches sftp-server before the supervisor has read all that
         * sftp-server logged before it answered the last one (records.h:
         * a bare "Failure" is explained while its cause is still there). */
        int chan_pipe[2] = { -1, -1 };
        if (pipe2(chan_pipe, O_CLOEXEC) < 0)
                die_errno("pipe");

        /* Block the signals the supervisor takes through a signalfd before
         * the child exists, so none is lost; the child unblocks them. */
        session_signals(&mask);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                die_errno("sigprocmask");

        /* The privileged step.  CAP_SYS_ADMIN: open_tree(OPEN_TREE_CLONE)
         * and mount_setattr() need it (may_mount), and so does clone()
         * with new namespaces.  The child keeps it for setns(). */
        caps_raise(CAPS_SYS_ADMIN);
        jail_clone(&jail);
        STAGE(STAGE_CLONE_SOURCES);
        /* A raw clone acts like fork() with namespaces: the parent stays in
         * the host's namespaces (for syslog) and the child is pid 1 of the
         * new pid namespace, so the jail ends when sftp-server does. */
        pid = (pid_t)syscall(SYS_clone, ns_flags | SIGCHLD, NULL, NULL, NULL, NULL);
        if (pid < 0)
                die_errno("creating namespaces");
        if (pid > 0)
                caps_drop_all(); /* the parent needs no capability again */
        STAGE(pid == 0 ? STAGE_CHILD_CLONE : STAGE_PARENT_CLONE);
        if (pid == 0) {
                close(notify[1]);
                close(status_pipe[0]);
                close(log_pipe[0]);
                close(ready_pipe[1]);
                closep(&chan_pipe[1]);
                struct child_args a = {
                        .jail = &jail, .passwd = passwd, .group = group, .hostname = hostname,
                        .argv = sargv, .envp = envp,
                        .status_w = status_pipe[1], .log_w = log_pipe[1], .ready_r = ready_pipe[0],
                        .netns = netns, .slot_fd = slot_fd, .chan_r = chan_pipe[0],
                };
                jail_child(&a);
        }

        /* Supervisor: give up everything before touching any more input. */
        close(notify[0]);
        close(status_pipe[1]);
        close(log_pipe[1]);
        close(ready_pipe[0]);
        closep(&chan_pipe[0]);
        closep(&netns);
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
                die_errno("PR_SET_NO_NEW_PRIVS");
        jail_close(&jail);
        /* sftp-server alone holds the channel's output: when it exits,
         * sshd sees EOF at once.  The input is ours to relay. */
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (devnull < 0 || dup2(devnull, STDOUT_FILENO) < 0)
                die_errno("/dev/null");
        close(devnull);
        STAGE(STAGE_PARENT_DROP);

        struct supervise_args sa = {
                .session = session_id, .user = id.name, .client = inv.client, .child = pid,
                .notify_fd = notify[1], .status_fd = status_pipe[0], .log_fd = log_pipe[0], .ready_fd = ready_pipe[1],
                .slot_fd = slot_fd, .channel_fd = chan_pipe[1],
                .idle_timeout = (long)pol.limits.idle_timeout, .max_session_time = (long)pol.limits.max_session_time,
                .audit_best_effort = cfg.audit_best_effort, .home = id.home, .auth_info = inv.auth_info,
        };
        exec_supervisor(&sa, env_tz);
}
