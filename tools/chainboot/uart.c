/*
 * uart.c: the mini UART, just enough for the chainloader.
 *
 * The chainloader sets the UART up itself rather than trusting the firmware: on a real Pi the
 * pins are not routed to the mini UART until GPIO 14/15 are switched to ALT5, and the baud
 * divisor depends on the core clock that config.txt pins to 250 MHz (core_freq=250).
 * Register names and offsets: BCM2835 ARM Peripherals, chapter 2 (AUX) and chapter 6 (GPIO).
 */
#include "mmio.h"
#include "timer.h"
#include "uart.h"

#define GPFSEL1      (MMIO_BASE + 0x200004)  /* function select for GPIO 10-19, 3 bits each */
#define GPPUD        (MMIO_BASE + 0x200094)  /* pull-up/down control for the next clocked pins */
#define GPPUDCLK0    (MMIO_BASE + 0x200098)  /* clocks GPPUD into GPIO 0-31 */

#define GPIO_FSEL_ALT5  2u                   /* function select value of alternate function 5 */
#define GPIO_PUD_UP     2u                   /* GPPUD: enable the pull-up */
#define GPIO_PUD_OFF    0u                   /* GPPUD: no change / remove the control signal */

#define AUX_ENABLES  (MMIO_BASE + 0x215004)  /* bit 0: mini UART on (its registers work) */
#define AUX_MU_IO    (MMIO_BASE + 0x215040)  /* data: write to send, read to receive */
#define AUX_MU_IER   (MMIO_BASE + 0x215044)  /* interrupt enables: 0, the loader polls */
#define AUX_MU_IIR   (MMIO_BASE + 0x215048)  /* writing 0xC6 clears both FIFOs */
#define AUX_MU_LCR   (MMIO_BASE + 0x21504C)  /* line control: 3 = 8 data bits */
#define AUX_MU_MCR   (MMIO_BASE + 0x215050)  /* modem control: 0 = RTS high, unused */
#define AUX_MU_LSR   (MMIO_BASE + 0x215054)  /* line status, bits below */
#define AUX_MU_CNTL  (MMIO_BASE + 0x215060)  /* bit 0 receiver on, bit 1 transmitter on */
#define AUX_MU_BAUD  (MMIO_BASE + 0x215068)  /* baud = core_clock / (8 * (AUX_MU_BAUD + 1)) */

#define LSR_DATA_READY  (1u << 0)            /* the receive FIFO holds at least one byte */
#define LSR_TX_EMPTY    (1u << 5)            /* the transmit FIFO can accept a byte */
#define LSR_TX_IDLE     (1u << 6)            /* the FIFO is empty and the last bit has left */

#define UART_TX_PIN     14                   /* GPIO14 = TXD1 in ALT5, header pin 8 */
#define UART_RX_PIN     15                   /* GPIO15 = RXD1 in ALT5, header pin 10 */
#define BAUD_115200     270                  /* 250 MHz / (8 * 271) = 115313 baud, 0.1 % off */

/* ANCHOR: gppud_wait */
/* The pull-up/down sequence needs 150 cycles of set-up and of hold around the clock pulse
 * (BCM2835 ARM Peripherals, section 6.1, the steps under GPPUDCLKn) without saying of which
 * clock. Counting instructions cannot measure that: 150 nops last long enough only while the
 * instruction cache is off (from the cache, 0.125 us at 1.2 GHz). The generic timer can: 150
 * cycles of the slowest clock in sight, the timer's own 19.2 MHz (CNTFRQ_EL0 on a Pi 3),
 * last 7.8 us; of the 250 MHz core clock, 0.6 us. 10 us covers both, twice at each boot. */
#define GPPUD_WAIT_US   10
/* ANCHOR_END: gppud_wait */

/* ANCHOR: uart_init */
/*
 * Route GPIO 14/15 to the mini UART and start it at 115200 8N1, no interrupts, no flow
 * control. Whatever was in the receive FIFO is dropped, so bytes a host sent before this ran
 * are lost: the host waits for the loader's announcement instead.
 */
void uart_init(void)
{
    mmio_write32(AUX_ENABLES, mmio_read32(AUX_ENABLES) | 1);  /* the registers below wake up */
    mmio_write32(AUX_MU_CNTL, 0);         /* receiver and transmitter off while configuring */
    mmio_write32(AUX_MU_IER, 0);
    mmio_write32(AUX_MU_LCR, 3);          /* 8 data bits (the datasheet's "bit 0 only" is wrong) */
    mmio_write32(AUX_MU_MCR, 0);
    mmio_write32(AUX_MU_IIR, 0xC6);       /* clear both FIFOs */
    mmio_write32(AUX_MU_BAUD, BAUD_115200);

    /* GPIO 14 and 15 to ALT5: three function-select bits per pin, pins 10-19 in GPFSEL1. */
    uint32_t sel = mmio_read32(GPFSEL1);
    sel &= ~((7u << ((UART_TX_PIN - 10) * 3)) | (7u << ((UART_RX_PIN - 10) * 3)));
    sel |= (GPIO_FSEL_ALT5 << ((UART_TX_PIN - 10) * 3)) | (GPIO_FSEL_ALT5 << ((UART_RX_PIN - 10) * 3));
    mmio_write32(GPFSEL1, sel);

    /* Pull-ups: a serial line idles high, so an unplugged adapter reads as silence, not noise.
     * The sequence: set the control, wait, clock it into the pins, wait, remove both. */
    mmio_write32(GPPUD, GPIO_PUD_UP);
    timer_delay_us(GPPUD_WAIT_US);        /* set-up time */
    mmio_write32(GPPUDCLK0, (1u << UART_TX_PIN) | (1u << UART_RX_PIN));
    timer_delay_us(GPPUD_WAIT_US);        /* hold time */
    mmio_write32(GPPUD, GPIO_PUD_OFF);
    mmio_write32(GPPUDCLK0, 0);

    mmio_write32(AUX_MU_CNTL, 3);         /* receiver and transmitter on */
}
/* ANCHOR_END: uart_init */

/* Blocks until the transmit FIFO has room: never call it while bytes are streaming in, or the
 * 8-byte receive FIFO may overflow meanwhile. */
void uart_putc(char c)
{
    while (!(mmio_read32(AUX_MU_LSR) & LSR_TX_EMPTY))
        ;
    mmio_write32(AUX_MU_IO, (uint8_t)c);
}

void uart_puts(const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            uart_putc('\r');               /* terminals want CR LF */
        uart_putc(*s);
    }
}

void uart_putdec(uint64_t v)
{
    char buf[21];
    int i = sizeof(buf) - 1;

    buf[i] = 0;
    do {
        buf[--i] = '0' + v % 10;
        v /= 10;
    } while (v);
    uart_puts(&buf[i]);
}

void uart_puthex(uint64_t v)
{
    int shift = 60;

    uart_puts("0x");
    while (shift > 0 && !(v >> shift))     /* no leading zeros */
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        uart_putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

/* ANCHOR: uart_getc */
/*
 * Wait for one byte until the generic timer reaches `deadline`. Returns 1 and stores the byte,
 * or 0 on time-out. The loop is a handful of instructions: at 115200 baud a byte arrives every
 * 87 microseconds, and the receive FIFO holds only 8 of them.
 */
int uart_getc_before(uint64_t deadline, uint8_t *c)
{
    while (!(mmio_read32(AUX_MU_LSR) & LSR_DATA_READY)) {
        if (timer_now() >= deadline)
            return 0;
    }
    *c = (uint8_t)mmio_read32(AUX_MU_IO);
    return 1;
}
/* ANCHOR_END: uart_getc */

/* Wait until everything written has left the pin: the loaded kernel will set the UART up
 * again, and that would cut off the loader's last message. */
void uart_flush(void)
{
    while (!(mmio_read32(AUX_MU_LSR) & LSR_TX_IDLE))
        ;
}
