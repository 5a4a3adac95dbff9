/*
 * mbox.h: the VideoCore property mailbox.
 *
 * The ARM asks the VideoCore firmware for things (a framebuffer, the board revision, clock
 * rates) by writing a message of *tags* into memory and posting its address to a mailbox.
 * The firmware answers in the same buffer. Tag numbers are from the Raspberry Pi firmware
 * wiki, "Mailbox property interface".
 */
#ifndef MBOX_H
#define MBOX_H

#include <stdbool.h>
#include <stdint.h>

/* ANCHOR: mbox_tags */
/* Tags: 0x0000xxxx firmware, 0x0001xxxx hardware, 0x0003xxxx clocks, 0x0004xxxx framebuffer
 * (0x00040xxx get, 0x00044xxx test, 0x00048xxx set). */
#define MBOX_TAG_FIRMWARE_REV     0x00000001u  /* -> u32 firmware revision */
#define MBOX_TAG_BOARD_REV        0x00010002u  /* -> u32 board revision code */
#define MBOX_TAG_BOARD_SERIAL     0x00010004u  /* -> u64 serial number */
#define MBOX_TAG_ARM_MEMORY       0x00010005u  /* -> base, size of the ARM's share of RAM */
#define MBOX_TAG_VC_MEMORY        0x00010006u  /* -> base, size of the VideoCore's share */
#define MBOX_TAG_GET_CLOCK_RATE   0x00030002u  /* clock id -> clock id, rate in Hz */
#define MBOX_TAG_FB_ALLOCATE      0x00040001u  /* alignment -> bus address, size in bytes */
#define MBOX_TAG_FB_GET_PITCH     0x00040008u  /* -> bytes per line */
#define MBOX_TAG_FB_SET_PHYS_WH   0x00048003u  /* width, height of the picture on the screen */
#define MBOX_TAG_FB_SET_VIRT_WH   0x00048004u  /* width, height of the buffer in memory */
#define MBOX_TAG_FB_SET_DEPTH     0x00048005u  /* bits per pixel */
#define MBOX_TAG_FB_SET_PIXEL_ORDER 0x00048006u /* 0 = BGR, 1 = RGB */

/* Clock ids for MBOX_TAG_GET_CLOCK_RATE. */
#define MBOX_CLOCK_EMMC  1
#define MBOX_CLOCK_UART  2                     /* the PL011's reference clock */
#define MBOX_CLOCK_ARM   3
#define MBOX_CLOCK_CORE  4                     /* the VPU clock; the mini UART's baud divides it */
/* ANCHOR_END: mbox_tags */

/* ANCHOR: mbox_msg */
#define MBOX_MSG_WORDS 64                      /* 256 bytes: room for every message we send */

/*
 * One property message. `words` is what the VideoCore reads and writes: it must be 16-byte
 * aligned, because the low 4 bits of the address we post carry the channel number. It is
 * 64-byte aligned and a multiple of 64 bytes long: mbox_call invalidates its cache lines,
 * and a line shared with other data would lose that data's latest writes.
 */
struct mbox_msg {
    uint32_t words[MBOX_MSG_WORDS];
    uint32_t used;                             /* words filled so far (not sent) */
    uint32_t fail_tag;                         /* after mbox_call: the tag that failed, or 0 */
    uint32_t fail_code;                        /* ... and the code the firmware left in it */
} __attribute__((aligned(64)));
_Static_assert(sizeof ((struct mbox_msg *)0)->words % 64 == 0, "words is whole cache lines");

/* What went wrong, if anything. */
enum mbox_result {
    MBOX_OK = 0,
    MBOX_ERR_FULL,          /* the message has no room for another tag (a bug of ours) */
    MBOX_ERR_TIMEOUT,       /* the firmware did not answer within MBOX_TIMEOUT_MS */
    MBOX_ERR_PARSE,         /* buffer code 0x80000001: the firmware could not parse it */
    MBOX_ERR_NO_RESPONSE,   /* buffer code is neither success nor error */
    MBOX_ERR_TAG_UNANSWERED,/* a tag came back without its response bit */
    MBOX_ERR_TAG_TRUNCATED, /* a tag's answer is longer than the room we gave it */
};
/* The word before a tag's value: bit 31 set once the firmware answered, the rest is the
 * length of its answer in bytes. */
#define MBOX_TAG_RESPONSE_BIT (1u << 31)

void mbox_msg_init(struct mbox_msg *m);
uint32_t *mbox_add_tag(struct mbox_msg *m, uint32_t tag, uint32_t value_words);
enum mbox_result mbox_call(struct mbox_msg *m);
void mbox_print_error(const char *what, const struct mbox_msg *m, enum mbox_result r);
/* ANCHOR_END: mbox_msg */

#endif
