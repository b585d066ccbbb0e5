/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The supervisor's relay of the client's half of the channel, on real
 * pipes: bytes arrive whole and in order, a full server pipe makes it wait
 * for POLLOUT instead of spinning, the client's EOF closes sftp-server's
 * stdin, and the idle clock moves only with client bytes. */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "channel.h"
#include "tap.h"

int main(void)
{
        int a[2], b[2];
        struct channel c;
        char buf[200000], out[200000];
        short ev;

        if (pipe(a) < 0 || pipe(b) < 0)
                return 1;
        CHECK(channel_init(&c, a[0], b[1]) == 0, "init");
        CHECK(channel_poll_fd(&c, &ev) == a[0] && ev == POLLIN, "waits for the client first");
        CHECK(channel_pump(&c) == 0, "nothing to move: 0, not an error");

        for (size_t i = 0; i < sizeof(buf); i++)
                buf[i] = (char)(i * 7);
        CHECK(write(a[1], buf, 1000) == 1000, "client sends 1000 bytes");
        usleep(20000);
        double idle_before = channel_idle(&c);
        CHECK(channel_pump(&c) == 1000 && c.bytes == 1000, "1000 bytes moved");
        CHECK(channel_idle(&c) < idle_before, "the idle clock restarts with client bytes");
        CHECK(read(b[0], out, sizeof(out)) == 1000 && memcmp(out, buf, 1000) == 0, "sftp-server reads them, intact");

        /* Fill the server's pipe: the relay must then wait for POLLOUT. */
        int fl = fcntl(a[1], F_GETFL);
        fcntl(a[1], F_SETFL, fl | O_NONBLOCK);
        ssize_t sent = write(a[1], buf, 65536);
        long moved = 0, m;
        while ((m = channel_pump(&c)) > 0)
                moved += m;
        ssize_t more = write(a[1], buf, 65536);
        while ((m = channel_pump(&c)) > 0)
                moved += m;
        CHECK(m == 0 && c.blocked, "a full server pipe: blocked, not an error (moved %ld of %zd)", moved,
              sent + (more > 0 ? more : 0));
        CHECK(channel_poll_fd(&c, &ev) == b[1] && ev == POLLOUT, "then it waits for room, not for the client");
        size_t got = 0;
        ssize_t r;
        fcntl(b[0], F_SETFL, fcntl(b[0], F_GETFL) | O_NONBLOCK);
        for (int round = 0; round < 100 && got < (size_t)(sent + (more > 0 ? more : 0)); round++) {
                while ((r = read(b[0], out, sizeof(out))) > 0)
                        got += (size_t)r;
                channel_pump(&c);
        }
        CHECK(got == (size_t)(sent + (more > 0 ? more : 0)), "everything arrives once there is room (%zu)", got);

        close(a[1]);
        CHECK(channel_pump(&c) == -1, "client EOF ends the relay");
        CHECK(c.to_server == -1 && c.from_client == -1, "both ends closed");
        CHECK(read(b[0], out, sizeof(out)) == 0, "sftp-server sees EOF on its stdin");
        CHECK(channel_poll_fd(&c, &ev) == -1, "nothing to wait for any more");

        /* sftp-server gone: EPIPE ends the relay (SIGPIPE ignored here, as
         * it is blocked in the supervisor). */
        signal(SIGPIPE, SIG_IGN);
        if (pipe(a) < 0 || pipe(b) < 0)
                return 1;
        channel_init(&c, a[0], b[1]);
        close(b[0]);
        CHECK(write(a[1], "x", 1) == 1, "client sends");
        CHECK(channel_pump(&c) == -1, "server gone: the relay ends");
        close(a[1]);
        return tap_done();
}
