/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The bench's syslog sink where none runs: binds a Unix datagram socket
 * (the /dev/log protocol) and appends each message to a file, one line
 * each, as rsyslogd would.  In C, batched with recvmmsg(2): a sink that
 * costs more CPU per message than the jail's own logging (the tests'
 * Python listener) measures the sink, not the jail, on a 2-core machine.
 *
 * Usage: log-sink SOCKET FILE   (prints "ready" when bound) */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define BATCH 64
#define MSG_MAX 65536

int main(int argc, char **argv)
{
        static char bufs[BATCH][MSG_MAX];
        struct mmsghdr msgs[BATCH];
        struct iovec iov[BATCH];
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        FILE *out;
        int s;

        if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
                fprintf(stderr, "usage: log-sink SOCKET FILE\n");
                return 2;
        }
        strcpy(sa.sun_path, argv[1]);
        unlink(argv[1]);
        if ((s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
            bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(argv[1], 0666) < 0) {
                perror("log-sink: socket");
                return 1;
        }
        if (!(out = fopen(argv[2], "ae"))) {
                perror(argv[2]);
                return 1;
        }
        setvbuf(out, NULL, _IOFBF, 1 << 20);
        printf("ready\n");
        fflush(stdout);
        for (;;) {
                for (int i = 0; i < BATCH; i++) {
                        iov[i] = (struct iovec){ bufs[i], MSG_MAX };
                        msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
                }
                /* Block for the first, take what else is queued. */
                int n = recvmmsg(s, msgs, BATCH, MSG_WAITFORONE, NULL);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        perror("log-sink: recvmmsg");
                        return 1;
                }
                for (int i = 0; i < n; i++) {
                        size_t len = msgs[i].msg_len;
                        while (len && bufs[i][len - 1] == '\n')
                                len--;
                        for (size_t k = 0; k < len; k++)
                                if (bufs[i][k] == '\n')
                                        bufs[i][k] = ' ';
                        fwrite(bufs[i], 1, len, out);
                        fputc('\n', out);
                }
                /* Written when the queue is empty: lines are in the file
                 * at the end of a burst, as with a real syslog daemon. */
                fflush(out);
        }
}
