/*
 * loader.c: a root task's program loader. It does, in user space and through seL4's
 * invocations only, what the kernel's process.c does for the programs the kernel starts, and
 * what seL4 does for its root task: every object a program starts with is retyped from
 * untyped memory (here one untyped per program, carved from a block of the loader's), its
 * caps go to seL4's initial slots of the program's CNode, its ELF segments are copied into
 * frames with the rights they ask for (W^X), and BootInfo says where everything is. The
 * program's TCB names a fault endpoint, so that its end (crt0's brk) and any fault come to
 * the loader as messages. loader.h says what a program finds.
 */
#include "loader.h"

#include "elf.h"

/* ANCHOR: loader_state */
#define PAGE         4096UL
#define ROOT         seL4_CapInitThreadCNode    /* the loader's own CNode, where its cptrs are */
#define DEPTH        seL4_WordBits              /* a cptr in it: all 64 bits */
#define MAX_PAGES    128                        /* pages of one program: image, IPC buffer, */
                                                /* BootInfo */
/* The guard that makes a 2^12-slot CNode resolve a 64-bit cptr: 52 bits of zeros. */
#define CHILD_GUARD  seL4_CNode_CapData_new(0, seL4_WordBits - PROC_CNODE_BITS).words[0]

seL4_Error loader_error;
static seL4_CPtr fault_ep;                      /* the loader's endpoint: all rights, no badge */
static struct block {
    seL4_CPtr untyped;                          /* 2^bits bytes for one child at a time */
    unsigned bits;
    seL4_Word paddr;                            /* where (BootInfo tells the child) */
    bool used;
} blocks[LOADER_BLOCKS];
static unsigned nblocks;
static struct proc procs[LOADER_PROCS];

/* The loader's slots: bootinfo's empty region, one bit each. */
static seL4_Word slot_first, slot_end;
static uint64_t slot_used[(1UL << CONFIG_ROOT_CNODE_SIZE_BITS) / 64];
/* ANCHOR_END: loader_state */

/* ANCHOR: loader_slots */
seL4_CPtr loader_slot_alloc(void)
{
    for (seL4_Word s = slot_first; s < slot_end; s++) {
        if (!(slot_used[s / 64] >> (s % 64) & 1)) {
            slot_used[s / 64] |= 1UL << (s % 64);
            return s;
        }
    }
    return 0;
}

void loader_slot_free(seL4_CPtr s)
{
    if (s >= slot_first && s < slot_end)
        slot_used[s / 64] &= ~(1UL << (s % 64));
}

/* One object of `type` from untyped `ut`, its cap in `slot` of the loader's CNode. */
static seL4_Error make(seL4_CPtr ut, seL4_Word type, seL4_Word size_bits, seL4_CPtr slot)
{
    return seL4_Untyped_Retype(ut, type, size_bits, ROOT, 0, 0, slot, 1);
}
/* ANCHOR_END: loader_slots */

/* ANCHOR: loader_init */
bool loader_fault_handler = true;

const char *loader_init(seL4_CPtr untyped, seL4_CPtr first_slot)
{
    slot_first = first_slot;
    slot_end = bootinfo->empty.end;
    if (slot_end > sizeof slot_used * 8)
        slot_end = sizeof slot_used * 8;
    fault_ep = loader_slot_alloc();
    if (!fault_ep || (loader_error = make(untyped, seL4_EndpointObject, 0, fault_ep)))
        return "making the fault endpoint";
    /* The page tables under the scratch page, made now, once: building a child then takes
     * no memory of the loader's own, and leaves nothing behind. PageTable_Map puts a table
     * at the first level the walk finds empty, so map tables until it finds none empty
     * (DeleteFirst); the last table, not needed, is deleted (its 4 KiB stay below the
     * untyped's watermark: seL4 gives memory back only when all of an untyped is free). */
    for (;;) {
        seL4_CPtr pt = loader_slot_alloc();
        if (!pt || (loader_error = make(untyped, seL4_ARM_PageTableObject, 0, pt)))
            return "making a page table for the scratch page";
        loader_error = seL4_ARM_PageTable_Map(pt, seL4_CapInitThreadVSpace, LOADER_SCRATCH_VA,
                                              seL4_ARM_Default_VMAttributes);
        if (loader_error == seL4_DeleteFirst) {
            seL4_CNode_Delete(ROOT, pt, DEPTH);
            loader_slot_free(pt);
            loader_error = seL4_NoError;
            return 0;
        }
        if (loader_error)
            return "mapping a page table for the scratch page";
    }
}

/* Each block's physical address, which BootInfo will need, is asked of a frame retyped from
 * it and deleted at once: with no children left, the block's next Retype starts at its start
 * again. (seL4 has no call that says where an untyped is, but a frame can say where it is.) */
unsigned loader_add_blocks(seL4_CPtr untyped, unsigned bits, unsigned n)
{
    unsigned made = 0;
    for (; made < n && nblocks < LOADER_BLOCKS; made++) {
        seL4_CPtr s = loader_slot_alloc(), f = loader_slot_alloc();
        seL4_ARM_Page_GetAddress_t where = { seL4_FailedLookup, 0 };
        if (s && f && !(loader_error = make(untyped, seL4_UntypedObject, bits, s)) &&
            !(loader_error = make(s, seL4_ARM_SmallPageObject, 0, f))) {
            where = seL4_ARM_Page_GetAddress(f);
            seL4_CNode_Delete(ROOT, f, DEPTH);
        }
        loader_slot_free(f);
        if (where.error) {
            seL4_CNode_Delete(ROOT, s, DEPTH);
            loader_slot_free(s);
            break;
        }
        blocks[nblocks++] = (struct block){ .untyped = s, .bits = bits, .paddr = where.paddr };
    }
    return made;
}
/* ANCHOR_END: loader_init */

/* ANCHOR: loader_image */
/* One build at a time: the program, its ELF image checked (elf.c, the kernel's own checks),
 * where things go in its address space, and the loader's slots that hold its caps meanwhile. */
struct build {
    struct proc *p;
    const struct archive_member *m;
    struct elf_image img;
    seL4_Word lo, ipc_va, bi_va, pages;     /* the image [lo, ipc_va), then two pages */
    seL4_CPtr vspace, spare, child_ut;      /* loader slots, emptied by the end */
    seL4_CPtr frame[MAX_PAGES];             /* page i's frame (at lo + i pages) */
    seL4_Word next;                         /* the child's next free slot */
    seL4_Word frames_start, untyped_slot;   /* BootInfo's regions */
    seL4_Word untyped_paddr;
    bool tcb_made;
};

/* The ELF flags of the segment that covers a page; a page between segments is read-only
 * (BootInfo promises a frame for every page of the image region, gaps too). */
static unsigned page_flags(const struct elf_image *img, seL4_Word page)
{
    for (unsigned i = 0; i < img->nsegments; i++) {
        const struct elf_segment *s = &img->segment[i];
        if (page + PAGE > s->vaddr && page < s->vaddr + s->memsz)
            return s->flags;
    }
    return ELF_PF_R;
}

/* Whether any byte of the file belongs in a page (if not, the new frame's zeros are right:
 * .bss, a gap). */
static bool has_bytes(const struct build *b, seL4_Word page)
{
    for (unsigned i = 0; i < b->img.nsegments; i++) {
        const struct elf_segment *s = &b->img.segment[i];
        if (page + PAGE > s->vaddr && page < s->vaddr + s->filesz)
            return true;
    }
    return false;
}

/* The bytes of the file that belong in a page (the frame is zero already: .bss, the tail). */
static void fill(const struct build *b, seL4_Word page, uint8_t *dst)
{
    for (unsigned i = 0; i < b->img.nsegments; i++) {
        const struct elf_segment *s = &b->img.segment[i];
        seL4_Word from = s->vaddr > page ? s->vaddr : page;
        seL4_Word to = s->vaddr + s->filesz < page + PAGE ? s->vaddr + s->filesz : page + PAGE;
        if (from < to)
            memcpy(dst + (from - page), b->m->start + s->offset + (from - s->vaddr), to - from);
    }
}

/* How the child maps a page: the image's pages as their segment asks (r-x, r--, rw-), the
 * IPC buffer rw-, BootInfo r--. Never writable and executable (W^X). */
static void page_mapping(const struct build *b, seL4_Word va, seL4_CapRights_t *rights,
                         seL4_Word *attr)
{
    unsigned f = va == b->ipc_va ? ELF_PF_R | ELF_PF_W
                 : va < b->ipc_va ? page_flags(&b->img, va) : ELF_PF_R;
    *rights = f & ELF_PF_W ? seL4_ReadWrite : seL4_CanRead;
    *attr = seL4_ARM_Default_VMAttributes |
            (f & ELF_PF_X && !(f & ELF_PF_W) ? 0 : seL4_ARM_ExecuteNever);
}
/* ANCHOR_END: loader_image */

/* ANCHOR: loader_map */
/* Map one of the child's frames in the child's VSpace. When a page table is missing on the
 * way (FailedLookup), make one, map it, and move its cap to the child's next slot: the
 * tables are made in the order the pages need them, and fill BootInfo's userImagePaging. */
static seL4_Error map_child(struct build *b, seL4_CPtr frame, seL4_Word va)
{
    seL4_CapRights_t rights;
    seL4_Word attr;
    page_mapping(b, va, &rights, &attr);
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, b->vspace, va, rights, attr);
        if (e != seL4_FailedLookup)
            return e;
        e = make(b->p->untyped, seL4_ARM_PageTableObject, 0, b->spare);
        if (!e)
            e = seL4_ARM_PageTable_Map(b->spare, b->vspace, va, seL4_ARM_Default_VMAttributes);
        if (!e)
            e = seL4_CNode_Move(b->p->cnode, b->next++, PROC_CNODE_BITS, ROOT, b->spare, DEPTH);
        if (e)
            return e;
    }
}
/* ANCHOR_END: loader_map */

/* ANCHOR: loader_bootinfo */
/* What the child is told: seL4_BootInfo, field by field as the kernel filled it for the
 * programs it started (process.c), and the argument string at the page's end. */
static void write_bootinfo(const struct build *b, seL4_BootInfo *bi, const char *arg)
{
    bi->nodeID = 0;
    bi->numNodes = 1;
    bi->ipcBuffer = (seL4_IPCBuffer *)b->ipc_va;
    bi->userImagePaging = (seL4_SlotRegion){ seL4_NumInitialCaps, b->frames_start };
    bi->userImageFrames = (seL4_SlotRegion){ b->frames_start, b->untyped_slot };
    bi->untyped = (seL4_SlotRegion){ b->untyped_slot, b->untyped_slot + 1 };
    bi->untypedList[0].paddr = b->untyped_paddr;
    bi->untypedList[0].sizeBits = (seL4_Uint8)b->p->untyped_bits;
    bi->untypedList[0].isDevice = 0;
    bi->empty = (seL4_SlotRegion){ b->untyped_slot + 1, PROC_EMPTY_END };
    bi->initThreadCNodeSizeBits = PROC_CNODE_BITS;
    char *a = (char *)bi + PAGE - PROC_ARG_MAX;
    for (unsigned i = 0; i < PROC_ARG_MAX - 1 && arg[i]; i++)
        a[i] = arg[i];
}
/* ANCHOR_END: loader_bootinfo */

/* ANCHOR: loader_write */
/*
 * Write one of the child's pages from the loader: the image's bytes, or BootInfo. A frame cap
 * maps its frame once, and the child's is mapped in the child, so a copy of it is mapped at
 * the loader's scratch page, read-write, for as long as the writing takes.
 *
 * A code page needs more than the write. The loader's stores go into the data cache; the
 * child will fetch the page through the instruction cache, which on the Cortex-A53 does not
 * look in the data cache, and which may still hold lines of this very physical page from a
 * program that had it before (the block's memory is reused after every kill). Arm ARM (DDI
 * 0487), B2.4.4 "Concurrent modification and execution of instructions" and D4.4, "Cache
 * support": clean the data cache to the Point of Unification (DC CVAU), DSB,
 * invalidate the instruction cache (IC IVAU or IALLU), DSB, ISB. EL0 may not invalidate the
 * whole instruction cache (only lines by address, and only if SCTLR_EL1.UCI allows it), so
 * the loader asks the kernel: Page_Unify_Instruction does exactly that sequence for the
 * frame (IC IALLUIS: every alias the child may fetch through), and needs the frame mapped,
 * which the copy is; the kernel's ERET into the child later is the context synchronization
 * that makes its first fetch see the result. Data pages need nothing: the data cache is
 * physically tagged, so the child's own mapping of the frame finds the loader's stores in it.
 * (QEMU models no caches: only real hardware would run stale code without this.)
 */
static seL4_Error write_page(struct build *b, unsigned i, const char *arg)
{
    seL4_Word va = b->lo + i * PAGE;
    bool code = va < b->ipc_va && (page_flags(&b->img, va) & ELF_PF_X);
    seL4_Error e = seL4_CNode_Copy(ROOT, b->spare, DEPTH, ROOT, b->frame[i], DEPTH,
                                   seL4_AllRights);
    if (e)
        return e;
    e = seL4_ARM_Page_Map(b->spare, seL4_CapInitThreadVSpace, LOADER_SCRATCH_VA, seL4_ReadWrite,
                          seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever);
    if (!e) {
        uint8_t *page = (uint8_t *)LOADER_SCRATCH_VA;
        if (va == b->bi_va)
            write_bootinfo(b, (seL4_BootInfo *)page, arg);
        else
            fill(b, va, page);
        if (code)
            e = seL4_ARM_Page_Unify_Instruction(b->spare, 0, PAGE);
        seL4_Error u = seL4_ARM_Page_Unmap(b->spare);
        e = e ? e : u;
    }
    seL4_CNode_Delete(ROOT, b->spare, DEPTH);
    return e;
}
/* ANCHOR_END: loader_write */

/* ANCHOR: loader_build */
#define TRY(call, what)                                      \
    do {                                                     \
        if ((loader_error = (call)) != seL4_NoError)         \
            return (what);                                   \
    } while (0)

/* The free bytes of untyped `ut` of 2^bits bytes: ask Retype for an untyped twice its size,
 * which cannot fit; its NotEnoughMemory answer says in MR0 how many bytes are left. */
static seL4_Word free_bytes(seL4_CPtr ut, unsigned bits)
{
    seL4_CPtr s = loader_slot_alloc();
    seL4_Error e = s ? make(ut, seL4_UntypedObject, bits + 1, s) : seL4_NoError;
    seL4_Word left = e == seL4_NotEnoughMemory ? seL4_GetMR(0) : 0;
    loader_slot_free(s);
    return left;
}

static const char *build(struct build *b, const char *arg, seL4_Word priority,
                         const seL4_CPtr *extra, unsigned nextra)
{
    struct proc *p = b->p;
    const struct block *k = &blocks[p->block];

    /* Its one untyped: the whole block. Everything below is made from it. */
    TRY(make(k->untyped, seL4_UntypedObject, k->bits, p->untyped), "carving its untyped");

    /* Its CNode (with its own cap in slot 2, guarded to resolve 64-bit cptrs), its VSpace
     * (seL4 wants it given an ASID; this kernel did that at Retype) and its TCB. */
    TRY(make(p->untyped, seL4_CapTableObject, PROC_CNODE_BITS, p->cnode), "making its CNode");
    TRY(seL4_CNode_Mint(p->cnode, seL4_CapInitThreadCNode, PROC_CNODE_BITS, ROOT, p->cnode,
                        DEPTH, seL4_AllRights, CHILD_GUARD), "its CNode's cap");
    TRY(make(p->untyped, seL4_ARM_VSpaceObject, 0, b->vspace), "making its VSpace");
    TRY(seL4_ARM_ASIDPool_Assign(seL4_CapInitThreadASIDPool, b->vspace), "assigning an ASID");
    TRY(make(p->untyped, seL4_TCBObject, 0, p->tcb), "making its TCB");
    b->tcb_made = true;

    /* A frame for every page, mapped where the child will see it (the page tables go to
     * slots 16 on, as they are made); then the frames' slots follow, then its untyped. */
    b->next = seL4_NumInitialCaps;
    for (unsigned i = 0; i < b->pages; i++) {
        TRY(make(p->untyped, seL4_ARM_SmallPageObject, 0, b->frame[i]), "making a frame");
        TRY(map_child(b, b->frame[i], b->lo + i * PAGE), "mapping a page");
    }
    b->frames_start = b->next;
    b->untyped_slot = b->frames_start + b->pages - 2;   /* not the IPC buffer, not BootInfo */

    /* Its untyped: the upper half of the block (Retype aligns it to its size, so it goes
     * there if the objects fit in the lower half, or nowhere). */
    p->object_bytes = (1UL << k->bits) - free_bytes(p->untyped, k->bits);
    p->untyped_bits = k->bits - 1;
    TRY(make(p->untyped, seL4_UntypedObject, p->untyped_bits, b->child_ut),
        "making its untyped (its image is too big for its block)");
    b->untyped_paddr = k->paddr + (1UL << p->untyped_bits);

    /* The image's bytes, and BootInfo, through the scratch page. */
    for (unsigned i = 0; i < b->pages; i++) {
        seL4_Word va = b->lo + i * PAGE;
        if (va == b->bi_va || (va < b->ipc_va && has_bytes(b, va)))
            TRY(write_page(b, i, arg), "writing a page");
    }

    /* The caps it gets besides: its fault endpoint (badged: the loader tells its children
     * apart by it; Write to send, GrantReply so that the kernel can make the fault a Call;
     * no Read, so that it cannot take another child's faults), seL4's ASID pool, extras. */
    TRY(seL4_CNode_Mint(p->cnode, PROC_SLOT_FAULT_EP, PROC_CNODE_BITS, ROOT, fault_ep, DEPTH,
                        seL4_CapRights_new(1, 0, 0, 1), p->badge), "its fault endpoint");
    TRY(seL4_CNode_Copy(p->cnode, seL4_CapInitThreadASIDPool, PROC_CNODE_BITS, ROOT,
                        seL4_CapInitThreadASIDPool, DEPTH, seL4_AllRights), "its ASID pool");
    for (unsigned i = 0; i < nextra; i++)
        TRY(seL4_CNode_Copy(p->cnode, PROC_SLOT_EXTRA(i), PROC_CNODE_BITS, ROOT, extra[i], DEPTH,
                            seL4_AllRights), "an extra cap");

    /* The thread: CSpace, VSpace, IPC buffer and fault endpoint (a cptr in its own CSpace,
     * looked up when it faults); priority and MCP; the registers seL4 gives a root task:
     * x0 = BootInfo, the rest 0 (here x1 = the argument); its name, for the kernel's reports. */
    unsigned ipc = (unsigned)((b->ipc_va - b->lo) / PAGE), bi = ipc + 1;
    TRY(seL4_TCB_Configure(p->tcb, loader_fault_handler ? PROC_SLOT_FAULT_EP : seL4_CapNull,
                           p->cnode, CHILD_GUARD, b->vspace, 0,
                           b->ipc_va, b->frame[ipc]), "configuring its TCB");
    TRY(seL4_TCB_SetSchedParams(p->tcb, seL4_CapInitThreadTCB, priority, priority),
        "setting its priority");
    seL4_UserContext regs = { .pc = b->img.entry, .x0 = b->bi_va,
                              .x1 = b->bi_va + PAGE - PROC_ARG_MAX };
    TRY(seL4_TCB_WriteRegisters(p->tcb, 0, 0, 5, &regs),   /* pc, sp, spsr, x0, x1 */
        "setting its registers");
#if defined(SEL4_HAVE_DEBUG_NAME_THREAD) || defined(CONFIG_DEBUG_BUILD)
    seL4_DebugNameThread(p->tcb, p->name);
#endif

    /* Its caps to their slots: the TCB (a copy: the loader keeps its own, to kill it), the
     * VSpace, the frames (IPC buffer to 10, BootInfo to 9), its untyped. */
    TRY(seL4_CNode_Copy(p->cnode, seL4_CapInitThreadTCB, PROC_CNODE_BITS, ROOT, p->tcb, DEPTH,
                        seL4_AllRights), "its TCB's cap");
    TRY(seL4_CNode_Move(p->cnode, seL4_CapInitThreadVSpace, PROC_CNODE_BITS, ROOT, b->vspace,
                        DEPTH), "its VSpace's cap");
    for (unsigned i = 0, n = 0; i < b->pages; i++) {
        seL4_Word dst = i == ipc ? seL4_CapInitThreadIPCBuffer
                        : i == bi ? seL4_CapBootInfoFrame : b->frames_start + n++;
        TRY(seL4_CNode_Move(p->cnode, dst, PROC_CNODE_BITS, ROOT, b->frame[i], DEPTH),
            "a frame's cap");
    }
    TRY(seL4_CNode_Move(p->cnode, b->untyped_slot, PROC_CNODE_BITS, ROOT, b->child_ut, DEPTH),
        "its untyped's cap");
    TRY(seL4_TCB_Resume(p->tcb), "starting it");
    return 0;
}
#undef TRY
/* ANCHOR_END: loader_build */

/* ANCHOR: proc_start */
/* Everything the loader made for p goes: the thread stops first, then one Revoke of p's
 * untyped deletes every cap made from it, wherever it is (in the loader's CNode, in the
 * child's, in a CNode the child made or sent it to), which finalises every object: the
 * child's CNode empties (and takes the caps copied into it), the VSpace gives back its ASID,
 * the TCB its thread id. Then the untyped's own cap goes: the block has no children again. */
static void destroy(struct proc *p, bool tcb_made)
{
    if (tcb_made)
        seL4_TCB_Suspend(p->tcb);
    // EXERCISE: proc_kill: make everything the child had go, with two invocations on the one untyped it was made from (p->untyped, in the loader's CNode: ROOT, DEPTH): CNode_Revoke deletes every cap derived from it, wherever it is, and so finalises every object; then CNode_Delete removes the untyped's own cap, so that its block has no children and Retype starts it from 0 again. The chapter's "Starting programs from user space"; seL4 manual, "CNode" methods
    seL4_CNode_Revoke(ROOT, p->untyped, DEPTH);
    seL4_CNode_Delete(ROOT, p->untyped, DEPTH);
    // EXERCISE_STANDIN: proc_kill
    //     /* Nothing yet: the thread is stopped, and keeps everything it had. */
    // EXERCISE_END: proc_kill
    loader_slot_free(p->untyped);
    loader_slot_free(p->tcb);
    loader_slot_free(p->cnode);
    blocks[p->block].used = false;
    p->in_use = false;
}

static const struct archive_member *find(const char *name)
{
    for (seL4_Word i = 0; i < archive_count; i++)
        if (!strcmp(archive[i].name, name))
            return &archive[i];
    return 0;
}

const char *proc_start(const char *name, const char *arg, seL4_Word priority,
                       const seL4_CPtr *extra, unsigned nextra, struct proc **out)
{
    static struct build b;              /* one build at a time; too big for the stack */
    const struct archive_member *m = find(name);
    loader_error = seL4_NoError;
    if (!m)
        return "no such program in the archive";
    b = (struct build){ .m = m };
    enum elf_error ee = elf_check(m->start, (uint64_t)(m->end - m->start), &b.img);
    if (ee != ELF_OK)
        return elf_error_name(ee);
    b.lo = b.img.segment[0].vaddr & ~(PAGE - 1);
    for (unsigned i = 1; i < b.img.nsegments; i++)
        if ((b.img.segment[i].vaddr & ~(PAGE - 1)) < b.lo)
            b.lo = b.img.segment[i].vaddr & ~(PAGE - 1);
    b.ipc_va = b.img.end;
    b.bi_va = b.img.end + PAGE;
    b.pages = (b.bi_va + PAGE - b.lo) / PAGE;
    if (b.pages > MAX_PAGES || nextra > PROC_EXTRA_MAX)
        return b.pages > MAX_PAGES ? "its image is too big" : "too many extra caps";

    struct proc *p = 0;
    unsigned k = 0;
    for (unsigned i = 0; i < LOADER_PROCS && !p; i++)
        if (!procs[i].in_use)
            p = &procs[i];
    while (k < nblocks && blocks[k].used)
        k++;
    if (!p || k == nblocks)
        return p ? "no free block (kill a program first)" : "no free entry (kill a program first)";
    *p = (struct proc){ .name = m->name, .badge = (seL4_Word)(p - procs) + 1, .block = k,
                        .pages = b.pages, .in_use = true };
    blocks[k].used = true;
    b.p = p;

    /* Its slots in the loader's CNode, all taken now: the three it keeps and those that
     * hold caps until they move to the child. */
    p->untyped = loader_slot_alloc();
    p->tcb = loader_slot_alloc();
    p->cnode = loader_slot_alloc();
    b.vspace = loader_slot_alloc();
    b.spare = loader_slot_alloc();
    b.child_ut = loader_slot_alloc();
    bool slots = b.child_ut != 0;
    for (unsigned i = 0; i < b.pages; i++)
        slots = (b.frame[i] = loader_slot_alloc()) != 0 && slots;
    const char *why = slots ? build(&b, arg, priority, extra, nextra) : "no free slots";
    if (why)
        destroy(p, b.tcb_made);
    loader_slot_free(b.vspace);
    loader_slot_free(b.spare);
    loader_slot_free(b.child_ut);
    for (unsigned i = 0; i < b.pages; i++)
        loader_slot_free(b.frame[i]);
    if (!why)
        *out = p;
    return why;
}
/* ANCHOR_END: proc_start */

/* ANCHOR: proc_wait */
/* A fault message that has arrived, into *f; the child it came from, if it is one of ours. */
static struct proc *received(seL4_MessageInfo_t info, seL4_Word badge, struct proc_fault *f)
{
    f->badge = badge;
    f->label = seL4_MessageInfo_get_label(info);
    f->length = seL4_MessageInfo_get_length(info);
    if (f->length > seL4_UnknownSyscall_Length)
        f->length = seL4_UnknownSyscall_Length;
    for (seL4_Word i = 0; i < f->length; i++)
        f->mr[i] = seL4_GetMR(i);
    if (badge < 1 || badge > LOADER_PROCS || !procs[badge - 1].in_use)
        return 0;
    return &procs[badge - 1];
}

struct proc *proc_wait(struct proc_fault *f)
{
    seL4_Word badge;
    seL4_MessageInfo_t info = seL4_Recv(fault_ep, &badge);
    return received(info, badge, f);
}

/* ReplyRecv: the answer goes through the reply cap the last Recv left, then the loader waits
 * again, in one system call (the kernel takes its general path for it: an answer to a fault
 * sets registers, which the fastpath does not do). */
struct proc *proc_resume_wait(const seL4_Word *words, unsigned n, struct proc_fault *f)
{
    seL4_Word badge;
    if (n > seL4_UserException_SPSR + 1)
        n = seL4_UserException_SPSR + 1;
    for (unsigned i = 0; i < n; i++)
        seL4_SetMR(i, words[i]);
    seL4_MessageInfo_t info = seL4_ReplyRecv(fault_ep, seL4_MessageInfo_new(0, 0, 0, n), &badge);
    return received(info, badge, f);
}

void proc_kill(struct proc *p)
{
    if (p && p->in_use)
        destroy(p, true);
}
/* ANCHOR_END: proc_wait */

/* ANCHOR: loader_leaks */
seL4_Word loader_block_bytes(void)
{
    seL4_Word n = 0;
    for (unsigned i = 0; i < nblocks; i++)
        n += 1UL << blocks[i].bits;
    return n;
}

seL4_Word loader_free_bytes(void)
{
    seL4_Word n = 0;
    for (unsigned i = 0; i < nblocks; i++)
        n += free_bytes(blocks[i].untyped, blocks[i].bits);
    return n;
}

/* Move a slot onto itself: DeleteFirst if it holds a cap, FailedLookup if it is empty (seL4
 * checks the destination first), and nothing moves either way. */
seL4_Word loader_empty_slots(void)
{
    seL4_Word n = 0;
    for (seL4_Word s = slot_first; s < slot_end; s++)
        n += seL4_CNode_Move(ROOT, s, DEPTH, ROOT, s, DEPTH) == seL4_FailedLookup;
    return n;
}
/* ANCHOR_END: loader_leaks */
