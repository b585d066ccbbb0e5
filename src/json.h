/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one JSON string writer of sftpjailctl: every string a --json output
 * prints goes through it, so no field can break the document. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Write s to f as a JSON string, quotes included.  '"' and '\' are
 * escaped, every control character (U+0000-U+001F) too (\n \r \t \b \f,
 * else \u00XX); valid UTF-8 is copied as is.  Each byte that is not part
 * of a valid UTF-8 sequence (stray continuation byte, truncated or
 * overlong sequence, surrogate, above U+10FFFF) is written as one U+FFFD
 * (the replacement character), so the output is always valid UTF-8 and
 * never loses the rest of the string.  (Python's decode(errors="replace")
 * may use one U+FFFD for a whole truncated sequence; we use one per byte.)
 * DEL and non-ASCII characters are not escaped: JSON does not need it.
 * Returns 0, or -1 if f reports an error. */
int json_write_string(FILE *f, const char *s);
/* The same for len bytes, which may hold NUL (written as \u0000). */
int json_write_bytes(FILE *f, const char *s, size_t len);
/* Whether json_write_bytes() writes these bytes as they are: valid UTF-8
 * with no NUL.  Where not, the output replaced some (U+FFFD), and a caller
 * that must be lossless adds the bytes in hex beside (sftpjailctl log). */
bool json_utf8_valid(const char *s, size_t len);
