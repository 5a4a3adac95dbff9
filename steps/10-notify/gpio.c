/*
 * gpio.c: choosing what a GPIO pin does, and its pull resistor.
 */
#include "gpio.h"
#include "mmio.h"
#include "timer.h"

/* ANCHOR: gpio_regs */
/* GPIO registers (BCM2835 ARM Peripherals §6.1, bus address 0x7E200000). */
#define GPIO_BASE      (PERIPHERAL_BASE + 0x200000)
#define GPFSEL0        (GPIO_BASE + 0x00)  /* function select, pins 0-9; GPFSEL1 pins 10-19 … */
#define GPPUD          (GPIO_BASE + 0x94)  /* pull-up/down control value for the next clock */
#define GPPUDCLK0      (GPIO_BASE + 0x98)  /* pull-up/down clock, one bit per pin 0-31 */
#define GPPUDCLK1      (GPIO_BASE + 0x9C)  /* … and pins 32-53 */

#define GPFSEL_PINS_PER_REG 10             /* 10 pins × 3 bits per GPFSELn register */
#define GPFSEL_BITS         3
#define GPFSEL_MASK         7u

/* The manual asks for 150 cycles between the steps of the pull-up/down sequence without
 * saying of which clock. 1 µs is at least 150 cycles of any clock of 150 MHz or more, the
 * 250 MHz core clock included, whatever speed the ARM runs at (Linux waits 1 µs too). */
#define GPPUD_WAIT_US       1
/* ANCHOR_END: gpio_regs */

/* ANCHOR: gpio_set_function */
/* Connect `pin` to `fn` (input, output or one of its alternate functions). The other nine
 * pins that share its GPFSEL register keep their function. Pins ≥ GPIO_PINS are ignored. */
void gpio_set_function(unsigned pin, enum gpio_function fn)
{
    if (pin >= GPIO_PINS)
        return;

    uintptr_t reg = GPFSEL0 + 4 * (pin / GPFSEL_PINS_PER_REG);
    unsigned shift = GPFSEL_BITS * (pin % GPFSEL_PINS_PER_REG);

    mmio_barrier();
    uint32_t v = mmio_read32(reg);
    v &= ~(GPFSEL_MASK << shift);
    v |= (uint32_t)fn << shift;
    mmio_write32(reg, v);
    mmio_barrier();
}
/* ANCHOR_END: gpio_set_function */

/* ANCHOR: gpio_set_pull */
/* Give `pin` a pull-up, a pull-down or neither. The pads cannot be written directly: the value
 * is put on a control line (GPPUD), then clocked into the chosen pads (GPPUDCLKn), with the
 * set-up and hold times the manual gives (§6.1, the six steps under GPPUDCLKn). Pins that
 * get no clock keep their setting. Pins ≥ GPIO_PINS are ignored. */
void gpio_set_pull(unsigned pin, enum gpio_pull pull)
{
    if (pin >= GPIO_PINS)
        return;

    uintptr_t clk = pin < 32 ? GPPUDCLK0 : GPPUDCLK1;
    uint32_t bit = 1u << (pin % 32);

    mmio_barrier();
    mmio_write32(GPPUD, pull);          /* 1. the value to apply */
    timer_delay_us(GPPUD_WAIT_US);      /* 2. set-up time */
    mmio_write32(clk, bit);             /* 3. clock it into this pin only */
    timer_delay_us(GPPUD_WAIT_US);      /* 4. hold time */
    mmio_write32(GPPUD, GPIO_PULL_NONE);/* 5. remove the control value */
    mmio_write32(clk, 0);               /* 6. remove the clock */
    mmio_barrier();
}
/* ANCHOR_END: gpio_set_pull */
