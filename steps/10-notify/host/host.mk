# host/host.mk: the host unit tests, built with the machine's own gcc and run on it.
# common/step.mk includes this file when a step has it, so `make -C steps/02-uart host-test`
# works; build products go to build/02-uart/host/, never into steps/.
# ANCHOR: host_mk
HOST_CC     ?= gcc
HOST_B      := $(B)/host
HOST_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=all -I$(STEP_DIR)
HOST_LIBS   := -lcmocka

# One test program per host/test_NAME.c, linked with the kernel sources it tests (the plain C
# ones only: nothing here may touch the hardware).
HOST_TESTS  := $(HOST_B)/test_format $(HOST_B)/test_uart $(HOST_B)/test_ring $(HOST_B)/test_elf \
               $(HOST_B)/test_abi $(HOST_B)/test_cnode
$(HOST_B)/test_format: $(STEP_DIR)/format.c $(STEP_DIR)/format.h
$(HOST_B)/test_uart: $(STEP_DIR)/uart.h
$(HOST_B)/test_ring: $(STEP_DIR)/ring.h
# The loader's checks, fed damaged copies of a real user program (built by user/user.mk).
$(HOST_B)/test_elf: $(STEP_DIR)/elf.c $(STEP_DIR)/elf.h $(B)/user/hello.elf
$(HOST_B)/test_elf: HOST_CFLAGS += -DHELLO_ELF='"$(B)/user/hello.elf"'
# seL4's ABI numbers (sel4-abi.txt) against the kernel's abi.h and the user library's headers.
$(HOST_B)/test_abi: $(STEP_DIR)/abi.h $(STEP_DIR)/host/sel4-abi.txt \
                    $(wildcard $(STEP_DIR)/user/lib/sel4/*.h)
$(HOST_B)/test_abi: HOST_CFLAGS += -I$(STEP_DIR)/user/lib \
                                   -DSEL4_ABI_TXT='"$(STEP_DIR)/host/sel4-abi.txt"'
# The capability core (cap.h, cnode.c, untyped.c); the test supplies objects.c's hooks.
$(HOST_B)/test_cnode: $(STEP_DIR)/cnode.c $(STEP_DIR)/untyped.c $(STEP_DIR)/cnode.h \
                      $(STEP_DIR)/cap.h $(STEP_DIR)/abi.h $(STEP_DIR)/host/cap_names.h
$(HOST_B)/test_cnode: HOST_CFLAGS += -DHOST

$(HOST_TESTS): $(HOST_B)/%: $(STEP_DIR)/host/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(filter %.c,$^) $(HOST_LIBS) -o $@

.PHONY: host-test
host-test: $(HOST_TESTS)
	@for t in $^; do echo "== $$t"; $$t || exit 1; done
# ANCHOR_END: host_mk

# The capability core under libFuzzer (host/fuzz_cnode.c): clang, ASan and UBSan.
# `make fuzz [SECONDS=60]` fuzzes from the seed corpus (host/corpus/, only read) and keeps new
# inputs in build/10-notify/fuzz-corpus/; a crash is written to build/10-notify/.
FUZZ_CC    ?= clang
FUZZ_BIN   := $(HOST_B)/fuzz_cnode
FUZZ_CORPUS := $(B)/fuzz-corpus
SECONDS    ?= 60
$(FUZZ_BIN): $(STEP_DIR)/host/fuzz_cnode.c $(STEP_DIR)/cnode.c $(STEP_DIR)/untyped.c \
             $(STEP_DIR)/cnode.h $(STEP_DIR)/cap.h $(STEP_DIR)/abi.h $(STEP_DIR)/host/cap_names.h
	@mkdir -p $(dir $@)
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { echo "error: $(FUZZ_CC) not found; install the Debian packages clang and libclang-rt-14-dev (make setup)" >&2; exit 1; }
	$(FUZZ_CC) -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined \
	    -fno-sanitize-recover=all -DHOST -I$(STEP_DIR) $(filter %.c,$^) -o $@

.PHONY: fuzz
fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_CORPUS)
	@echo "fuzzing the capability core for $(SECONDS) s; new inputs go to $(FUZZ_CORPUS)"
	@$(FUZZ_BIN) -max_total_time=$(SECONDS) -print_final_stats=1 -artifact_prefix=$(B)/ \
	    $(FUZZ_CORPUS) $(STEP_DIR)/host/corpus; s=$$?; \
	  if [ $$s -ne 0 ]; then \
	    echo "fuzz: the fuzzer found a failing input (above), written to $(B)/ as crash-* (or leak-*, timeout-*)."; \
	    echo "fuzz: once the bug is fixed, copy that file into $(STEP_DIR)/host/corpus/ as a regression input."; \
	    exit $$s; fi
