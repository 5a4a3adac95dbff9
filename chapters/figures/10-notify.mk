# Chapter 10's sessions and tables, from real boots of step 10 under -icount (the same bytes on
# every run). A boot costs CPU in `make test`, which builds the book, so the transcripts share
# boots: chapters/figures/10-notify-session.py writes several Markdown files from one boot
# (--out starts the next), and a grouped target (&:) makes them together.
B10_SESSION := build/10-notify/kernel8.img chapters/figures/10-notify-session.py \
               common/test/harness.py

# The console's boot, its commands, a program from the loader, ntfntest and the serial server:
# one boot of the step's kernel. ({id}: the thread `run` started last.)
B10_CONSOLE := $(patsubst %,$(BOOK_GEN)/10-notify-%.md,boot console ntfntest serial run)
BOOK_GENERATED += $(B10_CONSOLE)

$(B10_CONSOLE) &: $(B10_SESSION)
	@mkdir -p $(BOOK_GEN)
	@python3 chapters/figures/10-notify-session.py $< \
	    --out $(BOOK_GEN)/10-notify-boot.md --boot \
	    --out $(BOOK_GEN)/10-notify-console.md --type help --type ps \
	    --out $(BOOK_GEN)/10-notify-run.md \
	        --type 'run hello alice' --until 'fault: hello\[[0-9]+\] brk[^\n]*\n' \
	        --type ps --only '^ *ID |hello|frames free' \
	        --type 'kill {id}' --type ps --only '^ *ID |hello|frames free' \
	    --out $(BOOK_GEN)/10-notify-ntfntest.md \
	        --type 'run ntfntest' --until 'fault: ntfntest\[[0-9]+\] brk[^\n]*\n' \
	    --out $(BOOK_GEN)/10-notify-serial.md --type info \
	        --type 'hold 8' --until 'arrived\r\n' --raw \
	        --type 'echo hi' --until '\nhi\r\n' --raw \
	        --type 'serial restart' --type info

# Programs that run as init (INIT=): irqtest, which tests IRQControl as the root task; launch,
# the user-level loader at work; and sel4bench, a root task written against libsel4 alone.
# The step's INIT= builds share build/10-notify-init/ with the checks (steps/10-notify/test.py),
# so each is linked under their lock and copied out before it is booted (a link: a second).
BOOK_GENERATED += $(BOOK_GEN)/10-notify-irqtest.md $(BOOK_GEN)/10-notify-launch.md \
                  $(BOOK_GEN)/10-notify-sel4bench.md

B10_INITS := $(patsubst %,$(BOOK)/figures-src/10-notify-%.img,irqtest launch sel4bench)
$(B10_INITS): $(BOOK)/figures-src/10-notify-%.img: build/10-notify/kernel8.img
	@mkdir -p $(@D)
	@flock build/10-notify-init.lock sh -c '$(MAKE) -s --no-print-directory -C steps/10-notify \
	    all INIT=$(CURDIR)/build/10-notify/user/$*.elf >/dev/null && \
	    cp build/10-notify-init/kernel8.img $@.tmp' && mv $@.tmp $@

$(BOOK_GEN)/10-notify-irqtest.md: $(BOOK)/figures-src/10-notify-irqtest.img $(B10_SESSION)
	@python3 chapters/figures/10-notify-session.py $< --out $@ \
	    --wait 'fault: init\[1\] brk[^\n]*\n' --only '^(irqtest|fault): '

$(BOOK_GEN)/10-notify-launch.md: $(BOOK)/figures-src/10-notify-launch.img $(B10_SESSION)
	@python3 chapters/figures/10-notify-session.py $< --out $@ \
	    --wait 'launch: done\r\n' --only '^launch: '

$(BOOK_GEN)/10-notify-sel4bench.md: $(BOOK)/figures-src/10-notify-sel4bench.img $(B10_SESSION)
	@python3 chapters/figures/10-notify-session.py $< --out $@ \
	    --wait 'sel4bench: done\r\n' --only '^sel4bench: '

# `make bench STEP=10`'s table (but its slowpath row, which chapter 9 shows), the rows seL4
# has figures for beside seL4's, and the kernel's size against step 09's: from the table
# chapter 11's rule makes (chapters/figures/11-beside-sel4.mk), so the book boots step 10 for
# its bench once.
B10_TABLES := $(patsubst %,$(BOOK_GEN)/10-notify-%.md,bench compare size)
BOOK_GENERATED += $(B10_TABLES)

$(B10_TABLES) &: $(BOOK_GEN)/11-beside-sel4-bench.md build/09-ipc/kernel8.img \
                 chapters/figures/10-notify-bench.py common/bench.py
	@mkdir -p $(BOOK_GEN)
	@python3 chapters/figures/10-notify-bench.py $< $(B10_TABLES)

# The chapter's diffstat makes every file and directory of step 10 a dependency of its page,
# as for steps 08 and 09: user/lib/sel4 is a directory (make must not try to build it).
steps/10-notify/user/lib/sel4: ;
