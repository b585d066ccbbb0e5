/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "elfdeps.h"

#include <elf.h>
#include <stdint.h>
#include <string.h>

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#else
#error "unsupported architecture"
#endif

/* Bounds-checked access: every offset comes from the file. */
static int range_ok(size_t len, uint64_t off, uint64_t size)
{
        return off <= len && size <= len - off;
}

static int copy_string(const unsigned char *buf, size_t len, uint64_t off, char *dst, size_t dstlen)
{
        if (off >= len)
                return -1;
        const unsigned char *s = buf + off;
        const unsigned char *nul = memchr(s, '\0', len - off);
        if (!nul || (size_t)(nul - s) >= dstlen || nul == s)
                return -1;
        memcpy(dst, s, (size_t)(nul - s) + 1);
        return 0;
}

static int vaddr_to_offset(const Elf64_Phdr *ph, size_t n, uint64_t vaddr, uint64_t *off)
{
        for (size_t i = 0; i < n; i++) {
                if (ph[i].p_type != PT_LOAD)
                        continue;
                if (vaddr >= ph[i].p_vaddr && vaddr - ph[i].p_vaddr < ph[i].p_filesz) {
                        *off = ph[i].p_offset + (vaddr - ph[i].p_vaddr);
                        return 0;
                }
        }
        return -1;
}

int elf_parse(const unsigned char *buf, size_t len, struct elf_info *out, const char **why)
{
        Elf64_Ehdr eh;
        Elf64_Phdr ph[64];
        uint64_t dyn_off = 0, dyn_size = 0, strtab = 0, strsz = 0, str_off;
        uint64_t needed[ELF_MAX_NEEDED];
        size_t n_needed = 0;

        memset(out, 0, sizeof(*out));
        if (len < sizeof(eh) || memcmp(buf, ELFMAG, SELFMAG) != 0)
                return *why = "not an ELF file", -1;
        memcpy(&eh, buf, sizeof(eh));
        if (eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_ident[EI_DATA] != ELFDATA2LSB ||
            eh.e_machine != NATIVE_MACHINE)
                return *why = "not an ELF file of this machine's native ABI", -1;
        if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phnum > sizeof(ph) / sizeof(ph[0]) ||
            !range_ok(len, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr)))
                return *why = "bad program headers", -1;
        memcpy(ph, buf + eh.e_phoff, eh.e_phnum * sizeof(Elf64_Phdr));

        for (size_t i = 0; i < eh.e_phnum; i++) {
                if (ph[i].p_type == PT_INTERP) {
                        if (!range_ok(len, ph[i].p_offset, ph[i].p_filesz) ||
                            copy_string(buf, (size_t)(ph[i].p_offset + ph[i].p_filesz), ph[i].p_offset,
                                        out->interp, sizeof(out->interp)) < 0 ||
                            out->interp[0] != '/')
                                return *why = "bad PT_INTERP", -1;
                } else if (ph[i].p_type == PT_DYNAMIC) {
                        if (!range_ok(len, ph[i].p_offset, ph[i].p_filesz))
                                return *why = "bad PT_DYNAMIC", -1;
                        dyn_off = ph[i].p_offset;
                        dyn_size = ph[i].p_filesz;
                }
        }
        if (!dyn_size)
                return 0; /* static: nothing to load */

        for (uint64_t o = 0; o + sizeof(Elf64_Dyn) <= dyn_size; o += sizeof(Elf64_Dyn)) {
                Elf64_Dyn d;
                memcpy(&d, buf + dyn_off + o, sizeof(d));
                if (d.d_tag == DT_NULL)
                        break;
                switch (d.d_tag) {
                case DT_NEEDED:
                        if (n_needed >= ELF_MAX_NEEDED)
                                return *why = "too many DT_NEEDED entries", -1;
                        needed[n_needed++] = d.d_un.d_val;
                        break;
                case DT_STRTAB:
                        strtab = d.d_un.d_ptr;
                        break;
                case DT_STRSZ:
                        strsz = d.d_un.d_val;
                        break;
                case DT_RPATH:
                case DT_RUNPATH:
                        out->has_runpath = 1;
                        break;
                default:
                        break;
                }
        }
        if (!n_needed)
                return 0;
        if (!strtab || !strsz || vaddr_to_offset(ph, eh.e_phnum, strtab, &str_off) < 0 ||
            !range_ok(len, str_off, strsz))
                return *why = "bad DT_STRTAB", -1;
        for (size_t i = 0; i < n_needed; i++) {
                if (needed[i] >= strsz ||
                    copy_string(buf, (size_t)(str_off + strsz), str_off + needed[i], out->needed[i],
                                sizeof(out->needed[i])) < 0 ||
                    strchr(out->needed[i], '/'))
                        return *why = "bad DT_NEEDED entry", -1;
        }
        out->n_needed = n_needed;
        return 0;
}
