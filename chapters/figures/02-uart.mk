# Step 02's closing figures, measured by the build: image size, checks, and the instructions
# core 0 executes from reset to the first banner byte (chapters/figures/step-numbers.py single-steps it).
BOOK_FIGURES += $(BOOK_FIG)/02-uart-numbers.svg

$(BOOK_FIG)/02-uart-numbers.svg: $(wildcard steps/02-uart/*) $(wildcard steps/02-uart/host/*) common/test/harness.py common/test/boot.py chapters/figures/step-numbers.py
	@mkdir -p $(@D)
	@$(MAKE) -s -C steps/02-uart all
	@python3 chapters/figures/step-numbers.py 02-uart --first-byte --svg $@ >/dev/null
