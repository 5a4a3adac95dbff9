# Step 05's table of measurements, as `make bench STEP=05` prints it: common/bench.py boots the
# step under -icount, types `bench`, and writes the figures as a Markdown table that
# chapters/05-interrupts.md includes ({.markdown include=...}; see book/README.md).
BOOK_GENERATED += $(BOOK_GEN)/05-interrupts-bench.md

$(BOOK_GEN)/05-interrupts-bench.md: build/05-interrupts/kernel8.img common/bench.py common/test/harness.py
	@mkdir -p $(@D)
	@python3 common/bench.py 05-interrupts --markdown $@ >/dev/null
