/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The first word of cmd, its length in *len. */
static const char *first_word(const char *cmd, size_t *len)
{
        while (is_space(*cmd))
                cmd++;
        *len = 0;
        while (cmd[*len] && !is_space(cmd[*len]))
                (*len)++;
        return cmd;
}

static bool word_is(const char *w, size_t len, const char *s)
{
        return strlen(s) == len && memcmp(w, s, len) == 0;
}

static bool basename_is(const char *w, size_t len, const char *s)
{
        const char *b = w;

        for (size_t i = 0; i < len; i++)
                if (w[i] == '/')
                        b = w + i + 1;
        return word_is(b, len - (size_t)(b - w), s);
}

/* A command line names the SFTP subsystem if its first word is
 * internal-sftp, an sftp-server binary, or the launcher itself: the forms a
 * "Subsystem sftp ..." line takes.  An exec request carrying the same
 * string gets the same jail, which is harmless.  The rest is ignored. */
static enum request_kind classify_command(const char *cmd)
{
        size_t len;
        const char *w = first_word(cmd, &len);

        if (len == 0)
                return REQUEST_SHELL;
        if (word_is(w, len, "internal-sftp") || basename_is(w, len, "sftp-server"))
                return REQUEST_SFTP;
        if (basename_is(w, len, "sftpjail")) {
                /* The launcher named as ForceCommand (a shell request when
                 * no SSH_ORIGINAL_COMMAND came with it) or as the
                 * Subsystem command with --subsystem. */
                w = first_word(w + len, &len);
                return word_is(w, len, "--subsystem") ? REQUEST_SFTP : REQUEST_SHELL;
        }
        if (basename_is(w, len, "scp"))
                return REQUEST_SCP;
        if (basename_is(w, len, "rsync"))
                return REQUEST_RSYNC;
        return REQUEST_EXEC;
}

enum request_kind request_classify(int argc, char *const argv[], const char *orig)
{
        /* Login shell running a command: "-c <command>". */
        if (argc == 3 && streq(argv[1], "-c"))
                return classify_command(orig ? orig : argv[2]);
        if (argc == 2 && streq(argv[1], "--subsystem"))
                return REQUEST_SFTP;
        if (argc == 1) {
                /* An interactive login shell, or ForceCommand for a shell
                 * request (SSH_ORIGINAL_COMMAND unset). */
                if (argv[0] && argv[0][0] == '-')
                        return REQUEST_SHELL;
                return orig ? classify_command(orig) : REQUEST_SHELL;
        }
        return REQUEST_BAD_ARGS;
}

const char *request_refusal(enum request_kind k)
{
        switch (k) {
        case REQUEST_SFTP:
                return "";
        case REQUEST_SHELL:
                return "this account is for SFTP only; interactive shells are not available";
        case REQUEST_SCP:
                return "this account is for SFTP only; legacy scp (-O) is not available, use sftp or scp without -O";
        case REQUEST_RSYNC:
                return "this account is for SFTP only; rsync is not available";
        case REQUEST_EXEC:
                return "this account is for SFTP only; remote commands are not available";
        case REQUEST_BAD_ARGS:
        default:
                return "unexpected arguments (usage: sftpjail [--subsystem | -c COMMAND])";
        }
}

void request_client(const char *conn, char *out, size_t outlen)
{
        snprintf(out, outlen, "local");
        if (conn) {
                /* "client-addr client-port server-addr server-port" */
                size_t alen = strspn(conn, "0123456789abcdefABCDEF.:");
                char *end;
                unsigned long port;

                /* The port: decimal digits, nothing else (strtoul alone
                 * takes no digits at all as 0, and signs and spaces). */
                errno = 0;
                port = strtoul(conn + alen, &end, 10);
                if (alen > 0 && alen < 64 && conn[alen] == ' ' && conn[alen + 1] >= '0' && conn[alen + 1] <= '9' &&
                    !errno && port <= 65535 && *end == ' ')
                        snprintf(out, outlen, "%.*s:%lu", (int)alen, conn, port);
        }
}

void request_auth_info(const char *auth, char *out, size_t outlen)
{
        if (!outlen)
                return;
        out[0] = '\0';
        if (auth && auth[0] == '/' && strlen(auth) < outlen && strcspn(auth, "\n\r\t") == strlen(auth))
                snprintf(out, outlen, "%s", auth);
}
