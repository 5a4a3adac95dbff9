/*
 * sel4/bootinfo.h: what the kernel tells the root task when it starts it.
 *
 * The root task (the first and only program the kernel starts) begins with x0 holding the
 * address of a seL4_BootInfo page, and every other register 0, the stack pointer included.
 * The page lists what its CSpace holds: fixed caps in slots 0-15 (seL4_RootCNodeCapSlots),
 * then regions of slots given as [start, end): the frames of its own image, the page tables
 * that map them, the untyped memory it may retype, and the empty slots it may fill.
 */
#ifndef SEL4_BOOTINFO_H
#define SEL4_BOOTINFO_H

#include <sel4/types.h>

/* The root task's first slots. Those this kernel has nothing for (ASID control, I/O ports,
 * I/O space, domains, SMMU, scheduling context, SMC) hold null caps. */
enum seL4_RootCNodeCapSlots {
    seL4_CapNull = 0,                 /* always empty: cptr 0 names nothing */
    seL4_CapInitThreadTCB = 1,        /* the root task's own thread */
    seL4_CapInitThreadCNode = 2,      /* its CSpace's root CNode (2^12 slots) */
    seL4_CapInitThreadVSpace = 3,     /* its address space */
    seL4_CapIRQControl = 4,           /* the right to claim interrupts */
    seL4_CapASIDControl = 5,
    seL4_CapInitThreadASIDPool = 6,
    seL4_CapIOPortControl = 7,
    seL4_CapIOSpace = 8,
    seL4_CapBootInfoFrame = 9,        /* the frame holding seL4_BootInfo */
    seL4_CapInitThreadIPCBuffer = 10, /* the frame holding its IPC buffer */
    seL4_CapDomain = 11,
    seL4_CapSMMUSIDControl = 12,
    seL4_CapSMMUCBControl = 13,
    seL4_CapInitThreadSC = 14,
    seL4_CapSMC = 15,
    seL4_NumInitialCaps = 16          /* the first slot of the regions below */
};
#define seL4_CapInitThreadPD seL4_CapInitThreadVSpace   /* its older name */

/* Slots [start, end): `end` is the first slot after the region. */
typedef struct seL4_SlotRegion {
    seL4_SlotPos start;
    seL4_SlotPos end;
} seL4_SlotRegion;

/* One untyped cap of bootinfo's `untyped` region: where its memory is and how big. A device
 * untyped covers device registers, and can only be retyped into frames. */
typedef struct seL4_UntypedDesc {
    seL4_Word paddr;                  /* physical address of its first byte */
    seL4_Uint8 sizeBits;              /* it is 2^sizeBits bytes */
    seL4_Uint8 isDevice;              /* 1: device memory */
    seL4_Uint8 padding[sizeof(seL4_Word) - 2 * sizeof(seL4_Uint8)];
} seL4_UntypedDesc;

_Static_assert(sizeof(seL4_UntypedDesc) == 2 * sizeof(seL4_Word), "seL4_UntypedDesc: 2 words");

typedef struct seL4_BootInfo {
    seL4_Word extraLen;               /* bytes of extra information after this page */
    seL4_NodeId nodeID;               /* which core: 0 */
    seL4_Word numNodes;               /* how many cores run seL4: 1 */
    seL4_Word numIOPTLevels;          /* IOMMU page-table levels: 0, no IOMMU */
    seL4_IPCBuffer *ipcBuffer;        /* the root task's IPC buffer (pass to seL4_SetIPCBuffer) */
    seL4_SlotRegion empty;            /* empty slots, free for the root task to use */
    seL4_SlotRegion sharedFrames;     /* none */
    seL4_SlotRegion userImageFrames;  /* one frame cap per page of its image, lowest first */
    seL4_SlotRegion userImagePaging;  /* the page tables mapping the image */
    seL4_SlotRegion ioSpaceCaps;      /* none */
    seL4_SlotRegion extraBIPages;     /* the frames holding the extra information */
    seL4_Word initThreadCNodeSizeBits;    /* its root CNode has 2^this slots: 12 */
    seL4_Domain initThreadDomain;     /* 0 */
    seL4_SlotRegion untyped;          /* the untyped caps, described by untypedList in order */
    seL4_UntypedDesc untypedList[CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS];
} seL4_BootInfo;

/* The BootInfo page; it must hold the whole structure. */
#define seL4_BootInfoFrameBits seL4_PageBits
#define seL4_BootInfoFrameSize LIBSEL4_BIT(seL4_BootInfoFrameBits)
_Static_assert(sizeof(seL4_BootInfo) <= seL4_BootInfoFrameSize, "seL4_BootInfo fits its page");

/* Extra information chunks (when extraLen > 0: init gets one, the framebuffer, from step 10)
 * start on the page after BootInfo's, each with this header. */
typedef enum {
    SEL4_BOOTINFO_HEADER_PADDING = 0,
    SEL4_BOOTINFO_HEADER_X86_VBE = 1,
    SEL4_BOOTINFO_HEADER_X86_MBMMAP = 2,
    SEL4_BOOTINFO_HEADER_X86_ACPI_RSDP = 3,
    SEL4_BOOTINFO_HEADER_X86_FRAMEBUFFER = 4,
    SEL4_BOOTINFO_HEADER_X86_TSC_FREQ = 5,
    SEL4_BOOTINFO_HEADER_FDT = 6,
    SEL4_BOOTINFO_HEADER_NUM,
    SEL4_FORCE_LONG_ENUM(seL4_BootInfoID)
} seL4_BootInfoID;

typedef struct seL4_BootInfoHeader {
    seL4_Word id;                     /* a seL4_BootInfoID */
    seL4_Word len;                    /* bytes of the chunk, this header included */
} seL4_BootInfoHeader;

#endif
