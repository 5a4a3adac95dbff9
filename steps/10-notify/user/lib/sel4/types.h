/*
 * sel4/types.h: the types every seL4 program is written in, named and laid out as in seL4's
 * libsel4 for AArch64 (non-MCS).
 *
 * Everything the kernel and a program exchange is made of 64-bit words: a capability pointer
 * (cptr) is a word, a message is words, a register set is words. The names below only say
 * which kind of word a value is, so that a reader of `seL4_TCB tcb` knows the number names a
 * thread's capability. Numbers that both sides must agree on (errors, object types, system
 * call numbers) are here too; sizes and limits are in sel4/constants.h.
 */
#ifndef SEL4_TYPES_H
#define SEL4_TYPES_H

#include <sel4/config.h>

/* seL4 forces some enums to be as wide as a long (8 bytes), by giving them one member with
 * the largest positive long. Generated code relies on sizeof(seL4_ARM_VMAttributes) == 8. */
#define SEL4_FORCE_LONG_ENUM(type) \
    _enum_pad_##type = ((1ULL << ((sizeof(long) * 8) - 1)) - 1)

#define LIBSEL4_BIT(n) (1ul << (n))

/* ---- Integers. On AArch64 a long is 64 bits, and seL4 builds its 64-bit type on it. ---- */
typedef signed char        seL4_Int8;
typedef unsigned char      seL4_Uint8;
typedef signed short       seL4_Int16;
typedef unsigned short     seL4_Uint16;
typedef signed int         seL4_Int32;
typedef unsigned int       seL4_Uint32;
typedef signed long        seL4_Int64;
typedef unsigned long      seL4_Uint64;

typedef seL4_Int8          seL4_Bool;       /* seL4_True or seL4_False */
#define seL4_True  1
#define seL4_False 0
#define seL4_Null  ((void *)0)

typedef seL4_Uint64        seL4_Word;       /* the machine word: registers, message words */
typedef seL4_Word          seL4_CPtr;       /* a capability pointer: where in a CSpace a cap is */

_Static_assert(sizeof(seL4_Word) == 8, "seL4_Word is 64 bits");
_Static_assert(sizeof(seL4_Uint32) == 4 && sizeof(seL4_Uint16) == 2, "integer sizes");

typedef seL4_Word          seL4_NodeId;     /* which core: always 0 here */
typedef seL4_Word          seL4_PAddr;      /* a physical address */
typedef seL4_Word          seL4_Domain;     /* a scheduling domain: always 0 here */
typedef seL4_Word          seL4_SlotPos;    /* a slot number in a CNode */
typedef seL4_Uint64        seL4_Time;

/* Capability pointers, named for the object they are expected to name. All are cptrs: the
 * kernel checks the object's real type when the cap is invoked. */
typedef seL4_CPtr seL4_CNode;
typedef seL4_CPtr seL4_IRQHandler;
typedef seL4_CPtr seL4_IRQControl;
typedef seL4_CPtr seL4_TCB;
typedef seL4_CPtr seL4_Untyped;
typedef seL4_CPtr seL4_DomainSet;
typedef seL4_CPtr seL4_SchedContext;
typedef seL4_CPtr seL4_SchedControl;
typedef seL4_CPtr seL4_ARM_Page;            /* a frame, 4 KiB or 2 MiB */
typedef seL4_CPtr seL4_ARM_PageTable;
typedef seL4_CPtr seL4_ARM_PageDirectory;
typedef seL4_CPtr seL4_ARM_VSpace;          /* the top-level table of an address space */
typedef seL4_CPtr seL4_ARM_ASIDControl;
typedef seL4_CPtr seL4_ARM_ASIDPool;
typedef seL4_CPtr seL4_ARM_VCPU;
typedef seL4_CPtr seL4_ARM_IOSpace;
typedef seL4_CPtr seL4_ARM_IOPageTable;
typedef seL4_CPtr seL4_ARM_SMC;

/* ---- System call numbers: `svc #0` with one of these in x7. ---- */
typedef enum {
    seL4_SysCall = -1,                /* send, then wait for the answer (invocations use it) */
    seL4_SysReplyRecv = -2,           /* answer the last caller, then wait for the next */
    seL4_SysSend = -3,
    seL4_SysNBSend = -4,              /* send if someone waits, else drop the message */
    seL4_SysRecv = -5,
    seL4_SysReply = -6,
    seL4_SysYield = -7,
    seL4_SysNBRecv = -8,              /* receive if something is there, else return at once */
    seL4_SysDebugPutChar = -9,        /* CONFIG_PRINTING: one character to the kernel's console */
    seL4_SysDebugDumpScheduler = -10,
    /* A debug build's call (CONFIG_DEBUG_BUILD) that names a thread: this kernel always has
     * it, at a debug build's number. */
    seL4_SysDebugNameThread = -14,
    /* A benchmark build's call (CONFIG_ENABLE_BENCHMARKS) that enters the kernel and leaves:
     * this kernel always has it. -11..-21 are debug and benchmark calls it does not have
     * (-14 apart). */
    seL4_SysBenchmarkNullSyscall = -22,
    SEL4_FORCE_LONG_ENUM(seL4_Syscall_ID)
} seL4_Syscall_ID;

/* ---- Errors: an invocation's answer carries one in its label; details follow in MR0... ---- */
typedef enum {
    seL4_NoError = 0,
    seL4_InvalidArgument,             /* 1: MR0 = which argument */
    seL4_InvalidCapability,           /* 2: MR0 = which cap (0 the invoked one, 1.. extra ones) */
    seL4_IllegalOperation,            /* 3 */
    seL4_RangeError,                  /* 4: MR0, MR1 = the least and greatest allowed */
    seL4_AlignmentError,              /* 5 */
    seL4_FailedLookup,                /* 6: MR0 = 1 if a source lookup failed; then the failure */
    seL4_TruncatedMessage,            /* 7: fewer words or caps than the method needs */
    seL4_DeleteFirst,                 /* 8: the destination slot is not empty */
    seL4_RevokeFirst,                 /* 9: the object is still in use */
    seL4_NotEnoughMemory,             /* 10: MR0 = bytes left in the untyped */
    seL4_NumErrors                    /* 11: how many there are */
} seL4_Error;

/* Why a cptr lookup failed (the word after MR0 in a FailedLookup answer). */
typedef enum {
    seL4_NoFailure = 0,
    seL4_InvalidRoot,                 /* 1: the root cap is not a CNode */
    seL4_MissingCapability,           /* 2: a slot on the way was empty; then bitsLeft */
    seL4_DepthMismatch,               /* 3: ran past or short of the depth; bitsLeft, bitsFound */
    seL4_GuardMismatch,               /* 4: the cptr's bits did not match a guard */
    SEL4_FORCE_LONG_ENUM(seL4_LookupFailureType),
} seL4_LookupFailureType;

/* ---- Object types: Untyped_Retype's `type` argument. ----
 * Three enums follow one another, as in seL4: the kinds every architecture has, then the
 * AArch64 ones, then the Arm ones, each starting where the previous one stopped. */
typedef enum api_object {
    seL4_UntypedObject,               /* 0 */
    seL4_TCBObject,                   /* 1 */
    seL4_EndpointObject,              /* 2 */
    seL4_NotificationObject,          /* 3 */
    seL4_CapTableObject,              /* 4: a CNode; size_bits = log2 of its slots */
    seL4_NonArchObjectTypeCount,      /* 5 */
} seL4_ObjectType;

typedef enum _mode_object {
    seL4_ARM_HugePageObject = seL4_NonArchObjectTypeCount,  /* 5: 1 GiB frame (refused here) */
    seL4_ARM_VSpaceObject,            /* 6: an address space's top-level table */
    seL4_ModeObjectTypeCount          /* 7 */
} seL4_ModeObjectType;

typedef enum _object {
    seL4_ARM_SmallPageObject = seL4_ModeObjectTypeCount,    /* 7: 4 KiB frame */
    seL4_ARM_LargePageObject,         /* 8: 2 MiB frame */
    seL4_ARM_PageTableObject,         /* 9 */
    seL4_ObjectTypeCount              /* 10 */
} seL4_ArchObjectType;

typedef seL4_Word api_object_t;
typedef seL4_Word object_t;

/* Types of configurations this kernel is not: numbers that name no real type. */
#define seL4_ARM_VCPUObject        0xfffe
#define seL4_ARM_IOPageTableObject 0xffff

/* ---- How a frame is mapped (Page_Map's and PageTable_Map's `attr`). ---- */
typedef enum {
    seL4_ARM_PageCacheable = 0x01,    /* normal cached memory (else uncached, device-like) */
    seL4_ARM_ParityEnabled = 0x02,    /* meaningless on AArch64, kept for the number */
    seL4_ARM_Default_VMAttributes = 0x03,
    seL4_ARM_ExecuteNever = 0x04,     /* no instruction may be fetched from the frame */
    SEL4_FORCE_LONG_ENUM(seL4_ARM_VMAttributes),
} seL4_ARM_VMAttributes;

typedef enum {
    seL4_ARM_CacheI = 1,
    seL4_ARM_CacheD = 2,
    seL4_ARM_CacheID = 3,
    SEL4_FORCE_LONG_ENUM(seL4_ARM_CacheType),
} seL4_ARM_CacheType;

/* ---- A thread's registers, as TCB_ReadRegisters and TCB_WriteRegisters carry them. ----
 * The order is seL4's, not the kernel's trap frame: first the 17 "frame" registers (those a
 * system call or fault touches), then the 17 other integer registers, then the two thread-ID
 * registers. A `count` of n in those calls means the first n words of this struct. */
typedef struct seL4_UserContext_ {
    seL4_Word pc, sp, spsr, x0, x1, x2, x3, x4, x5, x6, x7, x8, x16, x17, x18, x29, x30;
    seL4_Word x9, x10, x11, x12, x13, x14, x15, x19, x20, x21, x22, x23, x24, x25, x26, x27, x28;
    seL4_Word tpidr_el0, tpidrro_el0;
} seL4_UserContext;

_Static_assert(sizeof(seL4_UserContext) == 36 * sizeof(seL4_Word), "seL4_UserContext: 36 words");

/* The eight argument registers of an SMC call (ARM_SMC_Call, not in this kernel). */
typedef struct seL4_ARM_SMCContext_ {
    seL4_Word x0, x1, x2, x3, x4, x5, x6, x7;
} seL4_ARM_SMCContext;

#include <sel4/constants.h>
#include <sel4/bitfields.h>
#include <sel4/invocation.h>

/* ---- The IPC buffer: one per thread, 1 KiB, in the thread's own memory. ----
 * A message's first four words travel in registers x2-x5; the rest, and the cptrs of the caps
 * sent with it, travel here. The kernel reads and writes it through its own mapping of the
 * frame, so it must be a frame the thread was given with TCB_Configure or SetIPCBuffer. */
typedef struct seL4_IPCBuffer_ {
    seL4_MessageInfo_t tag;
    seL4_Word msg[seL4_MsgMaxLength];        /* message registers MR0..MR119 (MR0-3 unused) */
    seL4_Word userData;                      /* free for the program: the kernel never looks */
    seL4_Word caps_or_badges[seL4_MsgMaxExtraCaps];  /* caps to send; badges received */
    seL4_CPtr receiveCNode;                  /* where a received cap goes: CNode, */
    seL4_CPtr receiveIndex;                  /*   slot within it, */
    seL4_Word receiveDepth;                  /*   and how many bits of the index to use */
} seL4_IPCBuffer __attribute__((__aligned__(sizeof(struct seL4_IPCBuffer_))));

_Static_assert(sizeof(seL4_IPCBuffer) == LIBSEL4_BIT(seL4_IPCBufferSizeBits),
               "seL4_IPCBuffer is 1 KiB");

#endif
