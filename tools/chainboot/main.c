/*
 * main.c: the chainloader's protocol. Wait on the mini UART for a kernel in a frame
 *
 *     "BOOT"  size (u32, little-endian)  |  size bytes of kernel8.img  CRC-32 (u32, LE)
 *
 * answering after the header and after the body (README.md has the whole exchange), store it
 * at 0x80000 and jump there as if the firmware had loaded it from the SD card.
 */
#include <stdint.h>

#include "crc32.h"
#include "mmio.h"
#include "timer.h"
#include "uart.h"

#define KERNEL_LOAD_ADDR  0x80000UL    /* where the firmware puts kernel8.img */
#define FRAME_MAGIC       "BOOT"       /* starts every frame; the loader hunts for it */
#define IDLE_ANNOUNCE_MS  1000         /* say "ready" again after this long without input */
#define BYTE_TIMEOUT_MS   2000         /* a frame that stalls this long is given up */
#define FDT_MAGIC         0xd00dfeedu  /* a device tree's first word, big-endian
                                          (Devicetree Specification, 5.2 "Header") */

/* link.ld: the loader's first byte in its relocated home. A kernel must end below it. */
extern char __loader_start[];

/* boot.S: clean up and jump to `entry` with x0-x3 set; never returns. */
void boot_kernel(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3, uint64_t entry)
    __attribute__((noreturn));

/* What the firmware left in x0-x3 for kernel8.img, kept to be handed on unchanged to the
 * kernel we load. x0 is the address of the device tree the firmware loaded from the card
 * (bcm2710-rpi-3-b.dtb or bcm2710-rpi-3-b-plus.dtb), or 0 when the card has none. */
static struct {
    uint64_t x0, x1, x2, x3;
} firmware_args;

static uint64_t current_el(void)
{
    uint64_t v;
    __asm__ volatile("mrs %0, CurrentEL" : "=r"(v));
    return (v >> 2) & 3;                /* CurrentEL.EL, bits [3:2] */
}

/* ANCHOR: device_tree */
/* Whether `addr` (the firmware's x0) holds a device tree: RAM below the peripherals, and the
 * magic number in the first word. QEMU passes 0x100, where it put an old ATAG list instead. */
static int is_device_tree(uint64_t addr)
{
    if (addr == 0 || addr % 4 != 0 || addr >= MMIO_BASE)
        return 0;
    return __builtin_bswap32(*(volatile uint32_t *)addr) == FDT_MAGIC;
}
/* ANCHOR_END: device_tree */

/* ANCHOR: load_limit */
/*
 * How many bytes fit at 0x80000: up to the relocated loader, which is still running while
 * the kernel arrives, and never over the firmware's device tree, which the kernel will want.
 */
static uint64_t load_limit(void)
{
    uint64_t end = (uint64_t)__loader_start;
    uint64_t dtb = firmware_args.x0;

    if (dtb > KERNEL_LOAD_ADDR && dtb < end)
        end = dtb;
    return end - KERNEL_LOAD_ADDR;
}
/* ANCHOR_END: load_limit */

/* ANCHOR: receive */
/*
 * Wait for the magic "BOOT", skipping anything else (line noise, a stray key press).
 * Returns 1 once it is seen, 0 after IDLE_ANNOUNCE_MS of silence so the caller can say
 * "ready" again for a sender that started late.
 */
static int wait_for_magic(void)
{
    const char *magic = FRAME_MAGIC;
    unsigned matched = 0;
    uint8_t c;

    while (uart_getc_before(timer_deadline_ms(IDLE_ANNOUNCE_MS), &c)) {
        if (c == (uint8_t)magic[matched])
            matched++;
        else
            matched = (c == (uint8_t)magic[0]);  /* "BBOOT" still counts */
        if (matched == sizeof(FRAME_MAGIC) - 1)
            return 1;
    }
    return 0;
}

/* Receive `n` bytes to `dst`, each within BYTE_TIMEOUT_MS of the one before. Returns how many
 * arrived (n unless the sender stalled). Nothing is printed meanwhile: sending a message
 * takes longer than the receive FIFO lasts. */
static uint64_t receive_bytes(volatile uint8_t *dst, uint64_t n)
{
    uint64_t got;
    uint8_t c;

    for (got = 0; got < n; got++) {
        if (!uart_getc_before(timer_deadline_ms(BYTE_TIMEOUT_MS), &c))
            break;
        dst[got] = c;
    }
    return got;
}

static int receive_u32(uint32_t *v)
{
    uint8_t b[4];

    if (receive_bytes(b, 4) != 4)
        return 0;
    *v = b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 1;
}

/*
 * One frame, after its magic. Every way it can go wrong is answered with a line starting
 * "chainboot: error:" and a return of 0; the caller then waits for the next frame. On
 * success the kernel is at 0x80000, checked, and its size is in *size.
 */
static int receive_frame(uint64_t limit, uint32_t *size)
{
    volatile uint8_t *dst = (volatile uint8_t *)KERNEL_LOAD_ADDR;
    uint32_t want_crc, got_crc;
    uint64_t got;

    if (!receive_u32(size)) {
        uart_puts("chainboot: error: the size did not follow BOOT\n");
        return 0;
    }
    if (*size == 0 || *size > limit) {
        uart_puts("chainboot: error: a kernel of ");
        uart_putdec(*size);
        uart_puts(" bytes does not fit (1 to ");
        uart_putdec(limit);
        uart_puts(" bytes)\n");
        return 0;
    }
    uart_puts("chainboot: size ok, send ");  /* the sender waits for this before the body */
    uart_putdec(*size);
    uart_puts(" bytes and the CRC-32\n");

    got = receive_bytes(dst, *size);
    if (got != *size || !receive_u32(&want_crc)) {
        uart_puts("chainboot: error: timed out after ");
        uart_putdec(got);
        uart_puts(" of ");
        uart_putdec(*size);
        uart_puts(" bytes\n");
        return 0;
    }
    got_crc = crc32(dst, *size);
    if (got_crc != want_crc) {
        uart_puts("chainboot: error: checksum ");
        uart_puthex(got_crc);
        uart_puts(" but the frame says ");
        uart_puthex(want_crc);
        uart_puts("\n");
        return 0;
    }
    return 1;
}
/* ANCHOR_END: receive */

/* ANCHOR: loader_main */
/* Called by boot.S on core 0, already relocated, with the firmware's x0-x3. */
void loader_main(uint64_t x0, uint64_t x1, uint64_t x2, uint64_t x3)
{
    uint64_t limit;
    uint32_t size;

    firmware_args.x0 = x0;
    firmware_args.x1 = x1;
    firmware_args.x2 = x2;
    firmware_args.x3 = x3;

    uart_init();
    crc32_init();
    limit = load_limit();

    uart_puts("\nchainboot: serial chainloader at ");
    uart_puthex((uint64_t)__loader_start);
    uart_puts(", EL");
    uart_putdec(current_el());
    uart_puts(is_device_tree(x0) ? ", device tree at " : ", no device tree (x0 = ");
    uart_puthex(x0);
    uart_puts(is_device_tree(x0) ? "\n" : ")\n");

    for (;;) {
        uart_puts("chainboot: ready for a BOOT frame of at most ");
        uart_putdec(limit);
        uart_puts(" bytes\n");
        if (!wait_for_magic())
            continue;                   /* silence: announce again */
        if (!receive_frame(limit, &size))
            continue;                   /* refused: announce again */

        uart_puts("chainboot: checksum ok, starting the kernel (");
        uart_putdec(size);
        uart_puts(" bytes) at 0x80000\n");
        uart_flush();
        boot_kernel(firmware_args.x0, firmware_args.x1, firmware_args.x2, firmware_args.x3,
                    KERNEL_LOAD_ADDR);
    }
}
/* ANCHOR_END: loader_main */
