/*
 * mmu.h: the kernel's address space.
 *
 * The kernel lives in the upper half (TTBR1_EL1). All of physical memory that matters, RAM and
 * peripherals, is mapped once at KBASE + PA (the "linear map"), so a physical address becomes
 * a pointer by adding KBASE. The lower half (TTBR0_EL1) is for user programs (step 07); during
 * boot it holds an identity map, removed as soon as the kernel runs at its high addresses.
 */
#ifndef MMU_H
#define MMU_H

#include "sysregs.h"

/* ANCHOR: kbase */
#define KBASE            UL(0xFFFFFF8000000000)   /* VA of physical address 0 */
#define VA_BITS          39                       /* 512 GiB per half: T0SZ = T1SZ = 64 - 39 */
#define PAGE_SIZE        UL(4096)
#define BLOCK_SIZE       UL(0x200000)             /* a level-2 block: 2 MiB */

#define PERIPH_PA        UL(0x3F000000)           /* BCM2837 peripherals, to 0x3FFFFFFF */
#define LOCAL_PA         UL(0x40000000)           /* the per-core local controller, 256 KiB */

#ifndef __ASSEMBLY__
/* A pointer to physical address pa, through the linear map. */
#define PHYS_TO_VIRT(pa) ((void *)((uintptr_t)(pa) + KBASE))
/* ANCHOR_END: kbase */

/* ANCHOR: kva_to_pa */
/* The physical address of a kernel object. Before the MMU is on, the kernel runs at its
 * physical addresses and `&x` is already physical (adrp is PC-relative); afterwards it is a
 * linear-map address. Both come out right. */
static inline uint64_t kva_to_pa(const volatile void *p)
{
    uint64_t a = (uint64_t)(uintptr_t)p;
    return a >= KBASE ? a - KBASE : a;
}
/* ANCHOR_END: kva_to_pa */

/* ANCHOR: mmu_api */
void mmu_build_tables(void);           /* boot.S, MMU off: build every table */
void mmu_enable(void);                 /* boot.S, MMU off: turn on the MMU and the caches */
void mmu_drop_identity(void);          /* boot.S, at the high addresses: empty the lower half */
int mmu_map_framebuffer(uint64_t pa, uint64_t size);   /* make the framebuffer non-cacheable */
/* ANCHOR_END: mmu_api */

/* ANCHOR: mmu_user_api */
/* A user address space's tables (step 07): an L1 table of its own, reached through TTBR0.
 * From step 08 every table is an object a program made and mapped (vspace.c). */
#include <stdbool.h>
#include <stdint.h>
typedef uint64_t pte_t;
#define MMU_USER_R       1u                       /* the rights of a user page */
#define MMU_USER_W       2u
#define MMU_USER_X       4u
/* The descriptor fields vspace.c reads too (mmu.c has the others, Arm ARM D5.3). */
#define PTE_VALID        (UL(1) << 0)     /* bit 0: the entry is used */
#define PTE_TYPE_MASK    UL(0x3)
#define PTE_TYPE_TABLE   UL(0x3)          /* 11 at level 1 or 2: points to the next table */
#define PTE_ADDR_MASK    UL(0x0000FFFFFFFFF000)  /* output address, bits 47:12 */
#define PT_ENTRIES       512              /* 4 KiB table / 8-byte descriptors */
pte_t mmu_user_entry(uint64_t pa, unsigned rights, unsigned level, bool device, bool cached);
pte_t *mmu_user_walk(uint64_t l1_pa, uint64_t va, unsigned *level);
void mmu_user_set(pte_t *e, pte_t d, uint64_t asid, uint64_t va);  /* + TLB upkeep */
void mmu_switch_user(uint64_t ttbr0);  /* TTBR0 := tables | ASID << 48, or 0: no lower half */
void mmu_flush_asid(uint64_t asid);    /* every TLB entry tagged with asid, on every core */
/* ANCHOR_END: mmu_user_api */
#endif

#endif
