# Chapter 08's sessions and figure, from real boots of step 08 under -icount (the same bytes on
# every run): chapters/figures/08-caps-session.py boots build/08-caps/kernel8.img headless,
# types the commands, and writes the serial text as a Markdown `text` block (included with
# {.markdown include=...}), or, with --cdt, turns `cdt`'s indented tree into a Graphviz drawing.
BOOK_GENERATED += $(BOOK_GEN)/08-caps-boot.md $(BOOK_GEN)/08-caps-cdt.md \
                  $(BOOK_GEN)/08-caps-untyped.md $(BOOK_GEN)/08-caps-captest.md
BOOK_FIGURES += $(BOOK_FIG)/08-caps-cdt.svg

B08_SESSION := build/08-caps/kernel8.img chapters/figures/08-caps-session.py common/test/harness.py

$(BOOK_GEN)/08-caps-boot.md: $(B08_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/08-caps-session.py $< $@ --boot --type 'caps 3' --type ps

$(BOOK_GEN)/08-caps-cdt.md: $(B08_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/08-caps-session.py $< $@ --type cdt

$(BOOK_GEN)/08-caps-untyped.md: $(B08_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/08-caps-session.py $< $@ --type untyped

$(BOOK_GEN)/08-caps-captest.md: $(B08_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/08-caps-session.py $< $@ --type 'run captest' \
	    --until 'fault: captest\[[0-9]+\][^\n]*\n'

$(BOOK)/figures-src/08-caps-cdt.dot: $(B08_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/08-caps-session.py $< $@ --cdt

$(BOOK_FIG)/08-caps-cdt.svg: $(BOOK)/figures-src/08-caps-cdt.dot book/svgclean.py
	@mkdir -p $(@D)
	@dot -Tsvg $< > $@.tmp && python3 book/svgclean.py < $@.tmp > $@ || { rm -f $@ $@.tmp; exit 1; }
	@rm -f $@.tmp

# The chapter's diffstat makes every file and directory of step 08 a dependency of its page
# (the .d file the include filter writes). user/lib/ holds both a directory sel4/ and a file
# sel4.c, so make's built-in rule `%: %.c` would try to "build" the directory by compiling the
# file. An empty rule says the directory is a source.
steps/08-caps/user/lib/sel4: ;
