# Chapter 06's figures. The thread-state diagram (06-threads-states.dot, drawn by book.mk's
# rule for .dot files) is drawn only after 06-threads-states-check.py has checked that its
# nodes are exactly the values of enum thread_state in steps/06-threads/tcb.h. The bench table
# is `make bench STEP=06`'s, written as Markdown by common/bench.py.
BOOK_GENERATED += $(BOOK_GEN)/06-threads-bench.md

$(BOOK_FIG)/06-threads-states.svg: $(BOOK)/checks/06-threads-states.ok

$(BOOK)/checks/06-threads-states.ok: chapters/figures/06-threads-states.dot steps/06-threads/tcb.h \
                                     chapters/figures/06-threads-states-check.py
	@mkdir -p $(@D)
	@python3 chapters/figures/06-threads-states-check.py steps/06-threads/tcb.h $<
	@touch $@

$(BOOK_GEN)/06-threads-bench.md: build/06-threads/kernel8.img common/bench.py common/test/harness.py
	@mkdir -p $(@D)
	@python3 common/bench.py 06-threads --markdown $@ >/dev/null
