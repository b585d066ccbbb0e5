/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key that authenticated a login, for the records: sshd's
 * ExposeAuthInfo file (named by SSH_USER_AUTH) holds one line per
 * authentication method that succeeded, "publickey TYPE BASE64" for a key.
 * We record it as sshd's own log names it: "SHA256:" and the unpadded
 * base64 of the SHA-256 of the key blob (what "ssh-keygen -l" prints).
 * The supervisor reads the file as the user, with no capability; the
 * parsing is pure (tests/unit/test-authinfo.c). */
#pragma once

#include <stddef.h>

/* "SHA256:..." is 50 bytes; with the key type in front, room for any. */
#define AUTHINFO_KEY_MAX 128

/* From the file's text: "TYPE SHA256:FP" of the first publickey line
 * into out.  0, or -1 when there is none (or it is malformed). */
int authinfo_parse(const char *text, size_t len, char out[AUTHINFO_KEY_MAX]);

/* Read the file at path (no symlink, a regular file of ours, at most
 * 64 KiB) and parse it.  0, or -1. */
int authinfo_read(const char *path, char out[AUTHINFO_KEY_MAX]);
