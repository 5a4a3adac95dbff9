# tools/hardware.mk: the targets for a real Raspberry Pi 3, included by the top-level Makefile
# (which resolves STEP=2 / 02 / 02-uart into STEP_DIR and provides need-step and check-setup).
#
#   SD card:      make sdimage STEP=NN [FIRMWARE=dir]      make sdimage-chainboot [FIRMWARE=dir]
#   Serial:       make chainboot STEP=NN DEV=/dev/ttyUSB0  (DEV=qemu tries it in QEMU)
#                 make console DEV=/dev/ttyUSB0
#   JTAG:         make openocd [PROBE=...]                 make jtagboot STEP=NN

.PHONY: sdimage sdimage-chainboot chainboot-loader chainboot console openocd jtagboot

SD_DIR     := build/sd
LOADER_IMG := build/chainboot/kernel8.img
PROBE      ?= interface/jlink.cfg
JTAG_GDB   ?= localhost:3333
JTAG_HALT  ?= monitor halt
SEND_ARGS  ?=

# ANCHOR: sdimage
## sdimage STEP=NN FIRMWARE=dir: SD-card image build/sd/NN-name.img (FIRMWARE: optional)
sdimage: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) all
	@python3 tools/sdimage/mksd.py --kernel build/$(STEP_DIR)/kernel8.img \
	    --what "step $(STEP_DIR)" --rebuild "make sdimage STEP=$(STEP)" \
	    $(if $(FIRMWARE),--firmware '$(FIRMWARE)') $(SD_DIR)/$(STEP_DIR).img

## sdimage-chainboot: SD-card image with the serial chainloader, the card to leave in the Pi
sdimage-chainboot: chainboot-loader
	@python3 tools/sdimage/mksd.py --kernel $(LOADER_IMG) \
	    --what "the serial chainloader (tools/chainboot): make chainboot STEP=NN DEV=..." \
	    --rebuild "make sdimage-chainboot" \
	    $(if $(FIRMWARE),--firmware '$(FIRMWARE)') $(SD_DIR)/chainboot.img
# ANCHOR_END: sdimage

## chainboot-loader: build the chainloader, build/chainboot/kernel8.img
chainboot-loader: check-setup
	@$(MAKE) -s -C tools/chainboot all

# ANCHOR: chainboot
## chainboot STEP=NN DEV=tty: send the step to the chainloader, then be its terminal (DEV=qemu)
chainboot: need-step check-setup
	@[ -n "$(DEV)" ] || { echo "error: say where the Pi is, e.g. DEV=/dev/ttyUSB0 (or DEV=qemu)" >&2; exit 1; }
	@$(MAKE) -s -C steps/$(STEP_DIR) all
ifeq ($(DEV),qemu)
	@# The whole exchange without a Pi: QEMU runs the chainloader with its mini UART on a
	@# socket (wait=on: the guest starts once send.py is connected, so nothing is lost).
	@$(MAKE) -s -C tools/chainboot all
	@rm -f build/chainboot/serial.sock
	@qemu-system-aarch64 -M raspi3b -kernel $(LOADER_IMG) -display none -no-reboot \
	    -serial null -chardev socket,id=s0,path=build/chainboot/serial.sock,server=on,wait=on \
	    -serial chardev:s0 2>build/chainboot/qemu.log & qpid=$$!; \
	  trap 'kill $$qpid 2>/dev/null' EXIT; \
	  python3 tools/chainboot/send.py --socket build/chainboot/serial.sock $(SEND_ARGS) \
	      build/$(STEP_DIR)/kernel8.img
else
	python3 tools/chainboot/send.py --dev '$(DEV)' $(SEND_ARGS) build/$(STEP_DIR)/kernel8.img
endif

## console DEV=tty: a terminal on the Pi's serial line, e.g. DEV=/dev/ttyUSB0 (Ctrl-] quits)
console:
	@[ -n "$(DEV)" ] || { echo "error: say where the Pi is, e.g. DEV=/dev/ttyUSB0" >&2; exit 1; }
	python3 tools/chainboot/send.py --dev '$(DEV)'
# ANCHOR_END: chainboot

# ANCHOR: jtag
## openocd PROBE=cfg: OpenOCD for a JTAG probe on GPIO 22-27 (default interface/jlink.cfg)
openocd: check-setup
	openocd -f $(PROBE) -f tools/openocd/rpi3.cfg

## jtagboot STEP=NN: load the step through JTAG (make openocd running), gdb at kernel_main
# hbreak, not break: from step 04 on kernel_main is linked in the upper half, an address that
# does not exist while the core runs with the MMU off. A software breakpoint is an instruction
# written to memory at that address; a hardware one is a comparator in the core, which matches
# the address once the kernel's MMU maps it (Arm ARM, D2 "Breakpoint exceptions"; six on the
# Cortex-A53: its TRM, chapter 11 "Debug").
jtagboot: need-step check-setup
	@$(MAKE) -s -C steps/$(STEP_DIR) all
	gdb-multiarch -q build/$(STEP_DIR)/kernel8.elf -ex 'set pagination off' -ex 'set remotetimeout 30' \
	    -ex 'target extended-remote $(JTAG_GDB)' -ex '$(JTAG_HALT)' \
	    -ex 'load' -ex 'set $$pc = 0x80000' \
	    -ex 'set $$x0 = 0' -ex 'set $$x1 = 0' -ex 'set $$x2 = 0' -ex 'set $$x3 = 0' \
	    -ex 'hbreak *kernel_main' -ex 'continue' $(GDB_ARGS)
# ANCHOR_END: jtag
