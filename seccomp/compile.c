/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Build-time tool: compile seccomp/sftp-server.policy into BPF and write it
 * as a C array, so the launcher loads a finished program at login and never
 * links libseccomp.
 *
 *   sftpjail-seccomp-compile POLICY OUTPUT.c
 *   sftpjail-seccomp-compile --text POLICY OUTPUT.c
 *       (the policy text itself as a C string, for sftpjailctl print-filter)
 *   sftpjail-seccomp-compile --pfc POLICY OUTPUT.txt
 *       (libseccomp's pseudo-code of the program, for audits; installed as
 *       /usr/share/sftpjail/sftp-server.filter.txt)
 *
 * The C output holds two programs from the same policy: the launcher's
 * (default action SECCOMP_RET_USER_NOTIF, so the supervisor can log a
 * refused syscall by name) and its fallback with the default action
 * KILL_PROCESS, for when a seccomp listener further up makes a second
 * listener impossible (EBUSY).  Both refuse exactly the same calls. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/filter.h>

#include "seccomp-build.h"

static char *slurp(const char *path)
{
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t len = 0;

        if (!f)
                return NULL;
        if (getdelim(&buf, &len, '\0', f) < 0) {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

/* Read and parse the policy; NULL (after a message) on error.  The text
 * is returned for those that need it; p is filled. */
static char *load_policy(const char *policy, struct sp_policy *p)
{
        char err[512];
        char *text = slurp(policy);

        if (!text) {
                perror(policy);
                return NULL;
        }
        if (sp_parse(text, p, err, sizeof(err)) < 0) {
                fprintf(stderr, "%s: %s\n", policy, err);
                free(text);
                return NULL;
        }
        return text;
}

/* The policy as a C string literal, validated first. */
static int emit_text(const char *policy, const char *output)
{
        struct sp_policy p;
        char *text = load_policy(policy, &p);
        FILE *out;

        if (!text)
                return 1;
        sp_free(&p);
        out = fopen(output, "we");
        if (!out) {
                perror(output);
                return 1;
        }
        fprintf(out, "/* Generated from %s. Do not edit. */\nconst char sftpjail_policy_text[] =\n\t\"", policy);
        for (const char *c = text; *c; c++) {
                if (*c == '\n')
                        fputs("\\n\"\n\t\"", out);
                else if (*c == '"' || *c == '\\')
                        fprintf(out, "\\%c", *c);
                else if ((unsigned char)*c < 0x20)
                        fprintf(out, "\\%03o", (unsigned char)*c);
                else
                        fputc(*c, out);
        }
        fputs("\";\n", out);
        free(text);
        return fclose(out) == 0 ? 0 : 1;
}

/* One program as a C array named NAME, with its length in NAME_len. */
static int emit_program(FILE *out, scmp_filter_ctx ctx, const char *name)
{
        struct stat st;
        int mfd = memfd_create("bpf", MFD_CLOEXEC);

        if (mfd < 0 || seccomp_export_bpf(ctx, mfd) < 0 || fstat(mfd, &st) < 0 ||
            st.st_size % (off_t)sizeof(struct sock_filter) != 0) {
                fprintf(stderr, "exporting BPF failed\n");
                return -1;
        }
        size_t n = (size_t)st.st_size / sizeof(struct sock_filter);
        if (n == 0 || n > BPF_MAXINSNS) {
                fprintf(stderr, "%s: %zu instructions\n", name, n);
                return -1;
        }
        struct sock_filter *insns = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, mfd, 0);
        if (insns == MAP_FAILED) {
                perror("mmap");
                return -1;
        }
        fprintf(out, "const struct sock_filter %s[] = {\n", name);
        for (size_t i = 0; i < n; i++)
                fprintf(out, "\t{ 0x%04x, %u, %u, 0x%08x },\n", insns[i].code, insns[i].jt, insns[i].jf,
                        insns[i].k);
        fprintf(out, "};\nconst unsigned short %s_len = %zu;\n\n", name, n);
        munmap(insns, (size_t)st.st_size);
        close(mfd);
        return 0;
}

/* libseccomp's pseudo-code of the launcher's program, with a header that
 * says how to read it. */
static int emit_pfc(const char *policy, const char *output)
{
        struct sp_policy p;
        char err[512];
        char *text = load_policy(policy, &p);
        FILE *out;

        if (!text)
                return 1;
        scmp_filter_ctx ctx = sp_build(&p, err, sizeof(err));
        if (!ctx) {
                fprintf(stderr, "%s: %s\n", policy, err);
                return 1;
        }
        out = fopen(output, "we");
        if (!out) {
                perror(output);
                return 1;
        }
        fprintf(out, "# The seccomp filter sftpjail loads in front of sftp-server, as libseccomp's\n"
                     "# pseudo-code (generated from seccomp/sftp-server.policy at build time).\n"
                     "# ACT_NOTIFY: the syscall never runs; the launcher's supervisor logs it by\n"
                     "# name and kills the session.  ACT_KILL_PROCESS: the kernel kills it\n"
                     "# (foreign architectures).  ACT_ERRNO(N): refused with errno N.\n"
                     "# \"sftpjailctl print-filter\" prints the policy with its reasons.\n#\n");
        fflush(out);
        if (seccomp_export_pfc(ctx, fileno(out)) < 0) {
                fprintf(stderr, "seccomp_export_pfc failed\n");
                return 1;
        }
        seccomp_release(ctx);
        sp_free(&p);
        free(text);
        return fclose(out) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
        struct sp_policy p;
        char err[512];

        if (argc == 4 && strcmp(argv[1], "--text") == 0)
                return emit_text(argv[2], argv[3]);
        if (argc == 4 && strcmp(argv[1], "--pfc") == 0)
                return emit_pfc(argv[2], argv[3]);
        if (argc != 3) {
                fprintf(stderr, "usage: %s [--text|--pfc] POLICY OUTPUT\n", argv[0]);
                return 2;
        }
        char *text = load_policy(argv[1], &p);
        if (!text)
                return 1;
        scmp_filter_ctx ctx = sp_build(&p, err, sizeof(err));
        scmp_filter_ctx kill_ctx = sp_build_default(&p, SCMP_ACT_KILL_PROCESS, err, sizeof(err));
        if (!ctx || !kill_ctx) {
                fprintf(stderr, "%s: %s\n", argv[1], err);
                return 1;
        }
        FILE *out = fopen(argv[2], "we");
        if (!out) {
                perror(argv[2]);
                return 1;
        }
        fprintf(out, "/* Generated by sftpjail-seccomp-compile from %s. Do not edit. */\n", argv[1]);
        fprintf(out, "#include \"seccomp-filter.h\"\n\n");
        if (emit_program(out, ctx, "sftpjail_filter") < 0 || emit_program(out, kill_ctx, "sftpjail_filter_kill") < 0)
                return 1;
        /* Names by number, for the supervisor's log lines. */
        fprintf(out, "const char *const sftpjail_syscall_names[] = {\n");
        int max = 0;
        for (int nr = 0; nr < 1024; nr++) {
                char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
                fprintf(out, "\t\"%s\",\n", name ? name : "");
                if (name)
                        max = nr + 1;
                free(name);
        }
        fprintf(out, "};\nconst unsigned sftpjail_syscall_names_len = %d;\n", max);
        if (fclose(out) != 0) {
                perror(argv[2]);
                return 1;
        }
        seccomp_release(ctx);
        seccomp_release(kill_ctx);
        sp_free(&p);
        free(text);
        return 0;
}
