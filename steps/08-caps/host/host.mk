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
                      $(STEP_DIR)/cap.h $(STEP_DIR)/abi.h
$(HOST_B)/test_cnode: HOST_CFLAGS += -DHOST

$(HOST_TESTS): $(HOST_B)/%: $(STEP_DIR)/host/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(filter %.c,$^) $(HOST_LIBS) -o $@

.PHONY: host-test
host-test: $(HOST_TESTS)
	@for t in $^; do echo "== $$t"; $$t || exit 1; done
# ANCHOR_END: host_mk
