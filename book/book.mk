# book/book.mk: the book's targets, included by the top-level Makefile (so paths are from the top).
#
#   chapters/NN-name.md --(pandoc + book/include.lua)--> build/book/ast/NN-name.json (+ .uses)
#   all chapters --(book/booktool.py merge)--> build/book/book.json (+ glossary links, the index)
#   chapters --(book/booktool.py html, pandoc)--> build/book/index.html, build/book/NN-name.html
#   book.json --(pandoc)--> build/book/the-book-that-boots.epub
#   book.json --(pandoc)--> build/book/print.html --(weasyprint)--> the-book-that-boots.pdf
#
# A chapter is rebuilt when a file it reads changes (the .d files the include filter writes).
# Figures: see book/README.md ("Figures from the build").

BOOK          := build/book
BOOK_NAME     := the-book-that-boots
BOOK_CHAPTERS := $(sort $(wildcard chapters/[0-9][0-9]-*.md chapters/appendix-*.md))
BOOK_AST      := $(patsubst chapters/%.md,$(BOOK)/ast/%.json,$(BOOK_CHAPTERS))
BOOK_USES     := $(BOOK_AST:.json=.uses)
BOOK_STEPSRC  := $(shell find steps -type f ! -name '*.pyc' ! -name '.*' 2>/dev/null)
BOOK_SYNTAX   := book/syntax/aarch64asm.xml book/syntax/ldscript.xml
BOOK_PANDOC   := pandoc --fail-if-warnings
BOOK_FIG      := $(BOOK)/figures
BOOK_GEN      := $(BOOK)/generated

# Options shared by the HTML pages, the print HTML and the EPUB.
BOOK_COMMON := --metadata-file=book/metadata.yaml --lua-filter=book/finish.lua \
               $(addprefix --syntax-definition=,$(BOOK_SYNTAX)) --highlight-style=pygments
BOOK_OPTS   := -f json $(BOOK_COMMON) --toc --toc-depth=2

# Figures the chapters use: graphviz sources and plain images in chapters/figures/, and whatever
# the rules in chapters/figures/*.mk add to BOOK_FIGURES (screenshots of a step in QEMU, ...).
# Those rules may also add Markdown to BOOK_GENERATED (tables of measurements, in $(BOOK_GEN)/),
# which a chapter includes with ```{.markdown include="build/book/generated/NAME.md"}```.
BOOK_FIGURES := $(patsubst chapters/figures/%.dot,$(BOOK_FIG)/%.svg,$(wildcard chapters/figures/*.dot)) \
                $(patsubst chapters/figures/%,$(BOOK_FIG)/%,$(wildcard chapters/figures/*.png \
                    chapters/figures/*.jpg chapters/figures/*.svg))
BOOK_GENERATED :=
-include $(wildcard chapters/figures/*.mk)

.PHONY: book book-html book-epub book-pdf book-common book-check book-coverage book-figures \
        book-generated

## book: the book: build/book/index.html (a page per chapter), EPUB and PDF
book: book-html book-epub book-pdf
	@echo "book: $(BOOK)/index.html $(BOOK)/$(BOOK_NAME).epub $(BOOK)/$(BOOK_NAME).pdf"

book-html: $(BOOK)/index.html
book-epub: $(BOOK)/$(BOOK_NAME).epub
book-pdf: $(BOOK)/$(BOOK_NAME).pdf
book-figures: $(BOOK_FIGURES)
book-generated: $(BOOK_GENERATED)

## book-check: only the book's checks (anchors, links, broken include, ...)
book-check: check-setup
	@python3 common/test/run.py --only book

## book-coverage [V=1]: per step, how much of its code (and new code) the book shows
book-coverage: $(BOOK_AST)
	@python3 book/booktool.py coverage $(if $(V),-v) $(BOOK_USES)

# One chapter: includes expanded, headings numbered, links resolved. The filter names the
# chapter, file and anchor of any broken include and exits 1, so make stops here. Generated
# Markdown must exist first. The filter writes a .d file naming every file the chapter reads
# (what it shows, and both steps of its diffstat), so a chapter is rebuilt when one of those
# changes, not whenever any step file does.
$(BOOK)/ast/%.json: chapters/%.md book/include.lua book/booktool.py | check-setup $(BOOK_GENERATED)
	@mkdir -p $(@D)
	@echo "book: $<"
	@$(BOOK_PANDOC) -f markdown --lua-filter=book/include.lua -t json -o $@ $<

-include $(BOOK_AST:.json=.d)

$(BOOK)/book.json: $(BOOK_AST) book/booktool.py
	@python3 book/booktool.py merge $@ $(BOOK_AST)

# The stylesheet of the HTML pages and print.html: book/book.css, then book/print.css (paper: @page,
# running heads, ...). The EPUB takes book/book.css alone: EPUBCheck rejects @page margin boxes.
$(BOOK)/book.css: book/book.css book/print.css
	@mkdir -p $(@D)
	@cat $^ > $@

# The sources, one page per file with line anchors: the listings' captions link there.
$(BOOK)/src/.done: $(BOOK_AST) $(BOOK_STEPSRC) book/booktool.py
	@rm -rf $(BOOK)/src
	@mkdir -p $(BOOK)/src
	@python3 book/booktool.py srcpages $(BOOK)/src $(BOOK_USES)
	@touch $@

BOOK_WHOLE := $(BOOK)/book.json book/metadata.yaml book/finish.lua $(BOOK_SYNTAX)

# What the HTML pages, the EPUB and the PDF all need: the chapters (with the figures and the
# generated sessions they include) merged into book.json, and the stylesheet. Once it is made,
# the three can be made at the same time by three makes (book/test.py does), since they share
# nothing else.
book-common: $(BOOK)/book.json $(BOOK)/book.css $(BOOK_FIGURES)

# The HTML book: index.html (title and contents) and one page per chapter, NN-name.html. booktool.py
# renders again only the pages whose inputs changed, and removes those of chapters that are gone.
$(BOOK)/index.html: $(BOOK_AST) $(BOOK_WHOLE) book/template.html $(BOOK)/book.css $(BOOK)/src/.done \
                    $(BOOK_FIGURES)
	@echo "book: $(BOOK)/index.html and a page per chapter"
	@python3 book/booktool.py html $(BOOK) $(BOOK_AST) -- $(BOOK_COMMON) --template=book/template.html \
	    --css=book.css

# On paper the listings are black, with their comments in grey italics, and each is plain text:
# booktool.py print takes out the boxes WeasyPrint would lay out one by one (see cmd_print).
$(BOOK)/print.html: $(BOOK_WHOLE) book/template.html $(BOOK)/book.css $(BOOK_FIGURES) book/booktool.py
	@$(BOOK_PANDOC) $(BOOK_OPTS) -s --template=book/template.html --css=book.css -M print=true \
	    -t html5 $< | python3 book/booktool.py print > $@.tmp && mv $@.tmp $@

$(BOOK)/$(BOOK_NAME).epub: $(BOOK_WHOLE) book/book.css $(BOOK_FIGURES)
	@echo "book: $@"
	@$(BOOK_PANDOC) $(BOOK_OPTS) --css=book/book.css --epub-chapter-level=1 \
	    --resource-path=$(BOOK) -t epub3 -o $@ $<

# WeasyPrint with Python's cycle collector off: its boxes are hundreds of thousands of objects,
# which the collector walked again and again for a quarter of the CPU (27 s -> 20 s user), and
# the process ends when the PDF is written (it takes 40 MB more memory, of 750). The interpreter
# is the one that runs the weasyprint command (its #! line), which has the weasyprint module.
BOOK_WEASYPRINT = $(shell head -1 "$$(command -v weasyprint)" | cut -c3-) -c \
    'import gc, sys; gc.disable(); sys.argv[0] = "weasyprint"; from weasyprint.__main__ import main; main()'

# WeasyPrint reports problems (a missing image, CSS it cannot use) as warnings on stderr and
# still writes a PDF; here any warning fails the build, like pandoc's --fail-if-warnings.
$(BOOK)/$(BOOK_NAME).pdf: $(BOOK)/print.html $(BOOK)/book.css $(BOOK_FIGURES)
	@echo "book: $@"
	@$(BOOK_WEASYPRINT) $< $@.tmp 2> $@.log; s=$$?; cat $@.log >&2; \
	  if [ $$s -ne 0 ] || [ -s $@.log ]; then rm -f $@.tmp; echo "book: weasyprint failed or warned" >&2; exit 1; fi; \
	  mv $@.tmp $@

# A figure rule may depend on a step's kernel (build/NN-name/kernel8.img): the step's own Makefile
# decides whether it is up to date, and the figure is redrawn only when the image changed.
build/%/kernel8.img: book-force
	@$(MAKE) -s --no-print-directory -C steps/$* all >/dev/null

.PHONY: book-force
book-force:

# Figures: a graphviz source becomes an SVG, an image is copied. Every SVG goes through
# book/svgclean.py, which drops the DOCTYPE: EPUB 3 allows no external DTD or entities in one.
$(BOOK_FIG)/%.svg: chapters/figures/%.dot book/svgclean.py
	@mkdir -p $(@D)
	@dot -Tsvg $< > $@.tmp && python3 book/svgclean.py < $@.tmp > $@ || { rm -f $@ $@.tmp; exit 1; }
	@rm -f $@.tmp

BOOK_FIG_COPIES := $(filter-out $(patsubst chapters/figures/%.dot,$(BOOK_FIG)/%.svg,$(wildcard chapters/figures/*.dot)),\
    $(patsubst chapters/figures/%,$(BOOK_FIG)/%,$(wildcard chapters/figures/*.png chapters/figures/*.jpg \
    chapters/figures/*.svg)))
ifneq ($(BOOK_FIG_COPIES),)
$(BOOK_FIG_COPIES): $(BOOK_FIG)/%: chapters/figures/% book/svgclean.py
	@mkdir -p $(@D)
	@case $@ in *.svg) python3 book/svgclean.py < $< > $@ || { rm -f $@; exit 1; } ;; *) cp $< $@ ;; esac
endif
