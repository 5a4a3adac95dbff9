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

/* ---- Fault messages ----
 * A thread with a fault handler (TCB_Configure's fault_ep) that faults Calls it: the message's
 * label is the kind of fault (seL4_Fault_tag), and its words are these, in this order (MR
 * numbers). Answering a user exception or an unknown system call with label 0 sets the
 * registers the answer's first words name, in the same order, and restarts the thread. */
typedef enum seL4_Fault_tag {
    seL4_Fault_NullFault = 0,
    seL4_Fault_CapFault = 1,          /* a cptr that named no usable cap */
    seL4_Fault_UnknownSyscall = 2,    /* svc with a number the kernel does not know */
    seL4_Fault_UserException = 3,     /* brk, an undefined instruction, FP, misalignment... */
    seL4_Fault_VMFault = 5            /* an access its address space does not allow */
} seL4_Fault_tag_t;

typedef enum {
    seL4_CapFault_IP,
    seL4_CapFault_Addr,               /* the cptr */
    seL4_CapFault_InRecvPhase,        /* 1: it was the receive of a Recv or ReplyRecv */
    seL4_CapFault_LookupFailureType,  /* a seL4_LookupFailureType; its words follow */
    seL4_CapFault_BitsLeft,
    seL4_CapFault_DepthMismatch_BitsFound,
    seL4_CapFault_GuardMismatch_GuardFound = seL4_CapFault_DepthMismatch_BitsFound,
    seL4_CapFault_GuardMismatch_BitsFound,
    SEL4_FORCE_LONG_ENUM(seL4_CapFault_Msg),
} seL4_CapFault_Msg;

typedef enum {
    seL4_UnknownSyscall_X0,
    seL4_UnknownSyscall_X1,
    seL4_UnknownSyscall_X2,
    seL4_UnknownSyscall_X3,
    seL4_UnknownSyscall_X4,
    seL4_UnknownSyscall_X5,
    seL4_UnknownSyscall_X6,
    seL4_UnknownSyscall_X7,
    seL4_UnknownSyscall_FaultIP,
    seL4_UnknownSyscall_SP,
    seL4_UnknownSyscall_LR,           /* ELR_EL1: the instruction after the svc */
    seL4_UnknownSyscall_SPSR,
    seL4_UnknownSyscall_Syscall,      /* the number it asked for (x7) */
    seL4_UnknownSyscall_Length,
    SEL4_FORCE_LONG_ENUM(seL4_UnknownSyscall_Msg),
} seL4_UnknownSyscall_Msg;

typedef enum {
    seL4_UserException_FaultIP,
    seL4_UserException_SP,
    seL4_UserException_SPSR,
    seL4_UserException_Number,        /* on AArch64: the ESR_EL1 the exception left */
    seL4_UserException_Code,          /* 0 */
    seL4_UserException_Length,
    SEL4_FORCE_LONG_ENUM(seL4_UserException_Msg),
} seL4_UserException_Msg;

typedef enum {
    seL4_VMFault_IP,
    seL4_VMFault_Addr,                /* the address (for an instruction fault: the PC) */
    seL4_VMFault_PrefetchFault,       /* seL4_InstructionFault or seL4_DataFault */
    seL4_VMFault_FSR,                 /* on AArch64: ESR_EL1 */
    seL4_VMFault_Length,
    SEL4_FORCE_LONG_ENUM(seL4_VMFault_Msg),
} seL4_VMFault_Msg;

#endif
