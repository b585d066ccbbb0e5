/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What did the client ask for?  sshd starts the launcher in three ways:
 *
 *  - ForceCommand:  "<shell> -c <launcher>", SSH_ORIGINAL_COMMAND holds the
 *    Subsystem command line (subsystem request), the client's string (exec
 *    request) or is unset (shell request);
 *  - Subsystem sftp <launcher> --subsystem;
 *  - as the login shell: "<launcher> -c <command>", or argv[0] "-<name>"
 *    for an interactive login.
 *
 * The only outcome besides a refusal is "serve SFTP in the caller's own
 * jail"; nothing here ever becomes an argv.  Pure function, unit-tested. */
#pragma once

#include <stddef.h>

enum request_kind {
        REQUEST_SFTP,
        REQUEST_SHELL,
        REQUEST_EXEC,
        REQUEST_SCP,
        REQUEST_RSYNC,
        REQUEST_BAD_ARGS,
};

enum request_kind request_classify(int argc, char *const argv[], const char *ssh_original_command);

/* One line explaining the refusal, for stderr and the log. */
const char *request_refusal(enum request_kind k);

/* The client as sshd's SSH_CONNECTION names it ("client-addr client-port
 * server-addr server-port"): "addr:port" into out, or "local" when conn
 * is NULL or not of that form.  Pure, unit-tested. */
void request_client(const char *conn, char *out, size_t outlen);

/* sshd's SSH_USER_AUTH (the ExposeAuthInfo file): only its name, kept
 * when it is an absolute path shorter than outlen without control
 * characters (tab, CR, LF); else out is "". */
void request_auth_info(const char *auth, char *out, size_t outlen);
