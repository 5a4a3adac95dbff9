# Chapter 11's tables. One run of common/bench.py on step 10, which is `make bench STEP=10`: it
# boots build/10-notify/kernel8.img once under -icount, then builds the FASTPATH=0 kernel itself
# (build/10-notify-slow/, under the lock the checks take too) and boots that once for the
# call-replyrecv-slow row, then adds kernel-bytes and kernel-lines. About ten seconds. The other
# three tables are worked out from its Markdown by chapters/figures/11-beside-sel4.py, with no
# boot: this kernel beside seL4 on the same emulator, ratios inside each unit, and the size.
#
# The file names are the chapter's own, so that they never clash with chapter 10's rules. If
# those come to write the same table (common/bench.py 10-notify), this rule may copy theirs
# instead, and the book boots step 10 for its bench once.
B11_BENCH := $(BOOK_GEN)/11-beside-sel4-bench.md
B11_TABLE := chapters/figures/11-beside-sel4.py
BOOK_GENERATED += $(B11_BENCH) $(BOOK_GEN)/11-beside-sel4-same.md \
                  $(BOOK_GEN)/11-beside-sel4-ratios.md $(BOOK_GEN)/11-beside-sel4-size.md

$(B11_BENCH): build/10-notify/kernel8.img common/bench.py common/test/harness.py
	@mkdir -p $(@D)
	@python3 common/bench.py 10-notify --markdown $@ >/dev/null

$(BOOK_GEN)/11-beside-sel4-same.md: $(B11_BENCH) $(B11_TABLE)
	@python3 $(B11_TABLE) same $< $@

$(BOOK_GEN)/11-beside-sel4-ratios.md: $(B11_BENCH) $(B11_TABLE)
	@python3 $(B11_TABLE) ratios $< $@

$(BOOK_GEN)/11-beside-sel4-size.md: $(B11_BENCH) $(B11_TABLE)
	@python3 $(B11_TABLE) size $< $@
