# Chapter 01's gdb session, from a real run (chapters/figures/gdb-session.py): QEMU paused under
# -icount with its gdbstub, gdb-multiarch started as `make gdb` starts it, stopped at kernel_main,
# then the chapter's commands. Every stop is a breakpoint, so the text is the same on every build.
BOOK_GENERATED += $(BOOK_GEN)/01-boot-gdb.md

$(BOOK_GEN)/01-boot-gdb.md: build/01-boot/kernel8.img steps/01-boot/main.c chapters/figures/gdb-session.py chapters/figures/qemugdb.py
	@mkdir -p $(@D)
	@python3 chapters/figures/gdb-session.py 01-boot $@ -- 'info registers cpsr' \
	    'x/4gx &__bss_start' 'info threads' 'print boot' 'break {line:heartbeat++}' 'continue' \
	    'print boot' 'print/x boot.magic' 'print (char[8])boot.magic' 'print heartbeat' \
	    'continue 10' 'print heartbeat'
