/*
 * uart.c: the mini UART, polled.
 *
 * The BCM2837 has two UARTs: a full PL011 and the "mini UART" of the auxiliary peripherals
 * block (BCM2835 ARM Peripherals, chapter 2). On a Pi 3 the PL011 drives the Bluetooth chip,
 * so the pins of the 40-pin header (GPIO 14 and 15) get the mini UART.
 */
#include "uart.h"
#include "gpio.h"
#include "mmio.h"

/* ANCHOR: uart_regs */
/* The auxiliary peripherals (§2.1, bus address 0x7E215000): the mini UART and two SPIs. */
#define AUX_BASE        (PERIPHERAL_BASE + 0x215000)
#define AUX_ENABLES     (AUX_BASE + 0x04)  /* §2.1.2: which AUX peripherals are switched on */
#define AUX_MU_IO       (AUX_BASE + 0x40)  /* §2.2.2: data: write to send, read to receive */
#define AUX_MU_IER      (AUX_BASE + 0x44)  /* interrupt enable */
#define AUX_MU_IIR      (AUX_BASE + 0x48)  /* interrupt identify; writes clear the FIFOs */
#define AUX_MU_LCR      (AUX_BASE + 0x4C)  /* line control: data size */
#define AUX_MU_MCR      (AUX_BASE + 0x50)  /* modem control: the RTS line */
#define AUX_MU_LSR      (AUX_BASE + 0x54)  /* line status: can we send, is there data */
#define AUX_MU_CNTL     (AUX_BASE + 0x60)  /* extra control: receiver/transmitter on, flow */
#define AUX_MU_BAUD     (AUX_BASE + 0x68)  /* baud rate divisor */

#define AUX_ENABLES_MU      (1u << 0)  /* mini UART on; its registers work only then */
#define AUX_MU_IIR_CLEAR    (3u << 1)  /* bit 1 clears the receive FIFO, bit 2 the transmit FIFO */
#define AUX_MU_LCR_8BIT     3u         /* 8 data bits. The manual says bit 0 alone, but 7-bit
                                          mode only goes away with bit 1 set too (a known
                                          erratum of §2.2.2), so write 3 */
#define AUX_MU_LSR_DATA_READY (1u << 0)  /* the receive FIFO holds at least one byte */
#define AUX_MU_LSR_TX_EMPTY   (1u << 5)  /* the transmit FIFO can accept at least one byte */
#define AUX_MU_CNTL_RX      (1u << 0)  /* receiver enable */
#define AUX_MU_CNTL_TX      (1u << 1)  /* transmitter enable */

/* §2.2.1: baud = core clock / (8 × (AUX_MU_BAUD + 1)). The mini UART has no clock of its
 * own: it divides the VideoCore's core clock. With core_freq=250 (config.txt on a real Pi),
 * 250 000 000 / (8 × 271) = 115 314 baud, 0.1 % above 115 200: close enough for any UART. */
#define CORE_CLOCK_HZ   250000000u
#define UART_BAUD       115200u
// EXERCISE: uart_baud: set AUX_MU_BAUD_DIVISOR so that the mini UART runs at UART_BAUD from CORE_CLOCK_HZ (BCM2835 ARM Peripherals §2.2.1: baud = core clock / (8 × (divisor + 1)); uart_init writes it to AUX_MU_BAUD)
#define AUX_MU_BAUD_DIVISOR ((CORE_CLOCK_HZ / (8 * UART_BAUD)) - 1)  /* = 270 */
// EXERCISE_STANDIN: uart_baud
// #define AUX_MU_BAUD_DIVISOR 0u
// EXERCISE_END: uart_baud

#define UART_TX_PIN     14             /* GPIO 14 = TXD1 in alternate function 5 */
#define UART_RX_PIN     15             /* GPIO 15 = RXD1 in alternate function 5 */

// EXERCISE: uart_baud
_Static_assert(AUX_MU_BAUD_DIVISOR == 270, "115200 baud from a 250 MHz core clock");
// EXERCISE_END: uart_baud
/* ANCHOR_END: uart_regs */

/* ANCHOR: uart_init */
/* Switch the mini UART on: 115200 baud, 8 data bits, no parity, 1 stop bit ("8N1"), no
 * interrupts (this kernel polls), connected to GPIO 14/15. Call once, before any other uart_
 * function. Whatever was in the receive FIFO is thrown away. */
void uart_init(void)
{
    mmio_barrier();
    mmio_write32(AUX_ENABLES, mmio_read32(AUX_ENABLES) | AUX_ENABLES_MU);
    mmio_write32(AUX_MU_CNTL, 0);              /* receiver and transmitter off while we
                                                  change the settings */
    mmio_write32(AUX_MU_IER, 0);               /* no interrupts: we poll */
    mmio_write32(AUX_MU_LCR, AUX_MU_LCR_8BIT);
    mmio_write32(AUX_MU_MCR, 0);               /* RTS stays high; no flow control */
    mmio_write32(AUX_MU_IIR, AUX_MU_IIR_CLEAR);
    mmio_write32(AUX_MU_BAUD, AUX_MU_BAUD_DIVISOR);
    mmio_barrier();

    /* Hand the pins to the UART. RX gets a pull-up: with nothing plugged in it then reads
     * as an idle line (high) instead of floating and inventing characters. */
    gpio_set_pull(UART_TX_PIN, GPIO_PULL_NONE);
    gpio_set_pull(UART_RX_PIN, GPIO_PULL_UP);
    gpio_set_function(UART_TX_PIN, GPIO_ALT5);
    gpio_set_function(UART_RX_PIN, GPIO_ALT5);

    mmio_barrier();
    mmio_write32(AUX_MU_CNTL, AUX_MU_CNTL_RX | AUX_MU_CNTL_TX);
    mmio_barrier();
}
/* ANCHOR_END: uart_init */

/* ANCHOR: uart_putc */
/* Send one byte, waiting while the transmit FIFO (8 bytes) is full. '\n' goes out as "\r\n",
 * which is what terminals expect. Once the FIFO is full this runs at the line's speed, about
 * 87 µs a byte at 115200 baud: fine for a console, too slow for an interrupt handler. */
void uart_putc(char c)
{
    if (c == '\n')
        uart_putc('\r');

    mmio_barrier();
    while (!(mmio_read32(AUX_MU_LSR) & AUX_MU_LSR_TX_EMPTY))
        ;
    mmio_write32(AUX_MU_IO, (unsigned char)c);
    mmio_barrier();
}

/* Send a NUL-terminated string, '\n' as "\r\n". */
void uart_puts(const char *s)
{
    while (*s)
        uart_putc(*s++);
}
/* ANCHOR_END: uart_putc */

/* ANCHOR: uart_getc */
/* Wait for a byte to arrive and return it. Blocks forever if nothing comes: the only
 * sensible thing for a console that has nothing else to do (step 05 lets it sleep instead).
 * Bytes arrive as they were sent: '\r' stays '\r'. */
char uart_getc(void)
{
    mmio_barrier();
    while (!(mmio_read32(AUX_MU_LSR) & AUX_MU_LSR_DATA_READY))
        ;
    char c = (char)(mmio_read32(AUX_MU_IO) & 0xFF);
    mmio_barrier();
    return c;
}
/* ANCHOR_END: uart_getc */
