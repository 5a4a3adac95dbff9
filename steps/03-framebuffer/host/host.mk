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
HOST_TESTS  := $(HOST_B)/test_format $(HOST_B)/test_uart
$(HOST_B)/test_format: $(STEP_DIR)/format.c $(STEP_DIR)/format.h
$(HOST_B)/test_uart: $(STEP_DIR)/uart.h

$(HOST_TESTS): $(HOST_B)/%: $(STEP_DIR)/host/%.c
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(filter %.c,$^) $(HOST_LIBS) -o $@

.PHONY: host-test
host-test: $(HOST_TESTS)
	@for t in $^; do echo "== $$t"; $$t || exit 1; done
# ANCHOR_END: host_mk
