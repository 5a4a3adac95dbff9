/*
 * serial.c: the serial server, a user thread that owns the mini UART. It is what the
 * kernel's uart.c receive side and console input were until step 09: the receive interrupt
 * now reaches it as a signal on a notification, and the bytes it reads wait in its ring until
 * a client asks for them. Writes are polled, as the kernel's were.
 *
 * One loop serves everything: the server waits on its endpoint, to which its notification is
 * bound, so a client's Call and the interrupt's signal both wake the same Recv and are told
 * apart by the badge (serial.h).
 */
#include "serial.h"

#include <stdbool.h>
#include <stdint.h>

#include "fbterm.h"
#include "ring.h"
#include "ulib.h"

/* ANCHOR: serial_regs */
/* The mini UART's registers (BCM2835 ARM Peripherals, §2.1 and §2.2), at their offsets in the
 * AUX page that init mapped for this thread. The kernel's uart_init set the baud rate, the
 * pins and the line; this driver turns on the receive interrupt and moves bytes. */
#define AUX_MU_IO   0x40   /* data: write to send, read to receive */
#define AUX_MU_IER  0x44   /* interrupt enable */
#define AUX_MU_LSR  0x54   /* line status */

#define AUX_MU_IER_RX        (1u << 0)  /* interrupt while the receive FIFO holds a byte */
#define AUX_MU_IER_LINE      (3u << 2)  /* bits 3:2 must be set for it to reach the line
                                           (the kernel's uart.c says why) */
#define AUX_MU_LSR_DATA_READY (1u << 0)
#define AUX_MU_LSR_OVERRUN    (1u << 1)
#define AUX_MU_LSR_TX_EMPTY   (1u << 5)

static inline uint32_t reg_read(unsigned off)
{
    return *(volatile uint32_t *)(SERIAL_AUX_VA + off);
}

static inline void reg_write(unsigned off, uint32_t v)
{
    *(volatile uint32_t *)(SERIAL_AUX_VA + off) = v;
}

/* BCM2835 ARM Peripherals §1.3: reads from two peripherals may come back out of order, so a
 * driver puts a barrier before its first access and after its last. dsb is allowed at EL0. */
static inline void barrier(void)
{
    __asm__ volatile("dsb sy" ::: "memory");
}
/* ANCHOR_END: serial_regs */

/* ANCHOR: serial_state */
static struct ring rx;                  /* bytes received and not yet read by a client */
static uint32_t overruns;               /* the FIFO itself overflowed (real hardware only) */
static bool reader_waiting;             /* a READ or HOLD waits in SERIAL_SLOT_READER */
static seL4_Word reader_op;             /* which of the two */
static uint32_t hold_until;             /* HOLD: the received count to wait for */

static uint32_t received(void)
{
    return rx.head + rx.dropped;        /* every byte taken out of the FIFO (wraps) */
}
/* ANCHOR_END: serial_state */

/* ANCHOR: serial_irq */
/* The interrupt: empty the receive FIFO into the ring, counting what does not fit, then Ack.
 * The kernel masked the irq when it signalled us; it stays masked until the Ack, so the
 * FIFO is emptied first, or the line, still asserted, would signal again at once. */
static void serial_interrupt(void)
{
    barrier();
    uint32_t lsr;
    while ((lsr = reg_read(AUX_MU_LSR)) & AUX_MU_LSR_DATA_READY) {
        if (lsr & AUX_MU_LSR_OVERRUN)
            overruns++;
        ring_put(&rx, (uint8_t)reg_read(AUX_MU_IO));
    }
    barrier();
    seL4_IRQHandler_Ack(SERIAL_SLOT_IRQ);
}
/* ANCHOR_END: serial_irq */

/* ANCHOR: serial_write */
/* Every message of the protocol fits the four message registers that travel in machine
 * registers, so this thread passes them in mr[] and never touches its IPC buffer: the short
 * messages are the fastpath's. */
static void put(uint8_t c)
{
    while (!(reg_read(AUX_MU_LSR) & AUX_MU_LSR_TX_EMPTY))
        ;
    reg_write(AUX_MU_IO, c);
}

/* WRITE: the bytes of the message, in order, to the line ('\n' as "\r\n") and to the screen
 * (fbterm.c; it draws nothing if init found no framebuffer). */
static seL4_MessageInfo_t do_write(seL4_Word label, seL4_Word mr[4])
{
    seL4_Word n = SERIAL_LEN(label);
    if (n > SERIAL_MSG_BYTES)
        n = SERIAL_MSG_BYTES;
    barrier();
    for (seL4_Word i = 0; i < n; i++) {
        uint8_t c = (uint8_t)(mr[i / 8] >> (i % 8 * 8));
        if (c == '\n')
            put('\r');
        put(c);
        fbterm_putc((char)c);
    }
    barrier();
    mr[0] = n;
    return seL4_MessageInfo_new(0, 0, 0, 1);
}
/* ANCHOR_END: serial_write */

/* ANCHOR: serial_read */
/* READ's answer: up to 32 bytes from the ring, the count in the label. */
static seL4_MessageInfo_t read_answer(seL4_Word mr[4])
{
    seL4_Word n = 0;
    int c;
    mr[0] = mr[1] = mr[2] = mr[3] = 0;
    while (n < SERIAL_MSG_BYTES && (c = ring_get(&rx)) >= 0) {
        mr[n / 8] |= (seL4_Word)c << (n % 8 * 8);
        n++;
    }
    return seL4_MessageInfo_new(n, 0, 0, (n + 7) / 8);
}

/* Whether the waiting reader can be answered now. */
static bool reader_ready(void)
{
    if (reader_op == SERIAL_HOLD)
        return (int32_t)(received() - hold_until) >= 0;
    return !ring_empty(&rx);
}

/* The answer to the waiting READ or HOLD. */
static seL4_MessageInfo_t reader_answer(seL4_Word mr[4])
{
    if (reader_op == SERIAL_READ)
        return read_answer(mr);
    mr[0] = rx.dropped;
    return seL4_MessageInfo_new(0, 0, 0, 1);
}
/* ANCHOR_END: serial_read */

/* ANCHOR: serial_server */
/* The server's loop. A client's Call is answered with ReplyRecv when it can be at once; a
 * READ with nothing to read (or a HOLD) keeps its reply cap in a slot (SaveCaller) and is
 * answered by a Send on that cap when the interrupt brings what it waits for. */
void serial_server(seL4_Word arg)
{
    (void)arg;
    /* A fresh start (init may restart this thread after stopping it anywhere): no reader, an
     * empty reply slot, the counts kept, and the irq acked in case it was left masked. */
    reader_waiting = false;
    seL4_CNode_Delete(SERIAL_SLOT_CNODE, SERIAL_SLOT_READER, 64);
    barrier();
    reg_write(AUX_MU_IER, AUX_MU_IER_RX | AUX_MU_IER_LINE);
    barrier();
    seL4_IRQHandler_Ack(SERIAL_SLOT_IRQ);

    seL4_Word badge, mr[4];
    seL4_MessageInfo_t info = seL4_RecvWithMRs(SERIAL_SLOT_EP, &badge, &mr[0], &mr[1], &mr[2],
                                               &mr[3]);
    for (;;) {
        seL4_MessageInfo_t reply;
        if (badge & SERIAL_BADGE_IRQ) {        /* the notification: the receive interrupt */
            serial_interrupt();
            if (reader_waiting && reader_ready()) {
                reply = reader_answer(mr);
                seL4_SendWithMRs(SERIAL_SLOT_READER, reply, &mr[0], &mr[1], &mr[2], &mr[3]);
                reader_waiting = false;
            }
            info = seL4_RecvWithMRs(SERIAL_SLOT_EP, &badge, &mr[0], &mr[1], &mr[2], &mr[3]);
            continue;
        }
        seL4_Word label = seL4_MessageInfo_get_label(info);
        switch (SERIAL_OP(label)) {
        case SERIAL_WRITE:
            reply = do_write(label, mr);
            break;
        case SERIAL_STATS:
            mr[0] = received();
            mr[1] = rx.dropped;
            mr[2] = overruns;
            reply = seL4_MessageInfo_new(0, 0, 0, 3);
            break;
        case SERIAL_READ:
        case SERIAL_HOLD:
            if (reader_waiting) {              /* one reader at a time */
                reply = seL4_MessageInfo_new(0, 0, 0, 0);
                break;
            }
            reader_op = SERIAL_OP(label);
            hold_until = (uint32_t)mr[0];
            if (reader_ready()) {
                reply = reader_answer(mr);
                break;
            }
            seL4_CNode_SaveCaller(SERIAL_SLOT_CNODE, SERIAL_SLOT_READER, 64);
            reader_waiting = true;
            info = seL4_RecvWithMRs(SERIAL_SLOT_EP, &badge, &mr[0], &mr[1], &mr[2], &mr[3]);
            continue;
        default:
            reply = seL4_MessageInfo_new(0, 0, 0, 0);
            break;
        }
        info = seL4_ReplyRecvWithMRs(SERIAL_SLOT_EP, reply, &badge, &mr[0], &mr[1], &mr[2],
                                     &mr[3]);
    }
}
/* ANCHOR_END: serial_server */
