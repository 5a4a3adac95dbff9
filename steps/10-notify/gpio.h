/*
 * gpio.h: the BCM2837's general-purpose I/O pins (BCM2835 ARM Peripherals, chapter 6).
 */
#ifndef GPIO_H
#define GPIO_H

/* ANCHOR: gpio_api */
/* What a pin does: GPFSELn's 3-bit field values (§6.1, Table 6-2). The alternate functions
 * connect the pin to a peripheral; which one depends on the pin (§6.2, Table 6-31). */
enum gpio_function {
    GPIO_INPUT  = 0,               /* 000 */
    GPIO_OUTPUT = 1,               /* 001 */
    GPIO_ALT0   = 4,               /* 100 */
    GPIO_ALT1   = 5,               /* 101 */
    GPIO_ALT2   = 6,               /* 110 */
    GPIO_ALT3   = 7,               /* 111 */
    GPIO_ALT4   = 3,               /* 011 */
    GPIO_ALT5   = 2,               /* 010: on pins 14/15, the mini UART's TXD1/RXD1 */
};

/* The pull resistor a pin gets: GPPUD's values (§6.1, "GPIO Pull-up/down Register"). */
enum gpio_pull {
    GPIO_PULL_NONE = 0,            /* 00: neither: the pin floats unless driven */
    GPIO_PULL_DOWN = 1,            /* 01: weak pull to 0 V */
    GPIO_PULL_UP   = 2,            /* 10: weak pull to 3.3 V */
};

#define GPIO_PINS 54               /* GPIO 0-53 */

void gpio_set_function(unsigned pin, enum gpio_function fn);
void gpio_set_pull(unsigned pin, enum gpio_pull pull);
/* ANCHOR_END: gpio_api */

#endif
