/*
 * mmu.c: the translation tables, turning the MMU on, and the entries of user tables.
 *
 * Layout (4 KiB granule, 39-bit virtual addresses, so a walk starts at level 1):
 *
 *   TTBR1 (upper half, the kernel): KBASE + PA for PA 0 .. 2 GiB
 *     L1[0] -> L2 "low"  : 512 x 2 MiB, PA 0 .. 1 GiB
 *                 [0]      -> L3: 512 x 4 KiB pages for PA 0 .. 2 MiB (the kernel image, W^X)
 *                 [1..503] RAM, Normal write-back, read-write, never executable
 *                 [504..511] 0x3F000000.. peripherals, Device-nGnRnE
 *     L1[1] -> L2 "high" : [0] 0x40000000 local controller, Device-nGnRnE; the rest invalid
 *   TTBR0 (lower half): during boot, L1[0] -> the same L2 "low", so VA == PA while the kernel
 *     still runs at its load address. From then on, while a user thread runs, its address
 *     space's own tables (step 07); while the idle thread runs, nothing (TCR_EL1.EPD0).
 *
 * mmu_build_tables() and mmu_enable() run with the MMU off, at physical addresses: this file
 * is compiled with -mstrict-align, and that code may only use PC-relative addresses (no
 * pointers stored in data, no tables of function pointers).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cache.h"
#include "mmu.h"
#include "sysregs.h"

/* ANCHOR: descriptors */
/* Translation table descriptors, VMSAv8-64 4 KiB granule (Arm ARM D5.3). The valid bit, the
 * type bits of a table, the output address and PT_ENTRIES are in mmu.h. */
#define PTE_TYPE_BLOCK   UL(0x1)          /* bits 1:0 = 01 at level 1 or 2: a block */
#define PTE_TYPE_PAGE    UL(0x3)          /* 11 at level 3: a page (01 there is invalid) */
#define PTE_ATTRINDX(i)  ((uint64_t)(i) << 2)   /* AttrIndx[2:0], bits 4:2: which MAIR_EL1 byte */
#define PTE_AP_EL0       (UL(1) << 6)     /* AP[1]: EL0 may access too */
#define PTE_AP_RO        (UL(1) << 7)     /* AP[2]: read-only (else read-write) */
#define PTE_SH_INNER     (UL(3) << 8)     /* SH[1:0] = 11: inner shareable */
#define PTE_AF           (UL(1) << 10)    /* access flag: must be 1, or the first use faults */
#define PTE_NG           (UL(1) << 11)    /* not global: tagged with the ASID (user pages, 07) */
#define PTE_PXN          (UL(1) << 53)    /* privileged execute-never: EL1 cannot execute */
#define PTE_UXN          (UL(1) << 54)    /* unprivileged execute-never: EL0 cannot execute */
/* ANCHOR_END: descriptors */

/* ANCHOR: mair */
/* MAIR_EL1: eight memory types, one byte each; a descriptor names one by its index. */
#define MAIR_DEVICE_nGnRnE 0x00   /* no gathering, no reordering, no early write ack: MMIO */
#define MAIR_NORMAL_WB     0xff   /* Normal, inner and outer write-back, read/write-allocate */
#define MAIR_NORMAL_NC     0x44   /* Normal, inner and outer non-cacheable */
#define MT_DEVICE          0      /* AttrIndx values: the byte each memory type sits in */
#define MT_NORMAL          1
#define MT_NORMAL_NC       2
#define MAIR_VALUE (((uint64_t)MAIR_DEVICE_nGnRnE << (8 * MT_DEVICE)) | \
                    ((uint64_t)MAIR_NORMAL_WB << (8 * MT_NORMAL)) |     \
                    ((uint64_t)MAIR_NORMAL_NC << (8 * MT_NORMAL_NC)))
/* ANCHOR_END: mair */

/* ANCHOR: tcr */
/* TCR_EL1, Translation Control Register: the shape of both halves */
#define TCR_T0SZ         ((UL(64) - VA_BITS) << 0)   /* T0SZ: lower half is 2^39 bytes */
#define TCR_EPD0         (UL(1) << 7)              /* EPD0: no walks through TTBR0 */
#define TCR_IRGN0_WBWA   (UL(1) << 8)              /* walks of TTBR0 tables: inner WB, WA */
#define TCR_ORGN0_WBWA   (UL(1) << 10)             /* ... outer WB, WA */
#define TCR_SH0_INNER    (UL(3) << 12)             /* ... inner shareable */
#define TCR_TG0_4K       (UL(0) << 14)             /* TG0: 4 KiB granule */
#define TCR_T1SZ         ((UL(64) - VA_BITS) << 16)  /* T1SZ: upper half is 2^39 bytes */
#define TCR_IRGN1_WBWA   (UL(1) << 24)             /* the same for TTBR1's tables */
#define TCR_ORGN1_WBWA   (UL(1) << 26)
#define TCR_SH1_INNER    (UL(3) << 28)
#define TCR_TG1_4K       (UL(2) << 30)             /* TG1: 4 KiB (TG1 encodes sizes unlike TG0) */
#define TCR_IPS_32BIT    (UL(0) << 32)             /* IPS: physical addresses are 32 bits */
/* A1 (bit 22) = 0: the ASID comes from TTBR0. AS (bit 36) = 0: 8-bit ASIDs. */
#define TCR_VALUE (TCR_T0SZ | TCR_IRGN0_WBWA | TCR_ORGN0_WBWA | TCR_SH0_INNER | TCR_TG0_4K | \
                   TCR_T1SZ | TCR_IRGN1_WBWA | TCR_ORGN1_WBWA | TCR_SH1_INNER | TCR_TG1_4K | \
                   TCR_IPS_32BIT)
/* ANCHOR_END: tcr */

/* ANCHOR: prot */
/* The kinds of kernel mapping. Every one is global (nG = 0), has AF set, and is reachable
 * from EL1 only (AP[1] = 0); W^X: nothing is both writable and executable. */
#define PROT_NORMAL   (PTE_AF | PTE_SH_INNER | PTE_ATTRINDX(MT_NORMAL) | PTE_UXN)
#define PROT_TEXT     (PROT_NORMAL | PTE_AP_RO)              /* r-x */
#define PROT_RODATA   (PROT_NORMAL | PTE_AP_RO | PTE_PXN)    /* r-- */
#define PROT_DATA     (PROT_NORMAL | PTE_PXN)                /* rw- */
#define PROT_DEVICE   (PTE_AF | PTE_ATTRINDX(MT_DEVICE) | PTE_PXN | PTE_UXN)   /* rw-, MMIO */
#define PROT_FB       (PTE_AF | PTE_SH_INNER | PTE_ATTRINDX(MT_NORMAL_NC) | PTE_PXN | PTE_UXN)
/* ANCHOR_END: prot */

/* ANCHOR: tables */

/* The tables: page-aligned, in .bss (so boot.S has zeroed them: every entry starts invalid),
 * and grouped by link.ld between __pgtables_start and __pgtables_end. */
#define PGTABLE __attribute__((aligned(4096), section(".bss.pgtables")))
static pte_t l1_kernel[PT_ENTRIES] PGTABLE;    /* TTBR1: 1 GiB per entry */
static pte_t l1_identity[PT_ENTRIES] PGTABLE;  /* TTBR0 during boot */
static pte_t l2_low[PT_ENTRIES] PGTABLE;       /* 2 MiB per entry, PA 0 .. 1 GiB */
static pte_t l2_high[PT_ENTRIES] PGTABLE;      /* PA 1 GiB .. 2 GiB */
static pte_t l3_image[PT_ENTRIES] PGTABLE;     /* 4 KiB per entry, PA 0 .. 2 MiB */

/* Boundaries from link.ld (each page-aligned), and the unmapped guard pages. */
extern char __text_start[], __rodata_start[], __data_start[], __bss_start[], __kernel_end[];
extern char __kstack_guard[], __boot_stack_guard[];
/* ANCHOR_END: tables */

/* ANCHOR: table_entry */
/* A descriptor that points to the next-level table `next` (a kernel object: we need its PA). */
static pte_t table_entry(const pte_t *next)
{
    return kva_to_pa(next) | PTE_TYPE_TABLE;
}
/* ANCHOR_END: table_entry */

/* ANCHOR: map_kernel */
/* Fill l3_image: the first 2 MiB of RAM in 4 KiB pages, with each part of the kernel image
 * getting its own permissions. Pages outside the image (firmware data below 0x80000, free RAM
 * after the image) are plain read-write data; the two guard pages stay invalid. */
static void map_kernel_image(void)
{
    uint64_t text = kva_to_pa(__text_start), rodata = kva_to_pa(__rodata_start);
    uint64_t data = kva_to_pa(__data_start);
    uint64_t guard1 = kva_to_pa(__kstack_guard), guard2 = kva_to_pa(__boot_stack_guard);

    for (uint64_t pa = 0; pa < BLOCK_SIZE; pa += PAGE_SIZE) {
        pte_t prot;
        if (pa == guard1 || pa == guard2)
            continue;                                  /* unmapped: touching it faults */
        if (pa >= text && pa < rodata)
            prot = PROT_TEXT;
        else if (pa >= rodata && pa < data)
            prot = PROT_RODATA;
        else
            prot = PROT_DATA;
        l3_image[pa / PAGE_SIZE] = pa | prot | PTE_TYPE_PAGE;
    }
}
/* ANCHOR_END: map_kernel */

/* ANCHOR: map_linear */
/* Fill the level-2 tables: 2 MiB blocks for RAM and the peripherals, and the level-1 tables
 * that point to them. The first 2 MiB go through l3_image instead of a block. */
static void map_linear(void)
{
    for (uint64_t i = 0; i < PT_ENTRIES; i++) {
        uint64_t pa = i * BLOCK_SIZE;
        if (pa >= PERIPH_PA)
            l2_low[i] = pa | PROT_DEVICE | PTE_TYPE_BLOCK;      /* 0x3F000000 .. 0x3FFFFFFF */
        else
            l2_low[i] = pa | PROT_DATA | PTE_TYPE_BLOCK;        /* RAM (ARM and VideoCore) */
    }
    l2_low[0] = table_entry(l3_image);
    l2_high[0] = LOCAL_PA | PROT_DEVICE | PTE_TYPE_BLOCK;       /* 0x40000000 .. 0x401FFFFF */

    l1_kernel[0] = table_entry(l2_low);                         /* KBASE + 0 .. 1 GiB */
    l1_kernel[1] = table_entry(l2_high);                        /* KBASE + 1 GiB .. 2 GiB */
    l1_identity[0] = table_entry(l2_low);                       /* VA == PA for 0 .. 1 GiB */
}
/* ANCHOR_END: map_linear */

/* ANCHOR: build_tables */
/* Build every table. Called by boot.S with the MMU off, so every store goes straight to
 * memory. The table walker will read the tables through the cache once the MMU is on: the
 * cache must not hold older copies of those lines, so we invalidate everything the kernel has
 * written since reset (.bss, the tables, the stacks). */
void mmu_build_tables(void)
{
    map_kernel_image();
    map_linear();
    dsb(ishst);                                 /* the table writes are complete */
    cache_invalidate_range(__bss_start, (uint64_t)(__kernel_end - __bss_start));
}
/* ANCHOR_END: build_tables */

/* ANCHOR: enable */
/* Turn on the MMU and both caches. Runs at the physical load address: the identity map in
 * TTBR0 keeps the next instruction fetch valid after SCTLR_EL1.M is set. */
void mmu_enable(void)
{
    sysreg_write(mair_el1, MAIR_VALUE);
    sysreg_write(tcr_el1, TCR_VALUE);
    sysreg_write(ttbr0_el1, kva_to_pa(l1_identity));
    sysreg_write(ttbr1_el1, kva_to_pa(l1_kernel));
    isb();                                      /* the new registers are in force */

    /* Nothing from before may survive: TLB entries are UNKNOWN after reset, and the
     * instruction cache may hold lines the firmware fetched. */
    __asm__ volatile("tlbi vmalle1" ::: "memory");    /* all EL1&0 TLB entries, this core */
    dsb(nsh);
    __asm__ volatile("ic iallu" ::: "memory");        /* the whole instruction cache */
    dsb(nsh);
    isb();

    sysreg_write(sctlr_el1, SCTLR_EL1_BOOT | SCTLR_EL1_M | SCTLR_EL1_C | SCTLR_EL1_I);
    isb();                                      /* fetch the next instruction with the MMU on */
}
/* ANCHOR_END: enable */

/* ANCHOR: drop_identity */
/* Called once the kernel runs at its upper-half addresses: the lower half becomes empty
 * (EPD0: no walks through TTBR0 at all), and the identity entries leave the TLB. From step 07
 * on, TTBR0 holds a user program's tables instead. */
void mmu_drop_identity(void)
{
    sysreg_write(tcr_el1, TCR_VALUE | TCR_EPD0);
    sysreg_write(ttbr0_el1, 0);
    isb();
    __asm__ volatile("tlbi vmalle1" ::: "memory");
    dsb(nsh);
    isb();
}
/* ANCHOR_END: drop_identity */

/* ANCHOR: map_framebuffer */
/* The operand of a TLBI by address: VA[55:12] in bits 43:0. The bits above must be 0:
 * from Armv8.4 bits 47:44 are the TTL hint (Arm ARM DDI 0487, "TLBI VAAE1": the register's
 * fields), and a kernel address shifted right by 12 would put 1s there. */
#define TLBI_VA(va)     (((uint64_t)(va) >> 12) & ((UL(1) << 44) - 1))

/* Make the 2 MiB blocks holding [pa, pa + size) Normal non-cacheable. Until step 09 the kernel
 * drew there, and its pixels had to reach memory, where the VideoCore reads them, without cache
 * maintenance; from step 10 init draws through an uncached mapping of its own, and the kernel's
 * view must not be a cached alias of it. Returns 0, or -1 if the range is not plain RAM
 * outside the kernel's first 2 MiB.
 * The change follows break-before-make: the old entry is invalidated and its TLB entry
 * removed before the new one is written, so the core never sees two versions at once. */
int mmu_map_framebuffer(uint64_t pa, uint64_t size)
{
    if (size == 0 || pa < BLOCK_SIZE || pa + size > PERIPH_PA)
        return -1;
    for (uint64_t b = pa & ~(BLOCK_SIZE - 1); b < pa + size; b += BLOCK_SIZE) {
        pte_t *e = &l2_low[b / BLOCK_SIZE];
        *e = 0;                                                 /* break */
        dsb(ishst);
        __asm__ volatile("tlbi vaae1, %0" : : "r"(TLBI_VA(KBASE + b)) : "memory");
        dsb(nsh);
        *e = b | PROT_FB | PTE_TYPE_BLOCK;                      /* make */
        dsb(ishst);
    }
    isb();
    /* Lines of the buffer cached while it was write-back (a speculative read may have
     * fetched some) would shadow memory: clean and drop them. Maintenance by VA works
     * whatever the memory type of the mapping now is. */
    cache_flush_range(PHYS_TO_VIRT(pa), size);
    return 0;
}
/* ANCHOR_END: map_framebuffer */

/* ANCHOR: user_pte */
/* A user page or 2 MiB block: reachable from EL0 (AP[1]) unless `rights` lacks Read (seL4's
 * "kernel only" mapping), tagged with the address space's ASID (nG), never executable at EL1
 * (PXN: the kernel must not run code a program wrote), and W^X: writable pages are UXN,
 * executable ones read-only. Device frames are Device-nGnRnE and never executable. */
#define PROT_USER     (PTE_AF | PTE_SH_INNER | PTE_NG | PTE_PXN)

pte_t mmu_user_entry(uint64_t pa, unsigned rights, unsigned level, bool device, bool cached)
{
    pte_t d = pa | PROT_USER | (level == 3 ? PTE_TYPE_PAGE : PTE_TYPE_BLOCK);
    d |= PTE_ATTRINDX(device ? MT_DEVICE : cached ? MT_NORMAL : MT_NORMAL_NC);
    if (rights & MMU_USER_R)
        d |= PTE_AP_EL0;
    if (!(rights & MMU_USER_W))
        d |= PTE_AP_RO;
    if (!(rights & MMU_USER_X) || (rights & MMU_USER_W) || device)
        d |= PTE_UXN;
    return d;
}
/* ANCHOR_END: user_pte */

/* ANCHOR: user_walk */
/* Walk an address space's tables towards va, as far as they go: the entry where the walk
 * stopped (an invalid one, or the level-3 entry), and its level (1-3). Page tables are
 * objects the program made (step 08): the kernel never makes one here. */
pte_t *mmu_user_walk(uint64_t l1_pa, uint64_t va, unsigned *level)
{
    pte_t *t = PHYS_TO_VIRT(l1_pa);
    for (unsigned l = 1;; l++) {
        pte_t *e = &t[(va >> (39 - 9 * l)) % PT_ENTRIES];
        if (l == 3 || (*e & PTE_TYPE_MASK) != PTE_TYPE_TABLE) {
            *level = l;
            return e;
        }
        t = PHYS_TO_VIRT(*e & PTE_ADDR_MASK);
    }
}

/* Write one entry of a user table, and make it visible to the table walker. An entry that
 * was valid may still be in a TLB: forget it, by address and ASID (TLBI VAE1IS, Arm ARM
 * C5.5), before the change counts. */
void mmu_user_set(pte_t *e, pte_t d, uint64_t asid, uint64_t va)
{
    bool was_valid = *e & PTE_VALID;
    *e = d;
    dsb(ishst);
    if (was_valid) {
        __asm__ volatile("tlbi vae1is, %0" : : "r"(asid << 48 | TLBI_VA(va))
                         : "memory");
        dsb(ish);
        isb();
    }
}
/* ANCHOR_END: user_walk */

/* ANCHOR: user_switch */
/* Give the lower half to a user address space: TTBR0_EL1 holds its L1 table's address and, in
 * bits 63:48, its ASID (TCR_EL1.A1 = 0), so the TLB entries of every address space can stay
 * cached side by side: a switch needs no TLB invalidation. 0 means the idle thread runs: no
 * table, and no walks (EPD0). One register holds both table and ASID, so they change together;
 * the isb makes the change take effect before the next instruction (Arm ARM D5.10, "TLB
 * maintenance requirements and the TLB maintenance instructions"; eret would do it too). */
void mmu_switch_user(uint64_t ttbr0)
{
    sysreg_write(ttbr0_el1, ttbr0);
    sysreg_write(tcr_el1, ttbr0 ? TCR_VALUE : TCR_VALUE | TCR_EPD0);
    isb();
}

/* Forget every translation of one ASID, on every core of the inner-shareable domain (TLBI
 * ASIDE1IS, Arm ARM C5.5, "TLBI ASIDE1IS"), and wait for it (dsb ish): after this, the frames
 * of the address space that had that ASID can be given to another, and the ASID too. */
void mmu_flush_asid(uint64_t asid)
{
    dsb(ishst);                                 /* table changes before the invalidation */
    __asm__ volatile("tlbi aside1is, %0" : : "r"(asid << 48) : "memory");
    dsb(ish);
    isb();
}
/* ANCHOR_END: user_switch */
