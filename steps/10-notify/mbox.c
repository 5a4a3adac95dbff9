/*
 * mbox.c: talking to the VideoCore firmware through the property mailbox (channel 8).
 *
 * Registers: BCM2835 ARM Peripherals has no chapter on the mailboxes; the layout below is the
 * one the Raspberry Pi firmware wiki ("Mailboxes") and Linux's bcm2835-mailbox.c use.
 * Mailbox 0 carries messages from the VideoCore to the ARM, mailbox 1 from the ARM to the
 * VideoCore.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "kprintf.h"
#include "mbox.h"
#include "mmio.h"
#include "mmu.h"
#include "timer.h"

/* ANCHOR: mbox_regs */
#define MBOX_BASE        (PERIPHERAL_BASE + 0xB880)
#define MBOX0_READ       (MBOX_BASE + 0x00)  /* VC -> ARM: pop one message */
#define MBOX0_STATUS     (MBOX_BASE + 0x18)  /* status of mailbox 0 */
#define MBOX1_WRITE      (MBOX_BASE + 0x20)  /* ARM -> VC: push one message */
#define MBOX1_STATUS     (MBOX_BASE + 0x38)  /* status of mailbox 1 */
#define MBOX_STATUS_FULL  (1u << 31)         /* no room to write */
#define MBOX_STATUS_EMPTY (1u << 30)         /* nothing to read */

#define MBOX_CHANNEL_PROPERTY 8              /* property tags, ARM -> VC */

#define MBOX_REQUEST          0x00000000u    /* buffer code we send */
#define MBOX_RESPONSE_OK      0x80000000u    /* buffer code of a successful answer */
#define MBOX_RESPONSE_ERROR   0x80000001u    /* buffer code: error parsing the request */
#define MBOX_TAG_END          0x00000000u

/* The VideoCore sees ARM RAM through bus addresses: 0xC0000000 + the physical address is
 * the alias that bypasses the VideoCore's L2 cache, the one Linux uses on a Pi 3. */
#define BUS_ALIAS_UNCACHED    0xC0000000u

#define MBOX_TIMEOUT_MS       1000           /* the firmware usually answers in microseconds;
                                                Linux waits a second (HZ, in
                                                drivers/firmware/raspberrypi.c) */
/* ANCHOR_END: mbox_regs */

/* ANCHOR: mbox_build */
/* Start an empty message: a header of two words (total size, buffer code). */
void mbox_msg_init(struct mbox_msg *m)
{
    for (int i = 0; i < MBOX_MSG_WORDS; i++)
        m->words[i] = 0;
    m->used = 2;
    m->fail_tag = 0;
    m->fail_code = 0;
}

/*
 * Append `tag` with a value buffer of `value_words` words, zeroed. Returns a pointer to the
 * value buffer, for the request's arguments before mbox_call and the answer after it, or
 * NULL if the message is full (mbox_call then reports MBOX_ERR_FULL). The buffer must be big
 * enough for the larger of request and answer: the firmware writes the answer in place.
 */
uint32_t *mbox_add_tag(struct mbox_msg *m, uint32_t tag, uint32_t value_words)
{
    /* 3 header words + the value + the end tag that mbox_call appends */
    if (m->used == 0 || m->used + 3 + value_words + 1 > MBOX_MSG_WORDS) {
        m->used = 0;                         /* poisoned: mbox_call refuses to send it */
        return 0;
    }
    uint32_t *t = &m->words[m->used];
    t[0] = tag;
    t[1] = value_words * 4;                  /* size of the value buffer in bytes */
    t[2] = MBOX_REQUEST;                     /* request; the firmware sets bit 31 */
    m->used += 3 + value_words;
    return &t[3];
}
/* ANCHOR_END: mbox_build */

/* ANCHOR: mbox_io */
/* Spin until (status & mask) == 0; false if the deadline (a timer count) passes first. */
static bool mbox_wait_clear(uintptr_t status, uint32_t mask, uint64_t deadline)
{
    while (mmio_read32(status) & mask)
        if (timer_count() > deadline)
            return false;
    return true;
}

/*
 * Post the message at bus address `bus` on `channel`, and wait for the answer: the same
 * word, address and channel, back in mailbox 0. Returns MBOX_OK, or MBOX_ERR_TIMEOUT if
 * that takes longer than MBOX_TIMEOUT_MS.
 *
 * A reply can come after we gave up waiting for it. If it were still in mailbox 0 at the
 * next post from the same buffer, it would carry the same word, and we would read the
 * buffer before the firmware has answered. So mailbox 0 is emptied first: whatever is there
 * before we post cannot be the answer to this message. Words for another buffer or channel
 * that arrive while we wait are not ours either. Both are dropped.
 */
static enum mbox_result mbox_exchange(uint32_t bus, uint32_t channel)
{
    uint64_t deadline = timer_count() + timer_frequency() / 1000 * MBOX_TIMEOUT_MS;
    uint32_t sent = bus | channel;
    enum mbox_result r = MBOX_ERR_TIMEOUT;

    /* The barrier also makes the message's stores reach memory before the VideoCore can
     * see its address; the one at the end, that the answer is read only after it came. */
    mmio_barrier();
    while (!(mmio_read32(MBOX0_STATUS) & MBOX_STATUS_EMPTY))
        mmio_read32(MBOX0_READ);            /* a late reply: not this message's answer */
    if (mbox_wait_clear(MBOX1_STATUS, MBOX_STATUS_FULL, deadline)) {
        mmio_write32(MBOX1_WRITE, sent);
        while (r != MBOX_OK && mbox_wait_clear(MBOX0_STATUS, MBOX_STATUS_EMPTY, deadline))
            if (mmio_read32(MBOX0_READ) == sent)
                r = MBOX_OK;                /* else a word for another buffer or channel */
    }
    mmio_barrier();
    return r;
}
/* ANCHOR_END: mbox_io */

/* ANCHOR: mbox_call */
/*
 * Check every tag of an answered message: each must have its response bit set, and an
 * answer no longer than the buffer we gave it. The first bad tag is recorded in m.
 */
static enum mbox_result mbox_check_tags(struct mbox_msg *m)
{
    uint32_t i = 2;

    while (i < m->used && m->words[i] != MBOX_TAG_END) {
        uint32_t tag = m->words[i], size = m->words[i + 1], code = m->words[i + 2];
        m->fail_tag = tag;
        m->fail_code = code;
        if (!(code & MBOX_TAG_RESPONSE_BIT))
            return MBOX_ERR_TAG_UNANSWERED;
        if ((code & ~MBOX_TAG_RESPONSE_BIT) > size)
            return MBOX_ERR_TAG_TRUNCATED;
        i += 3 + size / 4;
    }
    m->fail_tag = m->fail_code = 0;
    return MBOX_OK;
}

/*
 * Send the message built with mbox_add_tag to the firmware and wait for the answer, which
 * replaces the request in m->words. Returns MBOX_OK only if the whole buffer and every tag
 * were answered; otherwise the error, with the failing tag and its code in m->fail_tag and
 * m->fail_code. Blocks for at most MBOX_TIMEOUT_MS.
 *
 * The message must stay where it is until the answer is read: the VideoCore writes into it.
 * The VideoCore reads and writes RAM, never the ARM's data cache: the message is cleaned to
 * RAM before its address is posted, and its cached lines are invalidated after the answer
 * came and before we read it (a line may have been fetched again meanwhile, speculatively).
 * The address posted is the physical one, not our virtual address.
 */
enum mbox_result mbox_call(struct mbox_msg *m)
{
    if (m->used == 0)
        return MBOX_ERR_FULL;
    m->words[m->used] = MBOX_TAG_END;
    m->words[0] = (m->used + 1) * 4;                 /* total size in bytes */
    m->words[1] = MBOX_REQUEST;

    uint32_t bus = (uint32_t)kva_to_pa(m->words) | BUS_ALIAS_UNCACHED;
    cache_clean_range(m->words, sizeof m->words);
    enum mbox_result r = mbox_exchange(bus, MBOX_CHANNEL_PROPERTY);
    cache_invalidate_range(m->words, sizeof m->words);
    if (r != MBOX_OK)
        return r;

    m->fail_code = m->words[1];
    if (m->words[1] == MBOX_RESPONSE_ERROR)
        return MBOX_ERR_PARSE;
    if (m->words[1] != MBOX_RESPONSE_OK)
        return MBOX_ERR_NO_RESPONSE;
    m->fail_code = 0;
    return mbox_check_tags(m);
}
/* ANCHOR_END: mbox_call */

/* ANCHOR: mbox_errors */
static const char *mbox_strerror(enum mbox_result r)
{
    switch (r) {
    case MBOX_OK:                 return "ok";
    case MBOX_ERR_FULL:           return "message too long for the buffer";
    case MBOX_ERR_TIMEOUT:        return "no answer from the VideoCore";
    case MBOX_ERR_PARSE:          return "firmware could not parse the request";
    case MBOX_ERR_NO_RESPONSE:    return "buffer came back without a response code";
    case MBOX_ERR_TAG_UNANSWERED: return "tag not answered";
    case MBOX_ERR_TAG_TRUNCATED:  return "answer longer than the tag's buffer";
    }
    return "unknown error";
}

/* Print one line saying what failed: `what`, the error, and the tag and code if known. */
void mbox_print_error(const char *what, const struct mbox_msg *m, enum mbox_result r)
{
    kprintf("mbox: %s: %s", what, mbox_strerror(r));
    if (m->fail_tag)
        kprintf(" (tag 0x%08x, code 0x%08x)", m->fail_tag, m->fail_code);
    else if (m->fail_code)
        kprintf(" (buffer code 0x%08x)", m->fail_code);
    kprintf("\n");
}
/* ANCHOR_END: mbox_errors */
