/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "request.h"
#include "tap.h"

#define L "/usr/libexec/sftpjail/sftpjail"

static enum request_kind c3(const char *cmd, const char *orig)
{
        char *argv[] = { (char *)"sftpjail", (char *)"-c", (char *)cmd, NULL };
        return request_classify(3, argv, orig);
}

int main(void)
{
        char *plain[] = { (char *)L, NULL };
        char *login[] = { (char *)"-sftpjail", NULL };
        char *sub[] = { (char *)L, (char *)"--subsystem", NULL };
        char *bad[] = { (char *)L, (char *)"--config", (char *)"/tmp/x", NULL };

        /* ForceCommand (argv = launcher, no -c). */
        CHECK(request_classify(1, plain, "/usr/lib/openssh/sftp-server") == REQUEST_SFTP, "forced: subsystem path");
        CHECK(request_classify(1, plain, "internal-sftp") == REQUEST_SFTP, "forced: internal-sftp");
        CHECK(request_classify(1, plain, "/usr/lib/openssh/sftp-server -l INFO") == REQUEST_SFTP,
              "forced: subsystem with args");
        CHECK(request_classify(1, plain, NULL) == REQUEST_SHELL, "forced: no original command is a shell request");
        CHECK(request_classify(1, plain, "ls -la") == REQUEST_EXEC, "forced: exec refused");
        CHECK(request_classify(1, plain, "scp -t /tmp") == REQUEST_SCP, "forced: legacy scp sink");
        CHECK(request_classify(1, plain, "scp -f /etc/passwd") == REQUEST_SCP, "forced: legacy scp source");
        CHECK(request_classify(1, plain, "rsync --server -vlogDtpre.iLsfxC . x") == REQUEST_RSYNC, "forced: rsync");
        CHECK(request_classify(1, plain, "") == REQUEST_SHELL, "forced: empty command");
        CHECK(request_classify(1, plain, "sftp-server; /bin/sh") == REQUEST_EXEC,
              "forced: metacharacters after sftp-server are another word, not the subsystem");
        CHECK(request_classify(1, plain, "/tmp/evil/sftp-serverx") == REQUEST_EXEC, "forced: lookalike name");
        CHECK(request_classify(1, plain, L) == REQUEST_SHELL, "forced: the launcher itself without --subsystem");
        CHECK(request_classify(1, plain, L " --subsystem") == REQUEST_SFTP, "forced: Subsystem naming the launcher");

        /* Login shell. */
        CHECK(request_classify(1, login, NULL) == REQUEST_SHELL, "login shell without -c");
        CHECK(request_classify(1, login, "/usr/lib/openssh/sftp-server") == REQUEST_SHELL,
              "interactive login shell is a shell even with an original command");
        CHECK(c3("/usr/lib/openssh/sftp-server", NULL) == REQUEST_SFTP, "shell -c subsystem");
        CHECK(c3(L, NULL) == REQUEST_SHELL, "shell -c forced command, shell request");
        CHECK(c3(L, "/usr/lib/openssh/sftp-server") == REQUEST_SFTP, "shell -c forced command, subsystem");
        CHECK(c3(L, "id") == REQUEST_EXEC, "shell -c forced command, exec: the original command decides");
        CHECK(c3("bash -i", NULL) == REQUEST_EXEC, "shell -c other command");

        /* Subsystem line naming the launcher, and junk. */
        CHECK(request_classify(2, sub, NULL) == REQUEST_SFTP, "--subsystem");
        CHECK(request_classify(3, bad, NULL) == REQUEST_BAD_ARGS, "unknown arguments refused");
        CHECK(request_refusal(REQUEST_SHELL)[0] != '\0', "refusals have text");

        /* SSH_CONNECTION: "client-addr client-port server-addr server-port". */
        char c[128], a[256];
        static const struct {
                const char *conn, *client;
        } conns[] = {
                { "192.0.2.7 52144 192.0.2.1 22", "192.0.2.7:52144" },
                { "2001:db8::7 52144 2001:db8::1 22", "2001:db8::7:52144" },
                { "::1 0 ::1 22", "::1:0" },
                { "192.0.2.7 65535 192.0.2.1 22", "192.0.2.7:65535" },
                { "192.0.2.7 65536 192.0.2.1 22", "local" },           /* port out of range */
                { "192.0.2.7 52144", "local" },                        /* no server part */
                { "192.0.2.7 x 192.0.2.1 22", "local" },               /* no port: not port 0 */
                { "192.0.2.7  22 192.0.2.1 22", "local" },
                { "192.0.2.7 +22 192.0.2.1 22", "local" },
                { "192.0.2.7 -0 192.0.2.1 22", "local" },
                { "192.0.2.7\n52144 192.0.2.1 22", "local" },
                { "evil\nuser=root 1 2 3", "local" },                  /* not an address */
                { " 192.0.2.7 52144 192.0.2.1 22", "local" },
                { "192.0.2.7 99999999999999999999999 192.0.2.1 22", "local" }, /* ERANGE */
                { "1111111111111111111111111111111111111111111111111111111111111111 1 2 3", "local" }, /* 64 */
                { "", "local" },
        };
        for (size_t i = 0; i < sizeof(conns) / sizeof(conns[0]); i++) {
                request_client(conns[i].conn, c, sizeof(c));
                /* The description on one TAP line: a newline in the value shown as '|'. */
                char shown[160];
                snprintf(shown, sizeof(shown), "%s", conns[i].conn);
                for (char *q = shown; *q; q++)
                        if (*q == '\n')
                                *q = '|';
                CHECK(strcmp(c, conns[i].client) == 0, "SSH_CONNECTION '%s' -> %s (%s)", shown, c, conns[i].client);
        }
        request_client(NULL, c, sizeof(c));
        CHECK(strcmp(c, "local") == 0, "no SSH_CONNECTION: local");

        /* SSH_USER_AUTH: an absolute path without control characters. */
        request_auth_info("/tmp/sshauth.x1", a, sizeof(a));
        CHECK(strcmp(a, "/tmp/sshauth.x1") == 0, "SSH_USER_AUTH kept");
        request_auth_info("tmp/sshauth", a, sizeof(a));
        CHECK(a[0] == '\0', "relative SSH_USER_AUTH dropped");
        request_auth_info("/tmp/a\nb", a, sizeof(a));
        CHECK(a[0] == '\0', "SSH_USER_AUTH with a newline dropped");
        request_auth_info(NULL, a, sizeof(a));
        CHECK(a[0] == '\0', "no SSH_USER_AUTH");
        char small[8];
        request_auth_info("/1234567", small, sizeof(small));
        CHECK(small[0] == '\0', "SSH_USER_AUTH too long for the buffer dropped, not cut");
        request_auth_info("/123456", small, sizeof(small));
        CHECK(strcmp(small, "/123456") == 0, "SSH_USER_AUTH that fits kept");
        return tap_done();
}
