/*
 * process.c: the programs the kernel starts itself, init at boot and the console's `run`,
 * each as seL4 starts its root task: every object it begins with (its CNode, TCB, VSpace, page
 * tables, image frames, IPC buffer, BootInfo) is made by Retype's own code from a block of RAM
 * the kernel keeps a cap to, and its caps are put at seL4's slots in the program's CNode.
 * Then BootInfo says where everything is, and the program is on its own. From step 10 init
 * also gets the framebuffer the kernel asked the firmware for: device untypeds covering it,
 * and its geometry in BootInfo's extra region.
 */
#include "process.h"

#include <stdint.h>

#include "irq.h"
#include "abi.h"
#include "cache.h"
#include "cnode.h"
#include "elf.h"
#include "endpoint.h"
#include "fb.h"
#include "kprintf.h"
#include "sched.h"
#include "sysregs.h"
#include "tcb.h"
#include "vspace.h"

/* ANCHOR: programs_table */
#define PROGRAM(n) { #n, user_##n, user_##n##_end }
extern const uint8_t user_init[], user_init_end[], user_hello[], user_hello_end[],
    user_faults[], user_faults_end[], user_fuzz[], user_fuzz_end[], user_bench[], user_bench_end[],
    user_captest[], user_captest_end[], user_kv[], user_kv_end[], user_ipctest[],
    user_ipctest_end[], user_ipcfuzz[], user_ipcfuzz_end[], user_ping[], user_ping_end[],
    user_ntfntest[], user_ntfntest_end[], user_irqtest[], user_irqtest_end[], user_signal[],
    user_signal_end[], user_screen[], user_screen_end[],
    user_launch[], user_launch_end[];

const struct program programs[] = {
    PROGRAM(init), PROGRAM(hello), PROGRAM(faults), PROGRAM(fuzz), PROGRAM(bench),
    PROGRAM(captest), PROGRAM(kv), PROGRAM(ipctest), PROGRAM(ipcfuzz), PROGRAM(ping),
    PROGRAM(ntfntest), PROGRAM(irqtest), PROGRAM(signal), PROGRAM(screen),
    PROGRAM(launch),
};
const unsigned program_count = sizeof programs / sizeof programs[0];

const struct program *program_find(const char *name)
{
    for (unsigned i = 0; i < program_count; i++) {
        const char *a = programs[i].name, *b = name;
        while (*a && *a == *b) {
            a++;
            b++;
        }
        if (*a == *b)
            return &programs[i];
    }
    return 0;
}
/* ANCHOR_END: programs_table */

static void process_kill_block(struct process *p);

/* ANCHOR: process_block */
static struct process procs[PROCESS_BLOCKS];
uint64_t ram_end = UL(0x3c000000);     /* main.c sets it from the firmware's answer */
static bool init_started;              /* the first program is init: RAM and devices are its */

uint32_t process_free_blocks(void)
{
    uint32_t n = 0;
    for (unsigned i = 0; i < PROCESS_BLOCKS; i++)
        n += !procs[i].in_use;
    return n;
}

/* Memory from the block, aligned to its size, above its watermark; 0 if the block is full. */
static uint64_t take(struct process *p, unsigned bits)
{
    uint64_t base = cap_pa(p->block.cap), size = UINT64_C(1) << bits;
    uint64_t at = (base + p->block.cap.w0 + size - 1) & ~(size - 1);
    if (at + size > base + (UINT64_C(1) << PROCESS_BLOCK_BITS))
        return 0;
    p->block.cap.w0 = at + size - base;
    return at;
}

/* An object made from the block as Retype would, its cap in slot dst, a child of the block's. */
static struct cap *make(struct process *p, enum object_type t, unsigned user_bits,
                        struct cte *dst)
{
    uint64_t pa = take(p, obj_size_bits(t, user_bits));
    if (!pa)
        return 0;
    cte_insert_new(&p->block, dst, obj_make(t, pa, user_bits, false));
    return &dst->cap;
}
/* ANCHOR_END: process_block */

/* ANCHOR: process_untypeds */
/* Give [start, end) as untyped caps from slot *next on, each the largest aligned power of two
 * that fits (what seL4 does with the free memory it hands its root task). Roots of the tree:
 * no cap of the kernel's is their parent. */
static void give_untypeds(struct process *p, struct bootinfo *bi, uint64_t start, uint64_t end,
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
            cte_insert_new(0, &p->cnode[(*next)++], untyped_cap(start, bits, device));
            bi->untyped.end++;
        }
        start += UINT64_C(1) << bits;
    }
}

/* The peripherals' pages the kernel keeps for itself: everything else in 0x3F000000 -
 * 0x3FFFFFFF is init's, as device untypeds. */
#define SYSTIMER_PAGE UL(0x3F003000)

static const uint64_t kernel_pages[] = {
    SYSTIMER_PAGE,                     /* system timer (shared with `run` programs, below) */
    UL(0x3F00B000),                    /* interrupt controller and mailbox */
    UL(0x3F100000),                    /* power management: the watchdog, for `reboot` */
    UL(0x3F200000),                    /* GPIO */
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

static const char *build(struct process *p, const struct program *prog, const char *arg,
                         uint8_t priority, bool boot, struct tcb **out)
{
    struct elf_image img;
    enum elf_error err = elf_check(prog->image, (uint64_t)(prog->end - prog->image), &img);
    if (err != ELF_OK)
        return elf_error_name(err);
    uint64_t lo = ~UINT64_C(0);
    for (unsigned i = 0; i < img.nsegments; i++)
        if ((img.segment[i].vaddr & ~(PAGE_SIZE - 1)) < lo)
            lo = img.segment[i].vaddr & ~(PAGE_SIZE - 1);
    /* init gets the framebuffer: its chunk goes on a page of extra BootInfo, right after
     * BootInfo's page (seL4's place for it), so the tables must reach one page further. */
    uint64_t fb_lo = 0, fb_hi = 0;
    bool extra = boot && framebuffer_pages(&fb_lo, &fb_hi);
    uint64_t ipc_va = img.end, bi_va = img.end + PAGE_SIZE, extra_va = bi_va + PAGE_SIZE;
    uint64_t top = extra_va + (extra ? PAGE_SIZE : 0);

    /* The CNode: 4096 slots, with a 52-bit guard of 0, so that a cptr is a slot number read
     * with depth 64 (seL4's root CNode). Its own cap is in its slot 2. */
    uint64_t cn = take(p, ROOT_CNODE_BITS + SLOT_BITS);
    if (!cn)
        return "too big for its block";
    p->cnode = OBJ_PTR(cn);
    obj_make(OBJ_CNODE, cn, ROOT_CNODE_BITS, false);
    cte_insert_new(&p->block, &p->cnode[SLOT_CNODE],
                   cnode_cap(cn, ROOT_CNODE_BITS, 64 - ROOT_CNODE_BITS, 0));
    struct cte *s = p->cnode;
    struct cap *vs = make(p, OBJ_VSPACE, 0, &s[SLOT_VSPACE]);
    struct cap *tc = make(p, OBJ_TCB, 0, &s[SLOT_TCB]);
    if (!vs || !tc)
        return "too big for its block";
    p->asid = (uint32_t)vspace_asid(*vs);

    /* The page tables for [lo, top), then one frame per page. */
    uint64_t next = SLOT_FIRST_FREE;
    struct cap pt;
    for (uint64_t va = lo; va < top; va += PAGE_SIZE) {
        for (;;) {
            uint64_t pa = take(p, 12);
            if (!pa)
                return "too big for its block";
            pt = obj_make(OBJ_PAGE_TABLE, pa, 0, false);
            if (vspace_map_table(*vs, &pt, va) != 0) {
                p->block.cap.w0 -= PAGE_SIZE;    /* not needed: give the page back */
                break;
            }
            cte_insert_new(&p->block, &s[next++], pt);
        }
    }
    struct bootinfo *bi = 0;
    uint64_t frames = next;
    for (uint64_t va = lo; va < extra_va; va += PAGE_SIZE) {
        struct cte *slot = va == ipc_va ? &s[SLOT_IPC_BUFFER] :
                           va == bi_va ? &s[SLOT_BOOTINFO_FRAME] : &s[next++];
        struct cap *f = make(p, OBJ_SMALL_PAGE, 0, slot);
        if (!f)
            return "too big for its block";
        unsigned rights = va == ipc_va ? MMU_USER_R | MMU_USER_W : page_rights(&img, va);
        if (va < ipc_va)
            fill_page(&img, prog->image, va, cap_obj(*f));
        if (rights & MMU_USER_X)
            cache_sync_code(cap_obj(*f), PAGE_SIZE);   /* written as data, run as code */
        if (va == bi_va)
            bi = cap_obj(*f);
        vspace_map_frame(*vs, f, va, rights);
        p->pages++;
    }
    bi->user_image_paging = (struct slot_region){ SLOT_FIRST_FREE, frames };
    bi->user_image_frames = (struct slot_region){ frames, next };

    /* ANCHOR: process_devices */
    /* Untyped memory: 1 MiB of the block for every program; for init, all the rest of the
     * RAM, the peripherals the kernel does not keep, and last the framebuffer's pages (so
     * every other untyped keeps the slot it had before step 10).
     *
     * Step 10: a `run` program also gets the system timer's page, as a device untyped of one
     * page, so that a test driver (irqtest, and the bench's irq-to-user) can make compare 1
     * raise irq 33. The kernel keeps that page out of init's untypeds because it uses the
     * timer itself (the console's `irq test` reads the counter and sets compare 3), so the
     * page is shared, as seL4 would never share a device; here it is harmless: the
     * counter is read-only, each compare has a register of its own, and the status register
     * clears only the match bits written as 1. Two programs could both set compare 1, but
     * only the one holding IRQHandler 33 hears it.
     *
     * And every program gets IRQControl (before step 10, only init had it): a `run` program
     * is a root task of its own, and IRQControl need not be unique, because the kernel hands
     * out each line once (IRQControl_Get answers RevokeFirst for a line that is taken, in
     * interrupt.c). Killing a program deletes its IRQHandler caps, which frees its lines. */
    bi->untyped = (struct slot_region){ next, next };
    p->untyped_first = next;
    uint64_t extra_pa = extra ? take(p, 12) : 0;   /* before the untyped fills the block */
    uint64_t ut = take(p, RUN_UNTYPED_BITS);
    if (!ut)
        return "too big for its block";
    bi->untyped_list[0] = (struct untyped_desc){ .paddr = ut, .size_bits = RUN_UNTYPED_BITS };
    bi->untyped.end++;
    cte_insert_new(&p->block, &s[next++], untyped_cap(ut, RUN_UNTYPED_BITS, false));
    if (boot) {
        give_untypeds(p, bi, INIT_RAM_PA, ram_end, false, &next);
        uint64_t from = PERIPH_PA;
        for (unsigned i = 0; i < sizeof kernel_pages / sizeof *kernel_pages; i++) {
            give_untypeds(p, bi, from, kernel_pages[i], true, &next);
            from = kernel_pages[i] + PAGE_SIZE;
        }
        give_untypeds(p, bi, from, LOCAL_PA, true, &next);
        if (extra)
            give_untypeds(p, bi, fb_lo, fb_hi, true, &next);
    } else {
        give_untypeds(p, bi, SYSTIMER_PAGE, SYSTIMER_PAGE + PAGE_SIZE, true, &next);
    }
    p->untyped_end = next;

    /* The extra BootInfo page, read-only like BootInfo's, its cap after the untypeds: seL4
     * puts it between the page tables and the image frames, but here the slots before the
     * untypeds stay as they were, and BootInfo's extra_bi_pages says where it is. */
    if (extra) {
        if (!extra_pa)
            return "too big for its block";
        cte_insert_new(&p->block, &s[next], obj_make(OBJ_SMALL_PAGE, extra_pa, 0, false));
        struct cap *f = &s[next].cap;
        bi->extra_len = put_framebuffer_chunk(cap_obj(*f));
        vspace_map_frame(*vs, f, extra_va, MMU_USER_R);
        p->pages++;
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
    char *a = (char *)bi + ARG_OFFSET;
    for (unsigned i = 0; i < PROCESS_ARG_MAX - 1 && arg[i]; i++)
        a[i] = arg[i];

    /* The thread: its CSpace, VSpace and IPC buffer in its TCB's slots (copies), and the
     * registers seL4 gives a root task: x0 = BootInfo, the rest 0 (here x1 = the argument). */
    struct tcb *t = tcb_of(*tc);
    struct cte *ts = tcb_slots(t);
    cte_insert(&s[SLOT_CNODE], &ts[TCB_CSPACE], s[SLOT_CNODE].cap);
    cte_insert(&s[SLOT_VSPACE], &ts[TCB_VSPACE], s[SLOT_VSPACE].cap);
    struct cap buf = s[SLOT_IPC_BUFFER].cap;
    buf.w0 = 0;                        /* a copy of a frame cap is unmapped */
    cte_insert(&s[SLOT_IPC_BUFFER], &ts[TCB_IPC_BUFFER], buf);
    t->ipc_buffer = ipc_va;
    unsigned i = 0;
    for (; prog->name[i] && i < TCB_NAME_MAX - 1; i++)
        t->name[i] = prog->name[i];
    t->name[i] = '\0';
    t->priority = t->mcp = priority;
    t->regs.elr = t->regs.fault_ip = img.entry;
    t->regs.x[0] = bi_va;
    t->regs.x[1] = bi_va + ARG_OFFSET;
    t->process = p;
    *out = t;
    return 0;
}

/* Start a program. Every failure undoes what was done (kill's revoke), so a refused `run`
 * leaves no block, ASID or thread id behind. */
const char *process_start(const struct program *prog, const char *arg, uint8_t priority,
                          struct tcb **out)
{
    uint64_t daif = irq_save();
    struct process *p = 0;
    const char *why = 0;
    for (unsigned i = 0; i < PROCESS_BLOCKS && !p; i++)
        if (!procs[i].in_use)
            p = &procs[i];
    if (!p)
        why = "no free block (kill a program first)";
    else if (!vspace_free_asids())
        why = "no free ASID";
    else if (!tcb_free_ids())
        why = "no free thread id";
    if (!why) {
        p->in_use = true;              /* field by field: a struct copy would call memset */
        p->cnode = 0;
        p->untyped_first = p->untyped_end = 0;
        p->pages = 0;
        uint64_t pa = PROCESS_BLOCK_PA + (uint64_t)(p - procs) * (UL(1) << PROCESS_BLOCK_BITS);
        cte_insert_new(0, &p->block, untyped_cap(pa, PROCESS_BLOCK_BITS, false));
        why = build(p, prog, arg, priority, !init_started, out);
        if (why) {
            process_kill_block(p);
        } else {
            init_started = true;
            sched_resume(*out);
        }
    }
    irq_restore(daif);
    return why;
}
/* ANCHOR_END: process_start */

/* ANCHOR: process_kill */
/* A program the kernel started: revoke the untypeds it was given (everything it made from
 * them goes), then the block (everything the kernel made for it goes: its CNode, emptied of
 * the caps left in it, its TCB, its VSpace and its ASID). Any other thread: stopped where it
 * is; a kernel thread's TCB goes back to the pool. */
static void process_kill_block(struct process *p)
{
    if (p->cnode)
        for (uint64_t i = p->untyped_first; i < p->untyped_end; i++)
            cte_revoke(&p->cnode[i]);
    cte_revoke(&p->block);
    cte_delete(&p->block);
    p->in_use = false;
}

void process_kill(struct tcb *t)
{
    uint64_t daif = irq_save();
    if (t->process)
        process_kill_block(t->process);
    else if (t->object)
        thread_suspend(t);
    else
        sched_kill(t);
    irq_restore(daif);
}
/* ANCHOR_END: process_kill */
