/*
 * watchdog.c: the power-management (PM) block's watchdog, the Pi's only way to reset itself.
 *
 * The BCM2835 ARM Peripherals manual does not describe the PM block; what is known comes from
 * Broadcom's Linux driver (drivers/watchdog/bcm2835_wdt.c), and the same registers work on
 * the BCM2837. Every write needs the password 0x5A in the top byte, or it is ignored, so a
 * stray write cannot reset the board.
 */
#include "watchdog.h"
#include "mmio.h"
#include "timer.h"

/* ANCHOR: watchdog_regs */
#define PM_BASE        (PERIPHERAL_BASE + 0x100000)
#define PM_RSTC        (PM_BASE + 0x1C)  /* reset control: what the watchdog does when it fires */
#define PM_WDOG        (PM_BASE + 0x24)  /* watchdog countdown, in ticks of 1/65536 s */

#define PM_PASSWORD              0x5A000000u
#define PM_PASSWORD_MASK         0xFF000000u
#define PM_RSTC_WRCFG_MASK       0x00000030u  /* bits 5:4: the reset configuration */
#define PM_RSTC_WRCFG_FULL_RESET 0x00000020u  /* a full reset of the board */
#define PM_WDOG_TICKS            10u          /* fire after 10 ticks, about 150 µs */

#define WATCHDOG_GIVE_UP_US      100000u      /* 100 ms: far longer than 10 ticks */
/* ANCHOR_END: watchdog_regs */

/* ANCHOR: watchdog_reboot */
/* Arm the watchdog to reset the board in about 150 µs, then wait for it. Returns only if no
 * reset came within 100 ms (an emulator without the PM block, say); the caller says so. In
 * QEMU started with -no-reboot, the reset makes QEMU exit with status 0. */
void watchdog_reboot(void)
{
    mmio_barrier();
    uint32_t rstc = mmio_read32(PM_RSTC) & ~(PM_PASSWORD_MASK | PM_RSTC_WRCFG_MASK);
    mmio_write32(PM_WDOG, PM_PASSWORD | PM_WDOG_TICKS);
    mmio_write32(PM_RSTC, PM_PASSWORD | rstc | PM_RSTC_WRCFG_FULL_RESET);
    mmio_barrier();

    timer_delay_us(WATCHDOG_GIVE_UP_US);
}
/* ANCHOR_END: watchdog_reboot */
