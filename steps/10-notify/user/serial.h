/*
 * serial.h: the serial server's protocol, shared by the server (serial.c) and its clients
 * (the shell, shell.c). From step 10 the mini UART belongs to a user thread: the kernel
 * writes to it only for its banner, a panic or DebugPutChar, and never reads it.
 *
 * A client holds a badged cap to the server's endpoint and Calls it. The label says what it
 * wants; the message registers carry up to 32 bytes, 8 to a word, lowest byte first, so a
 * write of up to 32 bytes fits the fastpath (at most 4 message registers).
 */
#ifndef SERIAL_H
#define SERIAL_H

#include <sel4/sel4.h>

/* ANCHOR: serial_protocol */
#define SERIAL_MSG_BYTES  32              /* 4 message registers */

enum serial_op {
    SERIAL_WRITE = 1,   /* label | n << 4, MR0-3 the bytes: sent, '\n' as "\r\n"; reply: n */
    SERIAL_READ  = 2,   /* reply when a byte is there: label n (1-32), MR0-3 the bytes */
    SERIAL_STATS = 3,   /* reply MR0 received, MR1 dropped (buffer full), MR2 FIFO overruns */
    SERIAL_HOLD  = 4,   /* MR0 r: reply only once r bytes have been received in all (STATS's
                           count, which wraps); nothing is read meanwhile, so the buffer
                           fills: MR0 dropped so far */
};
#define SERIAL_LABEL(op, n)  ((seL4_Word)(op) | (seL4_Word)(n) << 4)
#define SERIAL_OP(label)     ((label) & 0xF)
#define SERIAL_LEN(label)    ((label) >> 4)

/* Badges on the server's endpoint: bit 0 is the interrupt (the notification bound to the
 * server's TCB is signalled with it); clients' badges are even and not 0. */
#define SERIAL_BADGE_IRQ     1
#define SERIAL_BADGE_CLIENT(i)  ((seL4_Word)(i) << 1)
/* ANCHOR_END: serial_protocol */

/* ANCHOR: serial_caps */
/* What the server is given, in its own CSpace (a CNode of 16 slots, read with depth 64). */
#define SERIAL_SLOT_EP      2             /* its endpoint (Read), the notification bound */
#define SERIAL_SLOT_CNODE   3             /* its own CNode (threads.h: SLOT_CNODE) */
#define SERIAL_SLOT_IRQ     4             /* IRQHandler for the mini UART, irq 61 */
#define SERIAL_SLOT_READER  5             /* where a waiting reader's reply cap is kept */
#define SERIAL_AUX_VA       0x21000000UL  /* the AUX page, mapped by init (as Device memory) */
/* ANCHOR_END: serial_caps */

void serial_server(seL4_Word arg);        /* the server thread's entry */

#endif
