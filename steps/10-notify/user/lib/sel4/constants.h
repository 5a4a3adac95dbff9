/*
 * sel4/constants.h: sizes and limits, seL4's values for AArch64 (non-MCS).
 *
 * Object sizes are given as "bits": an object of size bits n is 2^n bytes and sits at an
 * address that is a multiple of 2^n. Untyped_Retype places objects by that rule.
 */
#ifndef SEL4_CONSTANTS_H
#define SEL4_CONSTANTS_H

#include <sel4/config.h>

/* ---- Object sizes (log2 of bytes) ---- */
#define seL4_PageBits           12   /* a small frame: 4 KiB */
#define seL4_LargePageBits      21   /* a large frame: 2 MiB */
#define seL4_HugePageBits       30   /* a huge frame: 1 GiB (not in this kernel) */
#define seL4_SlotBits           5    /* one CNode slot: 32 bytes */
#define seL4_TCBBits            11   /* seL4's TCB: 2 KiB (this kernel uses 1 KiB of it) */
#define seL4_EndpointBits       4    /* 16 bytes */
#define seL4_NotificationBits   5    /* 32 bytes */
#define seL4_PageTableBits      12   /* 512 entries of 8 bytes */
#define seL4_PageTableEntryBits 3
#define seL4_PageTableIndexBits 9
#define seL4_VSpaceBits         12   /* the top-level table, the same size */
#define seL4_VSpaceEntryBits    3
#define seL4_VSpaceIndexBits    9
#define seL4_NumASIDPoolsBits   7
#define seL4_ASIDPoolBits       12
#define seL4_ASIDPoolIndexBits  9
#define seL4_IOPageTableBits    12
#define seL4_ARM_VCPUBits       12
#define seL4_VCPUBits           12
#define seL4_WordSizeBits       3    /* a word is 2^3 bytes */
#define seL4_WordBits           (sizeof(seL4_Word) * 8)
#define seL4_MinUntypedBits     4    /* the smallest untyped: 16 bytes */
#define seL4_MaxUntypedBits     47   /* the largest seL4 allows (this kernel: 2^32) */

/* A CNode of 2^n slots is retyped with size_bits = n and takes 2^(n + seL4_SlotBits) bytes. */

/* ---- Messages ---- */
enum seL4_MsgLimits {
    seL4_MsgLengthBits = 7,          /* the width of msginfo's length field */
    seL4_MsgExtraCapBits = 2,        /* the width of msginfo's extraCaps field */
    seL4_MsgMaxLength = 120          /* message registers in all: MR0..MR119 */
};
#define seL4_MsgMaxExtraCaps      (LIBSEL4_BIT(seL4_MsgExtraCapBits) - 1)  /* 3 */
#define seL4_FastMessageRegisters 4  /* MR0-MR3 travel in x2-x5 */
#define seL4_IPCBufferSizeBits    10 /* the IPC buffer: 1 KiB */

/* ---- Capabilities ---- */
#define seL4_CapRightsBits  4
#define seL4_GuardSizeBits  6        /* a CNode cap's guard size field */
#define seL4_GuardBits      58       /* a CNode cap's guard field */
#define seL4_BadgeBits      64
#define seL4_NilData        0        /* "no badge / no guard change" */
#define seL4_UntypedRetypeMaxObjects CONFIG_RETYPE_FAN_OUT_LIMIT

/* ---- Scheduling ---- */
enum priorityConstants {
    seL4_InvalidPrio = -1,
    seL4_MinPrio = 0,
    seL4_MaxPrio = CONFIG_NUM_PRIORITIES - 1  /* 255: the root task starts here */
};

/* ---- Address space ----
 * seL4's last user address. This kernel's address spaces are smaller (39 bits: up to
 * 0x7f_ffffffff); a mapping above that is refused with seL4_RangeError. */
#define seL4_UserTop       0x00007fffffffffff
#define seL4_UserVSpaceTop seL4_UserTop

/* ---- Faults (the fault kind a VM-fault message reports) ---- */
#define seL4_DataFault        0
#define seL4_InstructionFault 1

#endif
