# Chapter 09's sessions and bench table, from real boots of step 09 under -icount (the same bytes
# on every run). chapters/figures/09-ipc-session.py boots a kernel headless, types the commands,
# and writes the serial text as a Markdown `text` block (included with {.markdown include=...});
# with --same-as it boots the FASTPATH=0 kernel too and writes one sentence, or fails the build
# if the two transcripts differ. common/bench.py writes `make bench STEP=09`'s table, whose
# call-replyrecv-slow row it measures on the FASTPATH=0 kernel (build/09-ipc-slow/).
BOOK_GENERATED += $(BOOK_GEN)/09-ipc-kv.md $(BOOK_GEN)/09-ipc-stress.md \
                  $(BOOK_GEN)/09-ipc-ipctest.md $(BOOK_GEN)/09-ipc-same.md \
                  $(BOOK_GEN)/09-ipc-bench.md

B09_SESSION := build/09-ipc/kernel8.img chapters/figures/09-ipc-session.py common/test/harness.py

# The kernel without the fastpath: the same step, built with FASTPATH=0 into build/09-ipc-slow/
# (common/step.mk). The book's pattern rule for kernels would look for steps/09-ipc-slow/.
# The checks build it too, maybe at the same moment: flock lets one make at a time into it
# (the lock common/bench.py's build_slow takes).
build/09-ipc-slow/kernel8.img: book-force
	@mkdir -p build
	@flock build/09-ipc-slow.lock $(MAKE) -s --no-print-directory -C steps/09-ipc all FASTPATH=0 >/dev/null

$(BOOK_GEN)/09-ipc-kv.md: $(B09_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/09-ipc-session.py $< $@ \
	    --type 'run kv' --until 'fault: kv\[[0-9]+\][^\n]*\n'

$(BOOK_GEN)/09-ipc-stress.md: $(B09_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/09-ipc-session.py $< $@ \
	    --type 'run kv stress' --until 'kv: server:[^\n]*\n'

$(BOOK_GEN)/09-ipc-ipctest.md: $(B09_SESSION)
	@mkdir -p $(@D)
	@python3 chapters/figures/09-ipc-session.py $< $@ \
	    --type 'run ipctest' --until 'fault: ipctest\[[0-9]+\] brk[^\n]*\n' \
	    --type ps --only '^ *ID |ipctest'

$(BOOK_GEN)/09-ipc-same.md: $(B09_SESSION) build/09-ipc-slow/kernel8.img
	@mkdir -p $(@D)
	@python3 chapters/figures/09-ipc-session.py $< $@ --same-as build/09-ipc-slow/kernel8.img \
	    --type 'run ipctest' --until 'fault: ipctest\[[0-9]+\] brk[^\n]*\n' \
	    --type ps --only 'ipctest'

$(BOOK_GEN)/09-ipc-bench.md: build/09-ipc/kernel8.img build/09-ipc-slow/kernel8.img \
                             common/bench.py common/test/harness.py
	@mkdir -p $(@D)
	@python3 common/bench.py 09-ipc --markdown $@ >/dev/null

# The chapter's diffstat makes every file and directory of step 09 a dependency of its page, as
# for step 08 (chapters/figures/08-caps.mk): user/lib/ holds a directory sel4/ and a file sel4.c.
steps/09-ipc/user/lib/sel4: ;

# This kernel's round trips beside seL4's, from the bench table above.
BOOK_GENERATED += $(BOOK_GEN)/09-ipc-compare.md
$(BOOK_GEN)/09-ipc-compare.md: $(BOOK_GEN)/09-ipc-bench.md chapters/figures/09-ipc-compare.py
	@python3 chapters/figures/09-ipc-compare.py $< $@
