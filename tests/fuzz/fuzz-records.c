/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Transfer records (records.c) from any sequence of sftp-server messages:
 * a compromised sftp-server controls this input.  The input is the
 * messages, each after a separator byte 0x1e and a flags byte
 * (bit 0: cut, as the supervisor marks a message of the maximal length;
 * bits 1-7: seconds to the next message); what comes before the first
 * separator is one message too.  Invariants:
 *   - every record has a known event, a status in {complete, failed,
 *     interrupted}, a path no longer than the input, a direction only on
 *     transfers, and each transfer handle is reported once;
 *   - records_end() frees everything (LeakSanitizer);
 *   - the reason of a bare "Failure" is asked with a name within the input. */
#include "fuzz.h"
#include "records.h"

#define SEP 0x1e
#define MAX_HANDLES 4096

struct state {
        size_t total;   /* input size: no name can be longer */
        size_t records;
        unsigned char seen[MAX_HANDLES];
        uint64_t next_handle_bound;
        volatile unsigned sink;
};

static void touch(struct state *st, const char *p, size_t len)
{
        unsigned sum = 0;

        for (size_t i = 0; i < len; i++)
                sum += (unsigned char)p[i];
        st->sink += sum;
}

static void emit(void *ctx, const struct rec *r)
{
        struct state *st = ctx;

        st->records++;
        FUZZ_CHECK(rec_event_name(r->event) != NULL);
        FUZZ_CHECK(r->status && (strcmp(r->status, "complete") == 0 || strcmp(r->status, "failed") == 0 ||
                                 strcmp(r->status, "interrupted") == 0));
        FUZZ_CHECK(r->path != NULL && r->path_len <= st->total);
        touch(st, r->path, r->path_len);
        if (r->to) {
                FUZZ_CHECK(r->to_len <= st->total);
                touch(st, r->to, r->to_len);
        }
        FUZZ_CHECK(r->event == REC_RENAME || r->event == REC_LINK || !r->to);
        if (r->error)
                touch(st, r->error, strlen(r->error));
        if (r->detail)
                touch(st, r->detail, strlen(r->detail));
        /* A failure says what failed. */
        FUZZ_CHECK(strcmp(r->status, "failed") != 0 || r->error != NULL);
        if (r->event == REC_TRANSFER) {
                FUZZ_CHECK(r->direction && (strcmp(r->direction, "upload") == 0 ||
                                            strcmp(r->direction, "download") == 0 ||
                                            strcmp(r->direction, "unknown") == 0));
                FUZZ_CHECK(r->handle >= 1 && r->handle <= st->next_handle_bound);
                if (r->handle < MAX_HANDLES) {
                        FUZZ_CHECK(!st->seen[r->handle]);
                        st->seen[r->handle] = 1;
                }
                /* Only an upload's close is asked for an inode. */
                if (r->inode)
                        FUZZ_CHECK(strcmp(r->direction, "upload") == 0 && strcmp(r->inode, "1:2:3") == 0);
        } else {
                FUZZ_CHECK(r->direction == NULL && r->inode == NULL);
        }
        FUZZ_CHECK(r->end.tv_sec > r->start.tv_sec ||
                   (r->end.tv_sec == r->start.tv_sec && r->end.tv_nsec >= r->start.tv_nsec));
}

/* rec_explain_fn: asked with a name no longer than the input; its text
 * (or none) becomes the record's error. */
static const char *explain(void *ctx, const char *path, size_t len, const char *said)
{
        struct state *st = ctx;

        FUZZ_CHECK(path != NULL && len <= st->total && said != NULL);
        touch(st, path, len);
        return len % 2 ? "No space left on device (sftp-server: Failure)" : NULL;
}

/* rec_closed_fn: asked with a name no longer than the input. */
static void closed(void *ctx, const char *path, size_t len, char *out, size_t size)
{
        struct state *st = ctx;

        FUZZ_CHECK(path != NULL && len <= st->total && size > 5);
        touch(st, path, len);
        snprintf(out, size, "%s", len % 3 ? "1:2:3" : "");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct state st;
        struct records r;
        struct timespec now = { 1700000000, 0 };
        size_t i = 0;
        bool cut = false;
        unsigned step = 1;

        memset(&st, 0, sizeof(st));
        st.total = size;
        records_init(&r, emit, &st);
        r.explain = explain;
        r.closed = closed;
        while (i <= size) {
                const uint8_t *end = memchr(data + i, SEP, size - i);
                size_t len = end ? (size_t)(end - (data + i)) : size - i;
                /* Exactly len bytes: ASan sees a read past the message. */
                char *msg = malloc(len ? len : 1);
                FUZZ_CHECK(msg != NULL);
                if (len)
                        memcpy(msg, data + i, len);
                /* A message opens at most one handle: a bound on their ids. */
                st.next_handle_bound++;
                bool claimed = records_feed(&r, msg, len, cut, &now);
                (void)claimed;
                free(msg);
                if (!end)
                        break;
                i += len + 1;
                if (i < size) {
                        cut = data[i] & 1;
                        step = data[i] >> 1;
                        i++;
                } else {
                        cut = false, step = 1;
                }
                now.tv_sec += step;
                now.tv_nsec = (now.tv_nsec + 1000) % 1000000000;
        }
        now.tv_sec++;
        records_end(&r, &now);
        FUZZ_CHECK(r.open == NULL && r.pending == NULL);
        return 0;
}
