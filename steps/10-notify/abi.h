/*
 * abi.h: every number a user program is compiled with, as seL4 defines it for AArch64 (non-MCS,
 * one core). A program built against seL4's own libsel4 uses these numbers, so they must be
 * seL4's exactly: system calls, invocation labels, object types, error codes, the message-info
 * word, rights, the initial CSpace's slots, and the layouts of BootInfo, the IPC buffer and
 * seL4_UserContext. host/test_abi.c prints them next to the values recorded from seL4's headers.
 *
 * User programs have user/lib/, named as libsel4 is (they see this file only through
 * syscall.h, for the system-call numbers). The kernel has its own copy of the numbers, and
 * the host check holds both to seL4's.
 */
#ifndef ABI_H
#define ABI_H

#include <stdint.h>

/* ANCHOR: syscalls */
/* System calls: `svc #0` with the number in x7 (seL4_Syscall_ID). */
enum syscall {
    SYS_CALL = -1,                 /* invoke a cap and wait for the answer */
    SYS_REPLY_RECV = -2,           /* step 09 */
    SYS_SEND = -3,                 /* invoke a cap, no answer */
    SYS_NB_SEND = -4,              /* step 09 */
    SYS_RECV = -5,                 /* step 09 */
    SYS_REPLY = -6,                /* step 09 */
    SYS_YIELD = -7,
    SYS_NB_RECV = -8,              /* step 09 */
    SYS_DEBUG_PUT_CHAR = -9,
    SYS_DEBUG_DUMP_SCHEDULER = -10,    /* step 10: the console's `ps` (debug.c) */
    SYS_DEBUG_NAME_THREAD = -14,   /* a debug build's call in seL4; always here (step 10) */
    SYS_BENCHMARK_NULL_SYSCALL = -22,  /* a benchmark build's call in seL4; always here */
    SYS_DEBUG_THREAD_ID = -100,        /* ours, not seL4's (step 10): debug.c */
};
/* ANCHOR_END: syscalls */

/* ANCHOR: labels */
/* Invocation labels (seL4's enum invocation_label, then the aarch64 and arm ones after it).
 * A method this kernel leaves out keeps its number and answers IllegalOperation. */
enum label {
    INVALID_INVOCATION = 0,
    UNTYPED_RETYPE = 1,
    TCB_READ_REGISTERS = 2, TCB_WRITE_REGISTERS = 3, TCB_COPY_REGISTERS = 4,
    TCB_CONFIGURE = 5, TCB_SET_PRIORITY = 6, TCB_SET_MC_PRIORITY = 7,
    TCB_SET_SCHED_PARAMS = 8, TCB_SET_IPC_BUFFER = 9, TCB_SET_SPACE = 10,
    TCB_SUSPEND = 11, TCB_RESUME = 12, TCB_BIND_NOTIFICATION = 13,
    TCB_UNBIND_NOTIFICATION = 14, TCB_SET_TLS_BASE = 15, TCB_SET_FLAGS = 16,
    CNODE_REVOKE = 17, CNODE_DELETE = 18, CNODE_CANCEL_BADGED_SENDS = 19, CNODE_COPY = 20,
    CNODE_MINT = 21, CNODE_MOVE = 22, CNODE_MUTATE = 23, CNODE_ROTATE = 24,
    CNODE_SAVE_CALLER = 25,
    IRQ_ISSUE_IRQ_HANDLER = 26, IRQ_ACK_IRQ = 27, IRQ_SET_IRQ_HANDLER = 28,
    IRQ_CLEAR_IRQ_HANDLER = 29,
    DOMAIN_SET_SET = 30, DOMAIN_SCHEDULE_CONFIGURE = 31, DOMAIN_SCHEDULE_SET_START = 32,
    ARM_VSPACE_CLEAN_DATA = 33, ARM_VSPACE_INVALIDATE_DATA = 34,
    ARM_VSPACE_CLEAN_INVALIDATE_DATA = 35, ARM_VSPACE_UNIFY_INSTRUCTION = 36,
    ARM_SMC_CALL = 37,
    ARM_PAGE_TABLE_MAP = 38, ARM_PAGE_TABLE_UNMAP = 39,
    ARM_PAGE_MAP = 40, ARM_PAGE_UNMAP = 41, ARM_PAGE_CLEAN_DATA = 42,
    ARM_PAGE_INVALIDATE_DATA = 43, ARM_PAGE_CLEAN_INVALIDATE_DATA = 44,
    ARM_PAGE_UNIFY_INSTRUCTION = 45, ARM_PAGE_GET_ADDRESS = 46,
    ARM_ASID_CONTROL_MAKE_POOL = 47, ARM_ASID_POOL_ASSIGN = 48,
    ARM_IRQ_ISSUE_IRQ_HANDLER_TRIGGER = 49, ARM_IRQ_ISSUE_SGI_SIGNAL = 50,
    LABEL_COUNT = 51,
};
/* ANCHOR_END: labels */

/* ANCHOR: object_types */
/* Object types, the Retype `type` argument (seL4_ObjectType, then the aarch64 and arm ones). */
enum object_type {
    OBJ_UNTYPED = 0, OBJ_TCB = 1, OBJ_ENDPOINT = 2, OBJ_NOTIFICATION = 3, OBJ_CNODE = 4,
    OBJ_HUGE_PAGE = 5,             /* 1 GiB frames: left out, refused */
    OBJ_VSPACE = 6, OBJ_SMALL_PAGE = 7, OBJ_LARGE_PAGE = 8, OBJ_PAGE_TABLE = 9,
    OBJ_TYPE_COUNT = 10,
};
/* ANCHOR_END: object_types */

/* ANCHOR: errors */
/* Errors, returned in the answer's label (seL4_Error); the detail words follow in MR0... */
enum error {
    E_NONE = 0,
    E_INVALID_ARGUMENT = 1,        /* MR0: which argument */
    E_INVALID_CAPABILITY = 2,      /* MR0: which cap (0 the invoked one, 1-3 the extra ones) */
    E_ILLEGAL_OPERATION = 3,
    E_RANGE = 4,                   /* MR0, MR1: the least and greatest allowed */
    E_ALIGNMENT = 5,
    E_FAILED_LOOKUP = 6,           /* MR0: 1 if a source; then the lookup failure */
    E_TRUNCATED_MESSAGE = 7,       /* fewer words or caps than the method needs */
    E_DELETE_FIRST = 8,            /* the destination slot is not empty */
    E_REVOKE_FIRST = 9,            /* the object is still in use */
    E_NOT_ENOUGH_MEMORY = 10,      /* MR0: bytes left in the untyped */
};

/* Why a lookup failed (seL4_LookupFailureType), and the words each kind carries. */
enum lookup_failure {
    LOOKUP_NO_FAILURE = 0,
    LOOKUP_INVALID_ROOT = 1,       /* -                          */
    LOOKUP_MISSING_CAPABILITY = 2, /* bitsLeft                   */
    LOOKUP_DEPTH_MISMATCH = 3,     /* bitsLeft, bitsFound        */
    LOOKUP_GUARD_MISMATCH = 4,     /* bitsLeft, guard, guardSize */
};
/* ANCHOR_END: errors */

/* ANCHOR: faults */
/* Step 10: a fault message's label, the kind of fault (seL4_Fault_tag), and where each word
 * of the message goes (seL4_CapFault_*, seL4_UnknownSyscall_*, seL4_UserException_*,
 * seL4_VMFault_*: MR numbers). The words after a cap fault's MR3 depend on the lookup
 * failure (abi.h's enum lookup_failure, which MR3 holds): bitsLeft, then bitsFound (depth
 * mismatch) or guardFound and the guard's size (guard mismatch). */
enum fault_type {
    FAULT_NONE = 0,
    FAULT_CAP = 1,                 /* MR0 IP, MR1 cptr, MR2 in receive phase, MR3 lookup failure */
    FAULT_UNKNOWN_SYSCALL = 2,     /* MR0-7 x0-x7, MR8 FaultIP, MR9 SP, MR10 LR (ELR), MR11 SPSR,
                                      MR12 the number */
    FAULT_USER_EXCEPTION = 3,      /* MR0 FaultIP, MR1 SP, MR2 SPSR, MR3 number (ESR), MR4 code */
    FAULT_VM = 5,                  /* MR0 IP, MR1 address, MR2 prefetch (instruction), MR3 FSR */
};
#define FAULT_CAP_LENGTH             4   /* before the lookup failure's own words */
#define FAULT_UNKNOWN_SYSCALL_LENGTH 13
#define FAULT_USER_EXCEPTION_LENGTH  5
#define FAULT_VM_LENGTH              4
/* ANCHOR_END: faults */

/* ANCHOR: msginfo */
/* The message-info word (seL4_MessageInfo): label 63:12, capsUnwrapped 11:9, extraCaps 8:7,
 * length 6:0 (message registers, at most 120). */
#define MSG_MAX_LENGTH     120
#define MSG_MAX_EXTRA_CAPS 3
static inline uint64_t msginfo(uint64_t label, uint64_t unwrapped, uint64_t caps, uint64_t len)
{
    return label << 12 | (unwrapped & 7) << 9 | (caps & 3) << 7 | (len & 0x7f);
}
static inline uint64_t msginfo_label(uint64_t i)   { return i >> 12; }
static inline uint64_t msginfo_caps(uint64_t i)    { return (i >> 7) & 3; }
static inline uint64_t msginfo_length(uint64_t i)  { return i & 0x7f; }

/* Rights (seL4_CapRights): bit 0 Write, 1 Read, 2 Grant, 3 GrantReply. */
#define RIGHT_WRITE        1u
#define RIGHT_READ         2u
#define RIGHT_GRANT        4u
#define RIGHT_GRANT_REPLY  8u
#define RIGHTS_ALL         15u

/* A CNode cap's data word for Mint (seL4_CNode_CapData): guard 63:6, guard size 5:0. */
#define CNODE_DATA_GUARD(d)      ((d) >> 6)
#define CNODE_DATA_GUARD_SIZE(d) ((d) & 0x3f)

/* Frame attributes of Page_Map (seL4_ARM_VMAttributes). */
#define VM_ATTR_CACHEABLE        1u
#define VM_ATTR_EXECUTE_NEVER    4u
/* ANCHOR_END: msginfo */

/* ANCHOR: slots */
/* The initial CSpace of init (seL4_RootCNodeCapSlots). Slots this kernel has nothing for
 * (ASID control, I/O ports, SMMU, scheduling context, SMC, domain) stay empty. */
enum initial_slot {
    SLOT_NULL = 0, SLOT_TCB = 1, SLOT_CNODE = 2, SLOT_VSPACE = 3, SLOT_IRQ_CONTROL = 4,
    SLOT_ASID_CONTROL = 5, SLOT_ASID_POOL = 6, SLOT_IO_PORT_CONTROL = 7, SLOT_IO_SPACE = 8,
    SLOT_BOOTINFO_FRAME = 9, SLOT_IPC_BUFFER = 10, SLOT_DOMAIN = 11,
    SLOT_SMMU_SID_CONTROL = 12, SLOT_SMMU_CB_CONTROL = 13, SLOT_SC = 14, SLOT_SMC = 15,
    SLOT_FIRST_FREE = 16,
};
#define ROOT_CNODE_BITS    12      /* init's CNode: 4096 slots */
/* ANCHOR_END: slots */

/* ANCHOR: bootinfo */
/* BootInfo: one page, at the page after the IPC buffer, which is the page after the image;
 * x0 holds its address when init starts. The layout is seL4_BootInfo's, field for field. */
#define BOOTINFO_MAX_UNTYPED 230

struct slot_region { uint64_t start, end; };          /* slots [start, end) */
struct untyped_desc {
    uint64_t paddr;
    uint8_t size_bits;
    uint8_t is_device;
    uint8_t padding[6];
};
struct bootinfo {
    uint64_t extra_len;                /* bytes of chunks after this page: 0, init 56 (its fb) */
    uint64_t node_id;                  /* one core: 0 */
    uint64_t num_nodes;                /* 1 */
    uint64_t num_io_pt_levels;         /* no IOMMU: 0 */
    uint64_t ipc_buffer;               /* init's IPC buffer, a user address */
    struct slot_region empty;          /* free slots of init's CNode */
    struct slot_region shared_frames;  /* none */
    struct slot_region user_image_frames;  /* one cap per page of the image region */
    struct slot_region user_image_paging;  /* the page tables mapping it */
    struct slot_region io_space_caps;  /* none */
    struct slot_region extra_bi_pages; /* the frames holding those chunks */
    uint64_t init_thread_cnode_size_bits;
    uint64_t init_thread_domain;       /* 0 */
    struct slot_region untyped;        /* the untyped caps, in untyped_list's order */
    struct untyped_desc untyped_list[BOOTINFO_MAX_UNTYPED];
};
_Static_assert(sizeof(struct bootinfo) == 3848, "seL4_BootInfo is 3848 bytes");
_Static_assert(__builtin_offsetof(struct bootinfo, untyped) == 152, "BootInfo.untyped at 152");
_Static_assert(__builtin_offsetof(struct bootinfo, untyped_list) == 168, "untypedList at 168");
_Static_assert(sizeof(struct untyped_desc) == 16, "seL4_UntypedDesc is 16 bytes");

/* The IPC buffer (seL4_IPCBuffer): 1 KiB, where message words 4..119 and the extra caps'
 * cptrs travel (words 0-3 travel in x2-x5). */
struct ipc_buffer {
    uint64_t tag;
    uint64_t msg[MSG_MAX_LENGTH];
    uint64_t user_data;
    uint64_t caps_or_badges[MSG_MAX_EXTRA_CAPS];
    uint64_t receive_cnode, receive_index, receive_depth;
};
_Static_assert(sizeof(struct ipc_buffer) == 1024, "seL4_IPCBuffer is 1024 bytes");
_Static_assert(__builtin_offsetof(struct ipc_buffer, caps_or_badges) == 976, "caps at 976");
#define IPC_BUFFER_BITS 10

/* seL4_UserContext: the registers TCB_ReadRegisters and WriteRegisters carry, in this order
 * (not the trap frame's: tcb.c converts). */
enum user_context_reg {
    UC_PC, UC_SP, UC_SPSR, UC_X0, UC_X1, UC_X2, UC_X3, UC_X4, UC_X5, UC_X6, UC_X7, UC_X8,
    UC_X16, UC_X17, UC_X18, UC_X29, UC_X30,
    UC_X9, UC_X10, UC_X11, UC_X12, UC_X13, UC_X14, UC_X15,
    UC_X19, UC_X20, UC_X21, UC_X22, UC_X23, UC_X24, UC_X25, UC_X26, UC_X27, UC_X28,
    UC_TPIDR_EL0, UC_TPIDRRO_EL0,
    UC_COUNT,                      /* 36 words, 288 bytes */
};
/* ANCHOR_END: bootinfo */

/* ANCHOR: bootinfo_extra */
/*
 * Extra BootInfo, seL4's way of passing what a platform knows at boot (the device tree on Arm,
 * the framebuffer and memory map on x86): when extra_len > 0, chunks follow the BootInfo page,
 * at BootInfo + 4096, extra_len bytes in all, on the frames extra_bi_pages names. Each chunk
 * is a header, then len - 16 bytes of its own; a program walks them by len and skips the ids
 * it does not know, so one that never looks there sees nothing else change.
 */
struct bootinfo_header {               /* seL4_BootInfoHeader */
    uint64_t id;                       /* what the chunk holds (seL4_BootInfoID) */
    uint64_t len;                      /* bytes of the chunk, this header included */
};
_Static_assert(sizeof(struct bootinfo_header) == 16, "seL4_BootInfoHeader is 16 bytes");

/*
 * Ours: the framebuffer the kernel asked the firmware for (fb.c), which init gets as device
 * untypeds covering exactly its pages (paddr to paddr + size, rounded out to pages). seL4's ids are 0 (padding) to 6 (FDT), numbered up from
 * 0, and seL4 appends new ones at the end of that list (SEL4_BOOTINFO_HEADER_NUM is 7 today);
 * its x86 framebuffer id, 4, carries multiboot2's layout, which this is not. So ours is far
 * above anything seL4 will reach by counting: 0x6266, the bytes 'f' 'b' in a hexdump.
 */
#define BOOTINFO_HEADER_FRAMEBUFFER 0x6266
struct bootinfo_framebuffer {
    uint64_t paddr;                    /* physical address of pixel (0, 0) */
    uint64_t size;                     /* bytes of the buffer, from paddr */
    uint32_t width, height;            /* visible pixels */
    uint32_t pitch;                    /* bytes from one row to the next */
    uint32_t depth;                    /* bits per pixel: 32 */
    uint32_t pixel_order;              /* 0: pixel word 0x00RRGGBB; 1: 0x00BBGGRR */
    uint32_t reserved;                 /* 0: the chunk stays a whole number of words */
};
_Static_assert(sizeof(struct bootinfo_framebuffer) == 40, "the framebuffer chunk: 40 bytes");
/* ANCHOR_END: bootinfo_extra */

#endif
