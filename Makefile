# The one entry point. `make help` lists the targets.
#
# STEP may be written 3, 03 or 03-framebuffer. Per-step targets forward to the step's own
# Makefile (steps/NN-name/Makefile, which includes common/step.mk), so `make -C steps/01-boot run`
# works too.

SHELL := /bin/bash
TOP   := $(CURDIR)
STEPS := $(sort $(notdir $(patsubst %/Makefile,%,$(wildcard steps/[0-9][0-9]-*/Makefile))))

# INIT=path/to/program.elf (steps 08 on): build, run or bench the step with that program as
# init. The path is made absolute here, since the step's make runs in steps/NN-name/.
INIT_ARG := $(if $(INIT),INIT=$(abspath $(INIT)))

ifneq ($(STEP),)
STEP_DIR := $(shell common/resolve-step.sh '$(STEP)' 2>&1)
ifneq ($(findstring error:,$(STEP_DIR)),)
$(error $(STEP_DIR))
endif
endif

.PHONY: help setup check-setup build run screenshot gdb objdump nm readelf diff test test-long bench fuzz clean \
        compile_commands.json
.DEFAULT_GOAL := help

## help: this list
help:
	@echo "The book that boots: a capability microkernel for the Raspberry Pi 3, one step at a time."
	@echo
	@echo "  make run STEP=01        build step 01 and boot it in QEMU (quit: Ctrl-A X)"
	@echo "  make test               every check of every step, then the book's; ends 'N passed, N failed'"
	@echo "  make test STEP=03       the checks of one step"
	@echo
	@awk '/^## /{ sub(/^## /, ""); i = index($$0, ": "); printf "  %-30s %s\n", substr($$0, 1, i - 1), substr($$0, i + 2) }' $(MAKEFILE_LIST)
	@echo
	@echo "  Steps: $(STEPS)"

## setup: install the Debian packages the project needs (common/packages.txt)
setup:
	@bash common/setup.sh

# Every target that runs tools checks them first; quiet when all is there.
check-setup:
	@bash common/setup.sh

need-step:
	@[ -n "$(STEP)" ] || { echo "error: this target needs STEP, e.g. STEP=01. Steps: $(STEPS)" >&2; exit 1; }

## build STEP=NN [INIT=prog.elf]: build build/NN-name/kernel8.img (all steps without STEP)
build:
	@set -e; for s in $(if $(STEP),$(STEP_DIR),$(STEPS)); do $(MAKE) -s -C steps/$$s all $(INIT_ARG); done

## run STEP=NN [INIT=prog.elf]: build the step and boot it in QEMU, mini UART on this terminal
run: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) run $(INIT_ARG)

## screenshot STEP=NN: boot the step headless, save its screen as build/NN-name/screen.png
screenshot: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) screenshot

## gdb STEP=NN: QEMU paused with its gdbstub, gdb-multiarch attached, stopped at kernel_main
gdb: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) gdb

## objdump|nm|readelf STEP=NN: disassembly, symbols, ELF headers of the step's kernel
objdump nm readelf: need-step
	@$(MAKE) -s -C steps/$(STEP_DIR) $@

## diff STEP=NN: what step NN adds to the step before it (diff -u of each file; anchor and exercise marker lines left out)
diff: need-step
	@prev=$$(printf '%s\n' $(STEPS) | grep -B1 -x '$(STEP_DIR)' | head -n1); \
	  if [ "$$prev" = "$(STEP_DIR)" ]; then echo "$(STEP_DIR) is the first step: nothing to diff against" >&2; exit 1; fi; \
	  python3 book/booktool.py stepdiff "$$prev" "$(STEP_DIR)"; s=$$?; [ $$s -le 1 ]

## test [STEP=NN] [V=1]: run the checks (all steps, harness self-test, tools and book without STEP; V=1: times)
test: check-setup
	@python3 common/test/run.py $(if $(V),-v) $(if $(STEP),$(STEP_DIR))

## test-long [STEP=NN]: the same, with the long forms of the checks that have one (1 MiB floods)
test-long: check-setup
	@BOOTBOOK_LONG=1 python3 common/test/run.py $(if $(V),-v) $(if $(STEP),$(STEP_DIR))

## bench STEP=NN: boot the step under -icount, print its `bench` figures as a table
bench: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) all $(INIT_ARG) $(if $(FASTPATH),FASTPATH=$(FASTPATH))
	@BOOTBOOK_VARIANT=$(if $(INIT),-init)$(if $(filter 0,$(FASTPATH)),-slow) python3 common/bench.py $(STEP_DIR)

## fuzz STEP=NN [SECONDS=60]: libFuzzer on the step's capability core (step 08 on); crashes go to build/NN-name/
fuzz: need-step
	@$(MAKE) -s -C steps/$(STEP_DIR) fuzz $(if $(SECONDS),SECONDS=$(SECONDS))

## compile_commands.json: compilation database for clangd (all steps)
compile_commands.json:
	@set -e; for s in $(STEPS); do $(MAKE) -s -C steps/$$s compile-commands; done
	@python3 -c 'import json,sys; print(json.dumps([e for f in sys.argv[1:] for e in json.load(open(f))], indent=1))' \
	    $(patsubst %,build/%/compile_commands.json,$(STEPS)) > $@
	@echo "wrote $@"

# Workshop mode (common/exercise.py; common/test/README.md, "Workshop mode").
.PHONY: exercise test-exercises

## exercise STEP=NN [DIR=path]: a tree of the step's exercises as TODOs (default build/exercise/NN-name/)
exercise: need-step
	@python3 common/exercise.py make $(STEP_DIR) $(if $(DIR),$(abspath $(DIR)))

## test-exercises [STEP=NN]: prove each exercise: stand-ins fail their checks, solutions pass all
test-exercises: check-setup
	@python3 common/exercise.py test $(if $(STEP),$(STEP_DIR))

# The book (book/book.mk) and the real-hardware tools (tools/hardware.mk) add their targets here.
-include book/book.mk
-include tools/hardware.mk

## clean: remove build/ (everything the build made)
clean:
	rm -rf build compile_commands.json
