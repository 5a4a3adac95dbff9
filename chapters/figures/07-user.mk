# Chapter 07's figure: the bench table, `make bench STEP=07`'s, written as Markdown by
# common/bench.py. Its null-syscall row comes from the user program bench (EL0).
BOOK_GENERATED += $(BOOK_GEN)/07-user-bench.md

$(BOOK_GEN)/07-user-bench.md: build/07-user/kernel8.img common/bench.py common/test/harness.py
	@mkdir -p $(@D)
	@python3 common/bench.py 07-user --markdown $@ >/dev/null
