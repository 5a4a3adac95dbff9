# user/user.mk: the user programs, included by the step's Makefile.
#
# Each program is user/NAME.c, linked with crt0.S and the small C library (ulib.c, and the
# kernel's own formatter format.c, compiled a second time) at 0x400000 by user.ld, into
# build/10-notify/user/NAME.elf. From step 08 the library includes user/lib/, the seL4 user
# library: the headers of libsel4's names. programs.S includes those files in the kernel image.
# From step 10 a program can start programs itself: launch links the loader (loader.c) and an
# archive of the other programs' files (archive.S).
# ANCHOR: user_mk
USER_PROGRAMS := init hello faults fuzz bench captest kv ipctest ipcfuzz ping ntfntest irqtest signal \
                 sel4bench screen launch spin
# build/NN-name/user/ even for a kernel built elsewhere (DEBUG=1 in build/NN-name/debug, or
# INIT=, FASTPATH=0): the programs do not change with the kernel's flags, so they are built once.
USER_B        := $(TOP)/build/$(STEP_NAME)/user
USER_CFLAGS   := -ffreestanding -nostdlib -nostartfiles -mgeneral-regs-only -mcpu=cortex-a53 \
                 -O2 -g -Wall -Wextra -Werror -std=gnu11 -fno-stack-protector -fno-pie \
                 -fno-common -fno-tree-loop-distribute-patterns -MMD -MP \
                 -I$(STEP_DIR)/user -I$(STEP_DIR)/user/lib -I$(STEP_DIR)
USER_LIB      := $(USER_B)/crt0.S.o $(USER_B)/ulib.c.o $(USER_B)/format.c.o
USER_ELFS     := $(patsubst %,$(USER_B)/%.elf,$(USER_PROGRAMS))

$(USER_B)/%.c.o: $(STEP_DIR)/user/%.c | check-tools
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_B)/format.c.o: $(STEP_DIR)/format.c | check-tools
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_B)/%.S.o: $(STEP_DIR)/user/%.S | check-tools
	@mkdir -p $(@D)
	$(CC) $(ASFLAGS) -I$(STEP_DIR) -c $< -o $@

# -static, no libc: the program is crt0, the library and its own file, nothing else. Pages
# are 4 KiB (not ld's default 64 KiB alignment in the file). NAME.debug.elf keeps the debug
# information for gdb; the kernel carries NAME.elf, without it.
USER_PARTS    := $(patsubst %,$(USER_B)/%.o,threads.c serial.c shell.c system.c fbterm.c font.c \
                                             font.S loader.c elf.c archive.S)
$(USER_B)/%.debug.elf: $(USER_B)/%.c.o $(USER_LIB) $(STEP_DIR)/user/user.ld
	$(LD) -nostdlib -static -no-pie -z max-page-size=4096 -T $(STEP_DIR)/user/user.ld \
	    $(USER_LIB) $< $(filter $(USER_PARTS),$^) -o $@

# The programs that start threads of their own link threads.c too. From step 10 init also
# links the serial server, the shell, and system.c, which starts them; screen links the
# terminal (fbterm.c) and its font (font.c parses the PSF file that font.S includes).
$(patsubst %,$(USER_B)/%.debug.elf,kv ipctest ipcfuzz ntfntest irqtest signal): \
    $(USER_B)/threads.c.o
$(USER_B)/init.debug.elf: $(patsubst %,$(USER_B)/%.o,threads.c serial.c shell.c system.c fbterm.c \
                                                 font.c font.S)
$(USER_B)/screen.debug.elf: $(USER_B)/fbterm.c.o $(USER_B)/font.c.o $(USER_B)/font.S.o
$(USER_B)/font.S.o: $(STEP_DIR)/user/Lat15-VGA16.psf

# Step 10: the programs that start programs link the loader (loader.c, with the kernel's
# ELF checks, elf.c, compiled a second time) and an archive of the other programs' ELF files
# (archive.S), init's apart: init is the root task, which only the kernel starts (and its
# file stays in the kernel image once). The archive is assembled again whenever one of those
# files, or this list, changes: .incbin is the assembler's, so the compiler's dependency
# files do not see it.
LOADER_PROGRAMS  := init launch
ARCHIVE_PROGRAMS := $(filter-out init $(LOADER_PROGRAMS),$(USER_PROGRAMS))
empty :=
comma := ,
$(patsubst %,$(USER_B)/%.debug.elf,$(LOADER_PROGRAMS)): $(USER_B)/loader.c.o \
    $(USER_B)/elf.c.o $(USER_B)/archive.S.o
$(USER_B)/archive.S.o: $(patsubst %,$(USER_B)/%.elf,$(ARCHIVE_PROGRAMS)) $(STEP_DIR)/user/user.mk
$(USER_B)/archive.S.o: ASFLAGS += -Wa,-I$(USER_B) \
    -DARCHIVE_MEMBERS=$(subst $(empty) $(empty),$(comma),$(ARCHIVE_PROGRAMS))
$(USER_B)/elf.c.o: $(STEP_DIR)/elf.c | check-tools
	@mkdir -p $(@D)
	$(CC) $(USER_CFLAGS) -c $< -o $@

$(USER_B)/%.elf: $(USER_B)/%.debug.elf
	$(OBJCOPY) --strip-debug $< $@

# INIT=path/to/program.elf: that program is init, in place of user/init.c's (any AArch64 ELF
# built for seL4's ABI: x0 = BootInfo). Its directory comes first in the assembler's search.
# The copy is compared, not dated: another INIT, even an older file, replaces it.
ifneq ($(INIT),)
$(B)/init/init.elf: FORCE
	@mkdir -p $(@D)
	@cmp -s $(INIT) $@ || cp $(INIT) $@
$(B)/programs.S.o: $(B)/init/init.elf
$(B)/programs.S.o: ASFLAGS += -Wa,-I$(B)/init
endif

# programs.S includes the programs with .incbin, found through -I (the assembler's own).
$(B)/programs.S.o: $(USER_ELFS)
$(B)/programs.S.o: ASFLAGS += -Wa,-I$(USER_B)
# ANCHOR_END: user_mk
# Every build also compiles user/lib/check_stubs.c (never linked): it calls each stub of the
# seL4 library once, so warnings-as-errors check them all, the ones no program uses too.
all: $(USER_B)/lib/check_stubs.c.o

.SECONDARY: $(USER_ELFS:.elf=.debug.elf) $(USER_ELFS:.elf=.c.o) $(USER_LIB) $(USER_PARTS) $(USER_B)/lib/check_stubs.c.o

-include $(wildcard $(USER_B)/*.d)
