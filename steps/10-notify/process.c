/*
 * process.c: init, the one program the kernel starts, made as seL4 makes its root task: every
 * object it begins with (its CNode, TCB, VSpace, page tables, image frames, IPC buffer,
 * BootInfo) is made by Retype's own code from a block of RAM the kernel keeps a cap to, and
 * its caps are put at seL4's slots in its CNode. Then BootInfo says where everything is, and
 * init is on its own: the rest of the RAM, the peripherals the kernel does not keep and the
 * framebuffer are its untyped memory, and it starts every other program itself (its loader,
 * user/loader.c, does for them what this file does for init).
 */
#include "process.h"

#include <stdint.h>

#include "abi.h"
#include "cache.h"
#include "cnode.h"
#include "elf.h"
#include "fb.h"
#include "kprintf.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "vspace.h"

/* ANCHOR: process_block */
extern const uint8_t user_init[], user_init_end[];   /* init's ELF file (programs.S) */
static struct cte block;               /* the kernel's untyped cap for init's block */
uint64_t ram_end = UL(0x3c000000);     /* main.c sets it from the firmware's answer */

/* Memory from the block, aligned to its size, above its watermark; 0 if the block is full. */
static uint64_t take(unsigned bits)
{
    uint64_t base = cap_pa(block.cap), size = UINT64_C(1) << bits;
    uint64_t at = (base + block.cap.w0 + size - 1) & ~(size - 1);
    if (at + size > base + (UINT64_C(1) << INIT_BLOCK_BITS))
        return 0;
    block.cap.w0 = at + size - base;
    return at;
}

/* An object made from the block as Retype would, its cap in slot dst, a child of the block's. */
static struct cap *make(enum object_type t, unsigned user_bits, struct cte *dst)
{
    uint64_t pa = take(obj_size_bits(t, user_bits));
    if (!pa)
        return 0;
    cte_insert_new(&block, dst, obj_make(t, pa, user_bits, false));
    return &dst->cap;
}
/* ANCHOR_END: process_block */

/* ANCHOR: process_untypeds */
/* Give [start, end) as untyped caps from slot *next on, each the largest aligned power of two
 * that fits (what seL4 does with the free memory it hands its root task). Roots of the tree:
 * no cap of the kernel's is their parent. */
static void give_untypeds(struct cte *s, struct bootinfo *bi, uint64_t start, uint64_t end,
                          bool device, uint64_t *next)
{
    while (start < end && bi->untyped.end - bi->untyped.start < BOOTINFO_MAX_UNTYPED) {
        unsigned bits = start ? (unsigned)__builtin_ctzll(start) : 32;
        if (bits > 32)
            bits = 32;
        while (start + (UINT64_C(1) << bits) > end)
            bits--;
        if (bits >= 4) {
            struct untyped_desc *d = &bi->untyped_list[bi->untyped.end - bi->untyped.start];
            *d = (struct untyped_desc){ .paddr = start, .size_bits = (uint8_t)bits,
                                        .is_device = device };
            cte_insert_new(0, &s[(*next)++], untyped_cap(start, bits, device));
            bi->untyped.end++;
        }
        start += UINT64_C(1) << bits;
    }
}

/* The peripherals' pages the kernel keeps for itself: everything else in 0x3F000000 -
 * 0x3FFFFFFF is init's, as device untypeds. The kernel uses the GPIO pins only at boot, to
 * connect the UART (uart_init), before init exists; and it shares the UART with init's
 * serial driver, which owns its receive side (the kernel only sends, polled). */
static const uint64_t kernel_pages[] = {
    UL(0x3F00B000),                    /* the interrupt controller and the mailbox */
};
/* ANCHOR_END: process_untypeds */

/* ANCHOR: process_framebuffer */
/* The framebuffer's pages, [*lo, *hi), for init, or false if there is none or it is not where
 * a framebuffer belongs: in the VideoCore's part of RAM, above the RAM that init's untypeds
 * cover and below the peripherals. Anywhere else, init would get a second untyped for memory
 * it has already, or for the kernel's. */
static bool framebuffer_pages(uint64_t *lo, uint64_t *hi)
{
    if (!fb.width)
        return false;
    *lo = fb.pa & ~(PAGE_SIZE - 1);
    *hi = (fb.pa + fb.size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);
    if (*lo < ram_end || *hi > PERIPH_PA) {
        kprintf("init: no framebuffer: 0x%08lx-0x%08lx is not between the ARM's RAM "
                "(up to 0x%08lx) and the peripherals\n", (unsigned long)*lo,
                (unsigned long)*hi, (unsigned long)ram_end);
        return false;
    }
    return true;
}

/* The extra BootInfo chunk that says where the framebuffer is and how it is laid out, at the
 * start of `page` (zeroed); returns its length, BootInfo's extra_len. Field by field: a
 * struct copy would make GCC call memcpy, which this kernel does not have. */
static uint64_t put_framebuffer_chunk(void *page)
{
    struct bootinfo_header *h = page;
    struct bootinfo_framebuffer *f = (struct bootinfo_framebuffer *)(h + 1);
    h->id = BOOTINFO_HEADER_FRAMEBUFFER;
    h->len = sizeof *h + sizeof *f;
    f->paddr = fb.pa;
    f->size = fb.size;
    f->width = fb.width;
    f->height = fb.height;
    f->pitch = fb.pitch;
    f->depth = fb.depth;
    f->pixel_order = fb.order;
    return h->len;
}
/* ANCHOR_END: process_framebuffer */

/* ANCHOR: process_image */
/* Every page of the image region, lowest to highest, gets a frame (gaps between segments
 * too: BootInfo promises cap i maps base + 4096 i) with the bytes of whichever segment
 * covers it and that segment's rights; a gap page is read-only. */
static unsigned page_rights(const struct elf_image *img, uint64_t page)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segment[i];
        if (page + PAGE_SIZE > s->vaddr && page < s->vaddr + s->memsz)
            return MMU_USER_R | (s->flags & ELF_PF_W ? MMU_USER_W : 0) |
                   (s->flags & ELF_PF_X ? MMU_USER_X : 0);
    }
    return MMU_USER_R;
}

static void fill_page(const struct elf_image *img, const uint8_t *file, uint64_t page,
                      uint8_t *dst)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segment[i];
        uint64_t from = s->vaddr > page ? s->vaddr : page;
        uint64_t to = s->vaddr + s->filesz < page + PAGE_SIZE ? s->vaddr + s->filesz
                                                              : page + PAGE_SIZE;
        for (uint64_t va = from; va < to; va++)
            dst[va - page] = file[s->offset + (va - s->vaddr)];
    }
}
/* ANCHOR_END: process_image */

/* ANCHOR: process_start */
#define ARG_OFFSET  (PAGE_SIZE - PROCESS_ARG_MAX)   /* the argument: the BootInfo page's tail */

static const char *build(struct tcb **out)
{
    struct elf_image img;
    enum elf_error err = elf_check(user_init, (uint64_t)(user_init_end - user_init), &img);
    if (err != ELF_OK)
        return elf_error_name(err);
    uint64_t lo = ~UINT64_C(0);
    for (unsigned i = 0; i < img.nsegments; i++)
        if ((img.segment[i].vaddr & ~(PAGE_SIZE - 1)) < lo)
            lo = img.segment[i].vaddr & ~(PAGE_SIZE - 1);
    /* init gets the framebuffer: its chunk goes on a page of extra BootInfo, right after
     * BootInfo's page (seL4's place for it), so the tables must reach one page further. */
    uint64_t fb_lo = 0, fb_hi = 0;
    bool extra = framebuffer_pages(&fb_lo, &fb_hi);
    uint64_t ipc_va = img.end, bi_va = img.end + PAGE_SIZE, extra_va = bi_va + PAGE_SIZE;
    uint64_t top = extra_va + (extra ? PAGE_SIZE : 0);

    /* The CNode: 4096 slots, with a 52-bit guard of 0, so that a cptr is a slot number read
     * with depth 64 (seL4's root CNode). Its own cap is in its slot 2. */
    uint64_t cn = take(ROOT_CNODE_BITS + SLOT_BITS);
    if (!cn)
        return "too big for its block";
    struct cte *s = OBJ_PTR(cn);
    obj_make(OBJ_CNODE, cn, ROOT_CNODE_BITS, false);
    cte_insert_new(&block, &s[SLOT_CNODE],
                   cnode_cap(cn, ROOT_CNODE_BITS, 64 - ROOT_CNODE_BITS, 0));
    struct cap *vs = make(OBJ_VSPACE, 0, &s[SLOT_VSPACE]);
    struct cap *tc = make(OBJ_TCB, 0, &s[SLOT_TCB]);
    if (!vs || !tc)
        return "too big for its block";

    /* The page tables for [lo, top), then one frame per page. */
    uint64_t next = SLOT_FIRST_FREE;
    struct cap pt;
    for (uint64_t va = lo; va < top; va += PAGE_SIZE) {
        for (;;) {
            uint64_t pa = take(12);
            if (!pa)
                return "too big for its block";
            pt = obj_make(OBJ_PAGE_TABLE, pa, 0, false);
            if (vspace_map_table(*vs, &pt, va) != 0) {
                block.cap.w0 -= PAGE_SIZE;       /* not needed: give the page back */
                break;
            }
            cte_insert_new(&block, &s[next++], pt);
        }
    }
    struct bootinfo *bi = 0;
    uint64_t frames = next;
    for (uint64_t va = lo; va < extra_va; va += PAGE_SIZE) {
        struct cte *slot = va == ipc_va ? &s[SLOT_IPC_BUFFER] :
                           va == bi_va ? &s[SLOT_BOOTINFO_FRAME] : &s[next++];
        struct cap *f = make(OBJ_SMALL_PAGE, 0, slot);
        if (!f)
            return "too big for its block";
        unsigned rights = va == ipc_va ? MMU_USER_R | MMU_USER_W : page_rights(&img, va);
        if (va < ipc_va)
            fill_page(&img, user_init, va, cap_obj(*f));
        if (rights & MMU_USER_X)
            cache_sync_code(cap_obj(*f), PAGE_SIZE);   /* written as data, run as code */
        if (va == bi_va)
            bi = cap_obj(*f);
        vspace_map_frame(*vs, f, va, rights);
    }
    bi->user_image_paging = (struct slot_region){ SLOT_FIRST_FREE, frames };
    bi->user_image_frames = (struct slot_region){ frames, next };

    /* ANCHOR: process_devices */
    /* Untyped memory: 1 MiB of the block, all the rest of the RAM, the peripherals the kernel
     * does not keep, and last the framebuffer's pages (so every other untyped keeps the slot
     * it had before step 10). */
    bi->untyped = (struct slot_region){ next, next };
    uint64_t extra_pa = extra ? take(12) : 0;   /* before the untyped fills the block */
    uint64_t ut = take(INIT_UNTYPED_BITS);
    if (!ut)
        return "too big for its block";
    bi->untyped_list[0] = (struct untyped_desc){ .paddr = ut, .size_bits = INIT_UNTYPED_BITS };
    bi->untyped.end++;
    cte_insert_new(&block, &s[next++], untyped_cap(ut, INIT_UNTYPED_BITS, false));
    give_untypeds(s, bi, INIT_RAM_PA, ram_end, false, &next);
    uint64_t from = PERIPH_PA;
    for (unsigned i = 0; i < sizeof kernel_pages / sizeof *kernel_pages; i++) {
        give_untypeds(s, bi, from, kernel_pages[i], true, &next);
        from = kernel_pages[i] + PAGE_SIZE;
    }
    give_untypeds(s, bi, from, LOCAL_PA, true, &next);
    if (extra)
        give_untypeds(s, bi, fb_lo, fb_hi, true, &next);

    /* The extra BootInfo page, read-only like BootInfo's, its cap after the untypeds: seL4
     * puts it between the page tables and the image frames, but here the slots before the
     * untypeds stay as they were, and BootInfo's extra_bi_pages says where it is. */
    if (extra) {
        if (!extra_pa)
            return "too big for its block";
        cte_insert_new(&block, &s[next], obj_make(OBJ_SMALL_PAGE, extra_pa, 0, false));
        struct cap *f = &s[next].cap;
        bi->extra_len = put_framebuffer_chunk(cap_obj(*f));
        vspace_map_frame(*vs, f, extra_va, MMU_USER_R);
        bi->extra_bi_pages = (struct slot_region){ next, next + 1 };
        next++;
    }
    cte_insert_new(0, &s[SLOT_IRQ_CONTROL], cap_make(CAP_IRQ_CONTROL, 0, 0, 0));
    /* ANCHOR_END: process_devices */
    cte_insert_new(0, &s[SLOT_ASID_POOL], cap_make(CAP_ASID_POOL, 0, 0, 0));

    bi->num_nodes = 1;
    bi->ipc_buffer = ipc_va;
    bi->empty = (struct slot_region){ next, UINT64_C(1) << ROOT_CNODE_BITS };
    bi->init_thread_cnode_size_bits = ROOT_CNODE_BITS;

    /* The thread: its CSpace, VSpace and IPC buffer in its TCB's slots (copies), and the
     * registers seL4 gives a root task: x0 = BootInfo, the rest 0 (here x1 = the argument, a
     * string at the end of the BootInfo page, where the loader puts the ones it is given:
     * init's is empty, the page being zeroed). */
    struct tcb *t = tcb_of(*tc);
    struct cte *ts = tcb_slots(t);
    cte_insert(&s[SLOT_CNODE], &ts[TCB_CSPACE], s[SLOT_CNODE].cap);
    cte_insert(&s[SLOT_VSPACE], &ts[TCB_VSPACE], s[SLOT_VSPACE].cap);
    struct cap buf = s[SLOT_IPC_BUFFER].cap;
    buf.w0 = 0;                        /* a copy of a frame cap is unmapped */
    cte_insert(&s[SLOT_IPC_BUFFER], &ts[TCB_IPC_BUFFER], buf);
    t->ipc_buffer = ipc_va;
    tcb_set_name(t, "init");
    t->priority = t->mcp = PRIO_INIT;
    t->regs.elr = t->regs.fault_ip = img.entry;
    t->regs.x[0] = bi_va;
    t->regs.x[1] = bi_va + ARG_OFFSET;
    *out = t;
    return 0;
}

/* Make init from its block, and let it run: 0, or why not (then nothing runs but the idle
 * thread). */
const char *process_start_init(void)
{
    cte_insert_new(0, &block, untyped_cap(INIT_BLOCK_PA, INIT_BLOCK_BITS, false));
    struct tcb *t;
    const char *why = build(&t);
    if (!why)
        sched_resume(t);
    return why;
}
/* ANCHOR_END: process_start */
