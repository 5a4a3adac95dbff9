# The screen of step 03, as the book shows it: booted headless under -icount, `fb` and `bench`
# typed, then a screendump (common/test/screenshot.py, the script behind `make screenshot`).
BOOK_FIGURES += $(BOOK_FIG)/03-framebuffer-screen.png

$(BOOK_FIG)/03-framebuffer-screen.png: $(wildcard steps/03-framebuffer/*) common/test/screenshot.py
	@mkdir -p $(@D)
	@$(MAKE) -s -C steps/03-framebuffer all
	@python3 common/test/screenshot.py build/03-framebuffer/kernel8.img $@ --type fb --type bench
