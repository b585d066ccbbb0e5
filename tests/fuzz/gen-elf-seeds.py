#!/usr/bin/python3
# Seeds for fuzz-elfdeps, written at test time rather than kept as binary
# blobs: minimal x86-64 ELF files with what elf_parse() reads (PT_INTERP,
# PT_DYNAMIC with DT_NEEDED/DT_STRTAB/DT_STRSZ, a PT_LOAD mapping the
# string table).  (The unit test parses the real sftp-server.)
#   gen-elf-seeds.py DIR
import os
import struct
import sys

PT_LOAD, PT_DYNAMIC, PT_INTERP = 1, 2, 3
DT_NULL, DT_NEEDED, DT_STRTAB, DT_STRSZ, DT_RPATH, DT_RUNPATH = 0, 1, 5, 10, 15, 29


def elf(interp=b"/lib64/ld-linux-x86-64.so.2", needed=(b"libc.so.6",), extra_dyn=(), dynamic=True):
    phnum = 3 if dynamic else 2
    phoff = 64
    off = phoff + 56 * phnum
    interp_off = off
    interp_data = interp + b"\0"
    off += len(interp_data)
    strtab = b"\0"
    names = []
    for n in needed:
        names.append(len(strtab))
        strtab += n + b"\0"
    for _, s in extra_dyn:
        strtab += s + b"\0"
    str_off = off
    off += len(strtab)
    off = (off + 7) & ~7
    dyn_off = off
    base = 0x400000
    dyn = b""
    for n in names:
        dyn += struct.pack("<qQ", DT_NEEDED, n)
    pos = 1 + sum(len(n) + 1 for n in needed)
    for tag, s in extra_dyn:
        dyn += struct.pack("<qQ", tag, pos)
        pos += len(s) + 1
    dyn += struct.pack("<qQ", DT_STRTAB, base + str_off)
    dyn += struct.pack("<qQ", DT_STRSZ, len(strtab))
    dyn += struct.pack("<qQ", DT_NULL, 0)
    size = dyn_off + len(dyn)
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, base + 0x1000, phoff, 0, 0, 64, 56, phnum, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", PT_INTERP, 4, interp_off, base + interp_off, base + interp_off,
                     len(interp_data), len(interp_data), 1)
    ph += struct.pack("<IIQQQQQQ", PT_LOAD, 5, 0, base, base, size, size, 0x1000)
    if dynamic:
        ph += struct.pack("<IIQQQQQQ", PT_DYNAMIC, 6, dyn_off, base + dyn_off, base + dyn_off, len(dyn),
                          len(dyn), 8)
    out = ehdr + ph + interp_data + strtab
    out += b"\0" * (dyn_off - len(out))
    return out + (dyn if dynamic else b"")


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    seeds = {
        "sftp-server-like": elf(needed=(b"libcrypto.so.3", b"libc.so.6")),
        "one-needed": elf(),
        "runpath": elf(extra_dyn=((DT_RUNPATH, b"$ORIGIN/../lib"),)),
        "rpath": elf(extra_dyn=((DT_RPATH, b"/opt/lib"),)),
        "static": elf(dynamic=False),
        "many-needed": elf(needed=tuple(b"lib%d.so" % i for i in range(16))),
    }
    for name, data in seeds.items():
        with open(os.path.join(d, name), "wb") as f:
            f.write(data)


main()
