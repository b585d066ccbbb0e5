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
        return tap_done();
}
