/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The control for test-caps-window: looks the caller up through NSS with
 * whatever its file capabilities make effective, so the test can show that
 * the NSS module does see a non-empty effective set when there is one. */
#include <pwd.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
        return getpwuid(getuid()) ? 0 : 1;
}
