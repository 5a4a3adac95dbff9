/*
 * uart.c: the mini UART, the kernel's side of it: set up at boot, and sending, polled. From
 * step 10 the receive side is a user program's: init's serial driver (user/serial.c) maps the
 * UART's page and takes its interrupt through an IRQHandler cap (interrupt.c).
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
#define AUX_MU_LSR_TX_EMPTY   (1u << 5)  /* the transmit FIFO can accept at least one byte */
#define AUX_MU_CNTL_RX      (1u << 0)  /* receiver enable */
#define AUX_MU_CNTL_TX      (1u << 1)  /* transmitter enable */

/* §2.2.1: baud = core clock / (8 × (AUX_MU_BAUD + 1)). The mini UART has no clock of its
 * own: it divides the VideoCore's core clock. With core_freq=250 (config.txt on a real Pi),
 * 250 000 000 / (8 × 271) = 115 314 baud, 0.1 % above 115 200: close enough for any UART. */
#define CORE_CLOCK_HZ   250000000u
#define UART_BAUD       115200u
#define AUX_MU_BAUD_DIVISOR ((CORE_CLOCK_HZ / (8 * UART_BAUD)) - 1)  /* = 270 */

#define UART_TX_PIN     14             /* GPIO 14 = TXD1 in alternate function 5 */
#define UART_RX_PIN     15             /* GPIO 15 = RXD1 in alternate function 5 */

_Static_assert(AUX_MU_BAUD_DIVISOR == 270, "115200 baud from a 250 MHz core clock");
/* ANCHOR_END: uart_regs */

/* ANCHOR: uart_init */
/* Switch the mini UART on: 115200 baud, 8 data bits, no parity, 1 stop bit ("8N1"), no
 * interrupts (the serial driver turns the receive one on), connected to GPIO 14/15. Call
 * once, before any other uart_ function. Whatever was in the receive FIFO is thrown away. */
void uart_init(void)
{
    mmio_barrier();
    mmio_write32(AUX_ENABLES, mmio_read32(AUX_ENABLES) | AUX_ENABLES_MU);
    mmio_write32(AUX_MU_CNTL, 0);              /* receiver and transmitter off while we
                                                  change the settings */
    mmio_write32(AUX_MU_IER, 0);               /* no interrupts: the driver's to enable */
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

/* ANCHOR: uart_set_core_clock */
#define AUX_MU_LSR_TX_IDLE  (1u << 6)  /* §2.2.2: transmit FIFO empty and the last bit shifted
                                          out: nothing is on the line */

/* The firmware says the core clock runs at `clock_hz`: set the divisor for 115200 baud from
 * it. Returns false, and changes nothing, if no divisor makes that rate (uart_divisor). The
 * new divisor is written only once the transmitter is idle, so no byte leaves half at the
 * old rate and half at the new one. */
bool uart_set_core_clock(uint32_t clock_hz)
{
    int32_t divisor = uart_divisor(clock_hz, UART_BAUD);

    if (divisor < 0)
        return false;
    mmio_barrier();
    while (!(mmio_read32(AUX_MU_LSR) & AUX_MU_LSR_TX_IDLE))
        ;
    mmio_write32(AUX_MU_BAUD, (uint32_t)divisor);
    mmio_barrier();
    return true;
}
/* ANCHOR_END: uart_set_core_clock */

/* ANCHOR: uart_putc */
/* Send one byte, waiting while the transmit FIFO (8 bytes) is full. '\n' goes out as "\r\n",
 * which is what terminals expect. Once the FIFO is full this runs at the line's speed, about
 * 87 µs a byte at 115200 baud: fine for a console, too slow for an interrupt handler.
 *
 * From step 10 the kernel shares the transmitter with the serial server, which checks for
 * room and then writes, at EL0, where the kernel may come in between: a kernel that left
 * bytes in the FIFO could leave it full under the server's write, and a write to a full FIFO
 * is lost. So the kernel waits until its byte has left the line (TX idle, §2.2.2) before it
 * returns: whatever it interrupts finds the FIFO empty. (QEMU's FIFO is always empty; only a
 * real board can show the difference.) */
void uart_putc(char c)
{
    if (c == '\n')
        uart_putc('\r');

    mmio_barrier();
    while (!(mmio_read32(AUX_MU_LSR) & AUX_MU_LSR_TX_EMPTY))
        ;
    mmio_write32(AUX_MU_IO, (unsigned char)c);
    while (!(mmio_read32(AUX_MU_LSR) & AUX_MU_LSR_TX_IDLE))
        ;
    mmio_barrier();
}
/* ANCHOR_END: uart_putc */
