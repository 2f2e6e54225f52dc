#!/bin/sh
# Regenerates tiny.elf, tiny.hex and tiny.bin from tiny.c.txt and tiny.ld.
# The C source is named .c.txt because SwiftPM would try to compile a .c file inside the test target.
# Needs arm-none-eabi-gcc (Debian/Ubuntu: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi).
set -eu
cd "$(dirname "$0")"
# -n (nmagic) stops the linker from page-aligning segments in the file, which would pad a 300-byte
# program to 64 KB; no -g, so the fixture holds no debug sections.
arm-none-eabi-gcc -mcpu=cortex-m7 -mthumb -Os -ffreestanding -nostdlib -nostartfiles \
    -Wl,-n -Wl,--build-id=none -T tiny.ld -o tiny.elf -x c tiny.c.txt
arm-none-eabi-objcopy -O ihex tiny.elf tiny.hex
arm-none-eabi-objcopy -O binary tiny.elf tiny.bin
ls -l tiny.elf tiny.hex tiny.bin
