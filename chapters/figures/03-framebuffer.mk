# The screen of step 03, as the book shows it: booted headless under -icount, `fb` and `bench`
# typed, then a screendump. common/test/screenshot.py is the script behind `make screenshot`;
# it waits for the console's prompt after each command, so the picture is the same every time.
BOOK_FIGURES += $(BOOK_FIG)/03-framebuffer-screen.png

$(BOOK_FIG)/03-framebuffer-screen.png: build/03-framebuffer/kernel8.img common/test/screenshot.py
	@mkdir -p $(@D)
	@python3 common/test/screenshot.py $< $@ --type fb --type bench
