/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Session slots for max_sessions.
 *
 * A user's sessions are counted by the kernel, not by a counter: each
 * session holds an open-file-description lock (F_OFD_SETLK) on one byte
 * of SFTPJAIL_SLOTS_DIR/<uid>, byte k for slot k.  The launcher takes the
 * first free byte below max_sessions and hands the fd to the supervisor,
 * which keeps it for the session's life without looking at it.  When the
 * supervisor ends, however it ends (kill -9 included), the kernel closes
 * the fd and the slot is free: nothing can leak.  Two logins racing for
 * the last slot cannot both get it: the lock is atomic.
 *
 * The directory is root's, mode 1733 (sticky, anyone may create, nobody
 * may list): each user creates and owns their own file in it.  A file of
 * that name owned by anyone else refuses the login rather than counting
 * someone else's locks. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Take a slot.  Returns the fd holding the lock (O_CLOEXEC; the caller
 * decides who inherits it) and the slot number in *slot; -1 with err set
 * when all max slots are taken (errno EBUSY) or on an error. */
int slots_take(const char *dir, uid_t uid, int64_t max, int *slot, char *err, size_t errlen);

/* How many of uid's slots are held now (for sftpjailctl).  -1 if unknown. */
int slots_count(const char *dir, uid_t uid, int64_t max);
