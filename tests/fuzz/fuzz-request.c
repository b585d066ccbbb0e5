/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The launcher's view of how it was called (request.c): argv and
 * SSH_ORIGINAL_COMMAND classified, SSH_CONNECTION and SSH_USER_AUTH
 * checked.  Input: NUL-separated strings; the first byte's bits choose
 * argc and whether the last string is SSH_ORIGINAL_COMMAND. */
#include "fuzz.h"
#include "request.h"

static void check_client(const char *conn)
{
        char out[128];
        size_t alen = strspn(conn, "0123456789abcdefABCDEF.:");

        request_client(conn, out, sizeof(out));
        if (strcmp(out, "local") == 0)
                return;
        /* "ADDR:PORT": ADDR the address as given, PORT the digits that
         * follow it in SSH_CONNECTION, and a space after them. */
        FUZZ_CHECK(alen > 0 && alen < 64 && conn[alen] == ' ');
        FUZZ_CHECK(strncmp(out, conn, alen) == 0 && out[alen] == ':');
        const char *port = out + alen + 1, *digits = conn + alen + 1;
        size_t nd = strspn(digits, "0123456789");
        FUZZ_CHECK(nd > 0 && digits[nd] == ' ');
        FUZZ_CHECK(strspn(port, "0123456789") == strlen(port) && strlen(port) <= 5 && strtoul(port, NULL, 10) <= 65535);
        FUZZ_CHECK(strtoul(port, NULL, 10) == strtoul(digits, NULL, 10));
}

static void check_auth(const char *auth)
{
        char out[256];

        request_auth_info(auth, out, sizeof(out));
        FUZZ_CHECK(out[0] == '\0' || (strcmp(out, auth) == 0 && out[0] == '/' && !strpbrk(out, "\n\r\t")));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *s[8];
        size_t n;

        if (size < 1)
                return 0;
        n = fuzz_split(data + 1, size - 1, 0, s, 8);
        int argc = (data[0] & 3) + 1;
        bool with_orig = data[0] & 4;
        char *argv[5] = { NULL };
        size_t k = 0;
        for (int i = 0; i < argc && k < n; i++)
                argv[i] = s[k++];
        if (k < (size_t)argc) /* fewer strings than argc: argv[0] at least */
                argc = (int)k ? (int)k : 1;
        if (!argv[0])
                argv[0] = (char *)"sftpjail";
        const char *orig = with_orig && k < n ? s[k] : NULL;
        enum request_kind r = request_classify(argc, argv, orig);
        FUZZ_CHECK(r >= REQUEST_SFTP && r <= REQUEST_BAD_ARGS);
        FUZZ_CHECK(request_refusal(r) != NULL);
        /* The launcher serves nothing but SFTP: a refusal has a reason. */
        FUZZ_CHECK(r == REQUEST_SFTP || request_refusal(r)[0] != '\0');

        for (size_t i = 0; i < n; i++) {
                check_client(s[i]);
                check_auth(s[i]);
        }
        check_client(s[n - 1]);
        for (size_t i = 0; i < n; i++)
                free(s[i]);
        return 0;
}
