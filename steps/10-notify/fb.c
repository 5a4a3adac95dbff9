/*
 * fb.c: asking the VideoCore for a framebuffer, at boot, for init.
 *
 * The framebuffer is ordinary RAM that the VideoCore reads about 60 times a second and
 * turns into the picture on the HDMI output. We get it with one property-mailbox message.
 * From step 10 on the kernel draws nothing: the mailbox stays the kernel's (its page holds
 * the interrupt controller too, so it cannot be given away), and the buffer goes to init as
 * device untyped memory, with its geometry in BootInfo (process.c). Drawing is init's job
 * (user/fbterm.c).
 */
#include <stdint.h>

#include "fb.h"
#include "kprintf.h"
#include "mbox.h"
#include "mmu.h"

/* ANCHOR: fb_consts */
#define FB_DEPTH          32           /* bits per pixel: one 32-bit word per pixel */
#define FB_BYTES_PER_PIXEL 4
/* Alignment we ask for the buffer: a page, so that init's untypeds cover the buffer and
 * nothing else (process.c rounds out to pages anyway, should the firmware ignore it). */
#define FB_ALIGN          PAGE_SIZE
/* The VideoCore hands out bus addresses; the top two bits select a cache alias, and the ARM
 * sees the same RAM at the address without them (BCM2835 ARM Peripherals, 1.2.4). */
#define BUS_TO_ARM_MASK   0x3FFFFFFFu
/* ANCHOR_END: fb_consts */

struct fb fb;

/* ANCHOR: fb_init */
/*
 * Ask the firmware for a width x height framebuffer, 32 bits per pixel, in one message.
 * Returns 0 and fills `fb` on success. On failure prints what went wrong, leaves `fb` as it
 * was, and returns -1. The firmware may grant something else than asked (another size,
 * another depth): we treat that as a failure too, rather than hand init wrong facts.
 * The buffer in memory is exactly the screen (virtual size = physical size): without the
 * mailbox, init cannot pan, so a taller buffer would be memory nobody uses.
 */
int fb_init(uint32_t width, uint32_t height)
{
    static struct mbox_msg m;
    mbox_msg_init(&m);
    uint32_t *phys = mbox_add_tag(&m, MBOX_TAG_FB_SET_PHYS_WH, 2);
    uint32_t *virt = mbox_add_tag(&m, MBOX_TAG_FB_SET_VIRT_WH, 2);
    uint32_t *depth = mbox_add_tag(&m, MBOX_TAG_FB_SET_DEPTH, 1);
    uint32_t *order = mbox_add_tag(&m, MBOX_TAG_FB_SET_PIXEL_ORDER, 1);
    uint32_t *alloc = mbox_add_tag(&m, MBOX_TAG_FB_ALLOCATE, 2);
    uint32_t *pitch = mbox_add_tag(&m, MBOX_TAG_FB_GET_PITCH, 1);
    if (!pitch) {
        mbox_print_error("fb", &m, MBOX_ERR_FULL);
        return -1;
    }
    phys[0] = virt[0] = width;
    phys[1] = virt[1] = height;
    depth[0] = FB_DEPTH;
    order[0] = FB_ORDER_BGR;
    alloc[0] = FB_ALIGN;

    enum mbox_result r = mbox_call(&m);
    if (r != MBOX_OK) {
        mbox_print_error("fb", &m, r);
        return -1;
    }

    if (phys[0] != width || phys[1] != height || virt[0] != width || virt[1] != height ||
        depth[0] != FB_DEPTH) {
        kprintf("fb: asked for %ux%u at %u bpp, the firmware offered %ux%u at %u bpp\n",
                width, height, FB_DEPTH, phys[0], phys[1], depth[0]);
        return -1;
    }
    if (alloc[0] == 0 || pitch[0] < width * FB_BYTES_PER_PIXEL || alloc[1] < pitch[0] * height) {
        kprintf("fb: no usable buffer (address 0x%08x, size %u, pitch %u)\n",
                alloc[0], alloc[1], pitch[0]);
        return -1;
    }

    /* The VideoCore reads the pixels from RAM, not from the ARM's caches. Init maps the
     * buffer uncached; the kernel's own view of it, in its linear map of RAM, becomes Normal
     * non-cacheable too, so that no cacheable alias of the buffer exists (the Arm ARM's
     * "mismatched memory attributes": a cached alias could keep lines the VideoCore never
     * sees, or read stale ones). */
    uint64_t pa = alloc[0] & BUS_TO_ARM_MASK;
    if (mmu_map_framebuffer(pa, alloc[1]) != 0) {
        kprintf("fb: the buffer at 0x%08lx is not in RAM we can map\n", (unsigned long)pa);
        return -1;
    }
    fb.pa = pa;
    fb.width = width;
    fb.height = height;
    fb.pitch = pitch[0];
    fb.size = alloc[1];
    fb.depth = depth[0];
    fb.order = order[0];
    return 0;
}
/* ANCHOR_END: fb_init */
