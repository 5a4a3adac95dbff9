# common/step.mk: the build rules every step includes.
#
# A step's Makefile is a comment and one line, `include ../../common/step.mk`.
# Everything the step builds goes to build/<step>/; nothing is written inside steps/.
# The same targets exist in every step (the top-level Makefile forwards to them):
#   all (kernel8.img), run, gdb, objdump, nm, readelf, clean, compile-commands, screenshot.
# A step may set, before the include:
#   QEMU_EXTRA    extra QEMU arguments for `make run`
#   RUN_NOTE      one line `make run` prints before booting
#   QEMU_DISPLAY  QEMU's -display for `make run` (default none: no window)

TOP       := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))..)
STEP_DIR  := $(abspath $(dir $(firstword $(MAKEFILE_LIST))))
STEP_NAME := $(notdir $(STEP_DIR))
# INIT=path/to/program.elf (steps 08 on) builds a kernel whose init is that program; it goes
# to build/<step>-init/, so the step's own build stays as it is.
# FASTPATH=0 (steps 09 on) builds to build/<step>-slow/ the same way.
B         := $(TOP)/build/$(STEP_NAME)$(if $(INIT),-init)$(if $(filter 0,$(FASTPATH)),-slow)

CROSS   ?= aarch64-linux-gnu-
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
OBJDUMP := $(CROSS)objdump
NM      := $(CROSS)nm
READELF := $(CROSS)readelf
QEMU    ?= qemu-system-aarch64
GDB     ?= gdb-multiarch

# -mstrict-align: with the MMU off every access is Device memory, and on a real Pi an unaligned
# Device access faults (QEMU 7.2 does not model that fault). The MMU step drops it once RAM is
# Normal memory.
STRICT_ALIGN ?= -mstrict-align
CFLAGS := -ffreestanding -nostdlib -nostartfiles -mgeneral-regs-only -mcpu=cortex-a53 \
          $(STRICT_ALIGN) -O2 -g -Wall -Wextra -Werror -std=gnu11 \
          -fno-stack-protector -fno-pie -fno-common -MMD -MP
ASFLAGS := -mcpu=cortex-a53 -g -MMD -MP -D__ASSEMBLY__
LDFLAGS := -nostdlib -static -no-pie -T $(STEP_DIR)/link.ld --no-warn-rwx-segments

SRCS := $(sort $(wildcard $(STEP_DIR)/*.c $(STEP_DIR)/*.S))
OBJS := $(patsubst $(STEP_DIR)/%,$(B)/%.o,$(SRCS))

# INIT= changes one object, programs.S.o (the programs the kernel carries); the others are the
# step's own build's (build/<step>/, or build/<step>-slow/), which a make without INIT brings
# up to date first. The kernel is then linked again every time: a link is cheap.
ifneq ($(INIT),)
BASE_B    := $(TOP)/build/$(STEP_NAME)$(if $(filter 0,$(FASTPATH)),-slow)
BASE_OBJS := $(patsubst $(B)/%,$(BASE_B)/%,$(filter-out $(B)/programs.S.o,$(OBJS)))
OBJS      := $(BASE_OBJS) $(filter $(B)/programs.S.o,$(OBJS))
$(BASE_OBJS) $(B)/programs.S.o: | base-build
$(B)/kernel8.elf: base-build
.PHONY: base-build
base-build:
	@$(MAKE) --no-print-directory -C $(STEP_DIR) all INIT= >/dev/null
endif

.PHONY: all run gdb objdump nm readelf clean compile-commands check-tools screenshot
.DEFAULT_GOAL := all

all: $(B)/kernel8.img

# A missing tool is one line naming the Debian package, not a make error about a missing file.
check-tools:
	@command -v $(CC) >/dev/null 2>&1 || { echo "error: $(CC) not found; install the Debian package gcc-aarch64-linux-gnu (make setup)" >&2; exit 1; }
	@command -v $(LD) >/dev/null 2>&1 || { echo "error: $(LD) not found; install the Debian package binutils-aarch64-linux-gnu (make setup)" >&2; exit 1; }

$(B)/%.c.o: $(STEP_DIR)/%.c | check-tools
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(STEP_DIR) -I$(B) -c $< -o $@

$(B)/%.S.o: $(STEP_DIR)/%.S | check-tools
	@mkdir -p $(dir $@)
	$(CC) $(ASFLAGS) -I$(STEP_DIR) -I$(B) -c $< -o $@

$(B)/kernel8.elf: $(OBJS) $(STEP_DIR)/link.ld
	$(LD) $(LDFLAGS) $(OBJS) -o $@

# The firmware loads kernel8.img as raw bytes at 0x80000: strip the ELF wrapper.
$(B)/kernel8.img: $(B)/kernel8.elf
	$(OBJCOPY) -O binary $< $@
	@echo "$(STEP_NAME): $@ ($$(stat -c %s $@) bytes)"

-include $(OBJS:.o=.d)

# A step with host unit tests (plain C compiled for this machine) has steps/NN/host/host.mk,
# which adds the target host-test.
-include $(wildcard $(STEP_DIR)/host/host.mk)

# QEMU as the book uses it: the raw image (the firmware's way of booting; -kernel with the ELF
# would start the cores at EL3), the mini UART (the second -serial) on the terminal, the first
# (PL011) discarded. mon: multiplexes the QEMU monitor onto the terminal, so Ctrl-A X quits and
# Ctrl-A C switches to the monitor.
QEMU_DISPLAY ?= none
QEMU_ARGS := -M raspi3b -kernel $(B)/kernel8.img -serial null -serial mon:stdio \
             -display $(QEMU_DISPLAY) -no-reboot $(QEMU_EXTRA)

check-qemu:
	@command -v $(QEMU) >/dev/null 2>&1 || { echo "error: $(QEMU) not found; install the Debian package qemu-system-arm (make setup)" >&2; exit 1; }

run: all check-qemu
	@echo "Booting $(STEP_NAME) in QEMU. Quit with Ctrl-A X (Ctrl-A C for the QEMU monitor)."
	$(if $(RUN_NOTE),@echo "$(RUN_NOTE)")
	$(QEMU) $(QEMU_ARGS)

# The screen, headless: boot under -icount, wait for the console's prompt, save a PNG
# (common/test/screenshot.py; SCREENSHOT_ARGS may add e.g. --type fb to type commands first).
screenshot: all check-qemu
	@python3 $(TOP)/common/test/screenshot.py $(B)/kernel8.img $(B)/screen.png $(SCREENSHOT_ARGS)
	@echo "screenshot: $(B)/screen.png"

# QEMU stopped before the first instruction with its gdbstub on a private unix socket (no port
# clashes), and gdb attached with this step's symbols, stopped at the C entry point.
GDB_SOCK := $(B)/gdb.sock
gdb: all check-qemu
	@command -v $(GDB) >/dev/null 2>&1 || { echo "error: $(GDB) not found; install the Debian package gdb-multiarch (make setup)" >&2; exit 1; }
	@rm -f $(GDB_SOCK)
	@echo "Starting QEMU paused, then gdb. 'quit' in gdb also stops QEMU."
	$(QEMU) -M raspi3b -kernel $(B)/kernel8.img -serial null -serial null -display none \
	    -no-reboot -S -chardev socket,id=gdb0,path=$(GDB_SOCK),server=on,wait=off -gdb chardev:gdb0 \
	    $(QEMU_EXTRA) & qpid=$$!; \
	  for i in $$(seq 50); do [ -S $(GDB_SOCK) ] && break; sleep 0.1; done; \
	  $(GDB) -q $(B)/kernel8.elf -ex 'set pagination off' -ex 'target remote $(GDB_SOCK)' \
	      -ex 'break *kernel_main' -ex 'continue' $(GDB_ARGS); \
	  kill $$qpid 2>/dev/null; wait $$qpid 2>/dev/null; true

objdump: all
	$(OBJDUMP) -d -S $(B)/kernel8.elf
nm: all
	$(NM) -n $(B)/kernel8.elf
readelf: all
	$(READELF) -a $(B)/kernel8.elf

# One JSON fragment per step; the top-level Makefile joins them into compile_commands.json.
compile-commands:
	@mkdir -p $(B)
	@python3 $(TOP)/common/compdb.py $(STEP_DIR) $(B) "$(CC)" '$(CFLAGS) -I$(STEP_DIR) -I$(B)' \
	    '$(ASFLAGS) -I$(STEP_DIR) -I$(B)' > $(B)/compile_commands.json

clean:
	rm -rf $(B)
