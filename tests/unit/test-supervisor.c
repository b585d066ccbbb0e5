/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdint.h>

#include "supervisor.h"
#include "tap.h"

int main(void)
{
        uint64_t r = 0, w = 0;

        CHECK(supervisor_parse_close("close \"/home/a/uploads/f\" bytes read 0 written 1048576", &r, &w) == 1 &&
                      r == 0 && w == 1048576,
              "close line parsed");
        CHECK(supervisor_parse_close("close \"/x/close \\\"y\" bytes read 5 written 6", &r, &w) == 1 && r == 5 &&
                      w == 6,
              "path containing quotes and 'close' parsed from the end");
        CHECK(supervisor_parse_close("open \"/x\" flags READ mode 0666", &r, &w) == 0, "open line ignored");
        CHECK(supervisor_parse_close("close \"\" bytes read x written y", &r, &w) == 0, "garbage ignored");
        CHECK(supervisor_parse_close("session opened for local user a", &r, &w) == 0, "other lines ignored");
        return tap_done();
}
