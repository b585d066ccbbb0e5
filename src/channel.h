/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The client's half of the SFTP channel, relayed by the supervisor.
 *
 * sftp-server's stdin is a pipe from the supervisor, which moves what sshd
 * delivers into it with splice(2) (pipe to pipe: the pages move, nothing
 * is copied).  Three things need it:
 *   - idle_timeout is measured on the channel itself (when the client
 *     last sent a byte).  Log lines play no part, so a client cannot look
 *     busy by provoking them, nor look idle while it sends requests
 *     sftp-server does not log;
 *   - idle_timeout and max_session_time end a session as a client does,
 *     with EOF on sftp-server's stdin;
 *   - order: a client request is passed on only once the supervisor has
 *     read all sftp-server logged before it (supervisor.c, drain_log).
 * The other direction (sftp-server to the client) is not relayed: a
 * client that only receives a long download still sends its READ
 * requests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

struct channel {
        int from_client; /* sshd's pipe (our stdin), or -1 once at EOF */
        int to_server;   /* the pipe to sftp-server's stdin, or -1 once closed */
        bool blocked;    /* to_server is full: wait for POLLOUT, not POLLIN */
        uint64_t bytes;  /* bytes relayed from the client */
        struct timespec last; /* CLOCK_MONOTONIC of the last byte from the client */
};

/* Set up a relay; from_client and to_server are made non-blocking. */
int channel_init(struct channel *c, int from_client, int to_server);

/* The fd and poll events to wait for next: from_client/POLLIN, or
 * to_server/POLLOUT while the server's pipe is full; -1 when done. */
int channel_poll_fd(const struct channel *c, short *events);

/* Move what can be moved now, without blocking.  Returns the bytes moved
 * (> 0), 0 when nothing could move, or -1 once the relay is over (client
 * EOF: sftp-server's stdin is closed so it ends the way it does when the
 * client closes the channel; or sftp-server's end is gone). */
long channel_pump(struct channel *c);

/* Close both ends (idle_timeout or max_session_time: sftp-server sees
 * EOF and ends, closing its handles). */
void channel_close(struct channel *c);

/* Seconds since the client last sent a byte. */
double channel_idle(const struct channel *c);
