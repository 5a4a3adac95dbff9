# The screens of step 04 as the book shows them, booted headless under -icount
# (common/test/screenshot.py): two `pt` walks, and the panic report of a write to the kernel's
# own code (the last command never returns to the prompt, so the shot waits for the report).
BOOK_FIGURES += $(BOOK_FIG)/04-mmu-pt.png $(BOOK_FIG)/04-mmu-fault.png

$(BOOK_FIG)/04-mmu-pt.png: $(wildcard steps/04-mmu/*) common/test/screenshot.py
	@mkdir -p $(@D)
	@$(MAKE) -s -C steps/04-mmu all
	@python3 common/test/screenshot.py build/04-mmu/kernel8.img $@ --type clear \
	    --type 'pt 0xffffff8000080000' --type 'pt 0xffffff803f215040' >/dev/null

$(BOOK_FIG)/04-mmu-fault.png: $(wildcard steps/04-mmu/*) common/test/screenshot.py
	@mkdir -p $(@D)
	@$(MAKE) -s -C steps/04-mmu all
	@python3 common/test/screenshot.py build/04-mmu/kernel8.img $@ --type clear \
	    --type 'fault write 0xffffff8000080000' --until '*** kernel panic: core 0 halted' >/dev/null

# "When it hangs": QEMU's -d log, the monitor's `info registers` and a gdb session, all three from
# one run of a step 04 kernel whose identity map gdb empties before the MMU goes on; and the early
# vectors' report of an empty l1_kernel[0], from a second run (chapters/figures/04-mmu-hang.py).
# Both under -icount: the same bytes on every build.
B04_HANG := $(BOOK_GEN)/04-mmu-hang-log.md $(BOOK_GEN)/04-mmu-hang-monitor.md \
            $(BOOK_GEN)/04-mmu-hang-gdb.md $(BOOK_GEN)/04-mmu-early-report.md
BOOK_GENERATED += $(B04_HANG)

$(B04_HANG) &: build/04-mmu/kernel8.img chapters/figures/04-mmu-hang.py common/test/harness.py \
             common/test/boot.py chapters/figures/qemugdb.py
	@mkdir -p $(BOOK_GEN)
	@python3 chapters/figures/04-mmu-hang.py 04-mmu $(BOOK_GEN)
