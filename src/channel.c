/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "util.h"

/* One splice moves at most this much: a pipe's default capacity. */
#define CHANNEL_CHUNK (64 * 1024)

static int set_nonblock(int fd)
{
        int fl = fcntl(fd, F_GETFL);
        return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

int channel_init(struct channel *c, int from_client, int to_server)
{
        *c = (struct channel){ .from_client = from_client, .to_server = to_server };
        clock_gettime(CLOCK_MONOTONIC, &c->last);
        if (set_nonblock(from_client) < 0 || set_nonblock(to_server) < 0)
                return -1;
        return 0;
}

int channel_poll_fd(const struct channel *c, short *events)
{
        if (c->from_client < 0 || c->to_server < 0)
                return -1;
        *events = c->blocked ? POLLOUT : POLLIN;
        return c->blocked ? c->to_server : c->from_client;
}

void channel_close(struct channel *c)
{
        closep(&c->from_client);
        closep(&c->to_server);
        c->from_client = c->to_server = -1;
}

long channel_pump(struct channel *c)
{
        long moved = 0;

        if (c->from_client < 0 || c->to_server < 0)
                return -1;
        for (;;) {
                ssize_t n = splice(c->from_client, NULL, c->to_server, NULL, CHANNEL_CHUNK,
                                   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n > 0) {
                        moved += n;
                        c->bytes += (uint64_t)n;
                        c->blocked = false;
                        clock_gettime(CLOCK_MONOTONIC, &c->last);
                        /* Less than asked: the client's pipe is empty (or
                         * sftp-server's full).  Don't ask again just to
                         * hear EAGAIN: poll() tells, and a request costs
                         * one splice, not two and a poll (the metadata
                         * bench: one request per small file operation). */
                        if (n < CHANNEL_CHUNK)
                                return moved;
                        continue;
                }
                if (n == 0) { /* the client closed the channel */
                        channel_close(c);
                        return moved ? moved : -1;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN) {
                        /* Which side?  Nothing to read, or no room to
                         * write: only the second needs POLLOUT. */
                        struct pollfd p = { .fd = c->to_server, .events = POLLOUT };
                        c->blocked = poll(&p, 1, 0) == 0;
                        return moved;
                }
                /* EPIPE: sftp-server's end is gone; or an error. */
                channel_close(c);
                return moved ? moved : -1;
        }
}

double channel_idle(const struct channel *c)
{
        struct timespec now;

        clock_gettime(CLOCK_MONOTONIC, &now);
        return (double)(now.tv_sec - c->last.tv_sec) + (double)(now.tv_nsec - c->last.tv_nsec) / 1e9;
}
