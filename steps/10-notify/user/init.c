/*
 * init.c: the first user program, which the kernel starts at boot with a CSpace full of caps
 * (BootInfo says which slot holds what) and untyped memory. From step 08 on it builds its own
 * world: everything below is made by Retype from an untyped cap, with seL4's own calls, so the
 * same source would build against seL4's libsel4.
 *
 * It makes an endpoint, a notification, a CNode of 16 slots, a thread, and frames for the
 * thread's stack and IPC buffer with the page tables to map them; gives the thread its own
 * CSpace (the new CNode) with a few caps in it; starts it; and prints what it made.
 */
#include "system.h"
#include "ulib.h"

/* ANCHOR: init_find */
#define WORKER_STACK  0x10000000UL    /* where the worker's stack page goes: no table yet */
#define WORKER_IPC    0x10001000UL    /* and its IPC buffer */
#define WORKER_PRIO   200

static seL4_CPtr next_slot;           /* the first empty slot of init's CNode */

/* The first untyped of ordinary memory with at least 2^bits bytes. */
static seL4_CPtr find_untyped(unsigned bits)
{
    for (seL4_Word i = 0; i < bootinfo->untyped.end - bootinfo->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bootinfo->untypedList[i];
        if (!d->isDevice && d->sizeBits >= bits)
            return bootinfo->untyped.start + i;
    }
    return 0;
}

/* One object of `type` from untyped `ut`, its cap in the next empty slot of init's CNode
 * (depth 0: the CNode is the root cap itself). */
static seL4_CPtr make(seL4_CPtr ut, seL4_Word type, seL4_Word size_bits, const char *what)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(ut, type, size_bits, seL4_CapInitThreadCNode, 0, 0,
                                       slot, 1);
    if (e != seL4_NoError) {
        printf("init: retype of %s failed: %s\n", what, error_name(e));
        return 0;
    }
    return slot;
}
/* ANCHOR_END: init_find */

/* ANCHOR: init_map */
/* Map a frame; when a page table is missing (FailedLookup), make one, map it, and try again,
 * as seL4's own libraries do. */
static int map_frame(seL4_CPtr ut, seL4_CPtr frame, seL4_Word va, seL4_CapRights_t rights)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace, va, rights,
                                         seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever);
        if (e != seL4_FailedLookup)
            return e;
        seL4_CPtr pt = make(ut, seL4_ARM_PageTableObject, 0, "a page table");
        if (!pt)
            return seL4_NotEnoughMemory;
        e = seL4_ARM_PageTable_Map(pt, seL4_CapInitThreadVSpace, va,
                                   seL4_ARM_Default_VMAttributes);
        printf("init: page table (slot %lu) for 0x%lx: %s\n", pt, va, error_name(e));
        if (e != seL4_NoError)
            return e;
    }
}
/* ANCHOR_END: init_map */

/* ANCHOR: init_worker */
/* The worker runs in init's address space, with the CSpace init gave it: slot 1 its own TCB,
 * slot 2 the endpoint with a badge, slot 3 its CNode. It makes one copy of its own, with
 * fewer rights, says what it holds, and suspends itself. */
static void worker(seL4_Word arg)
{
    seL4_SetIPCBuffer((seL4_IPCBuffer *)WORKER_IPC);   /* init has ended: its turn is over */
    seL4_Error e = seL4_CNode_Copy(3, 4, 64, 3, 2, 64, seL4_CanRead);
    printf("worker: started with 0x%lx; copied my endpoint cap to slot 4, read-only: %s\n",
           arg, error_name(e));
    e = seL4_CNode_Copy(3, 5, 64, 3, 9, 64, seL4_AllRights);
    printf("worker: copying from empty slot 9: %s (lookup failure %lu)\n", error_name(e),
           seL4_GetMR(1));
    seL4_TCB_Suspend(1);
}
/* ANCHOR_END: init_worker */

/* ANCHOR: init */
int main(const char *arg)
{
    (void)arg;
    puts("init: running at EL0, in an address space of its own");
    printf("init: BootInfo: %lu untypeds, slots %lu-%lu empty, IPC buffer at %p\n",
           bootinfo->untyped.end - bootinfo->untyped.start, bootinfo->empty.start,
           bootinfo->empty.end, (void *)bootinfo->ipcBuffer);
    next_slot = bootinfo->empty.start;
    seL4_CPtr ut = find_untyped(16);
    seL4_CPtr ep = make(ut, seL4_EndpointObject, 0, "an endpoint");
    seL4_CPtr ntfn = make(ut, seL4_NotificationObject, 0, "a notification");
    seL4_CPtr cnode = make(ut, seL4_CapTableObject, 4, "a CNode");
    seL4_CPtr tcb = make(ut, seL4_TCBObject, 0, "a TCB");
    seL4_CPtr stack = make(ut, seL4_ARM_SmallPageObject, 0, "a stack frame");
    seL4_CPtr ipc = make(ut, seL4_ARM_SmallPageObject, 0, "an IPC buffer frame");
    if (!ep || !ntfn || !cnode || !tcb || !stack || !ipc)
        return 1;
    printf("init: made endpoint %lu, notification %lu, CNode %lu (16 slots), TCB %lu, "
           "frames %lu and %lu from untyped %lu\n", ep, ntfn, cnode, tcb, stack, ipc, ut);
    if (map_frame(ut, stack, WORKER_STACK, seL4_ReadWrite) ||
        map_frame(ut, ipc, WORKER_IPC, seL4_ReadWrite))
        return 1;

    /* The worker's CSpace: a 16-slot CNode whose guard makes a cptr read with depth 64 end
     * in it (60 guard bits of 0, then 4 bits of slot number). */
    seL4_Word guard = seL4_CNode_CapData_new(0, 64 - 4).words[0];
    seL4_Error e = seL4_CNode_Copy(cnode, 1, 4, seL4_CapInitThreadCNode, tcb, 64, seL4_AllRights);
    if (!e)
        e = seL4_CNode_Mint(cnode, 2, 4, seL4_CapInitThreadCNode, ep, 64, seL4_AllRights, 0x42);
    if (!e)
        e = seL4_CNode_Mint(cnode, 3, 4, seL4_CapInitThreadCNode, cnode, 64, seL4_AllRights, guard);
    if (!e)
        e = seL4_TCB_Configure(tcb, 0, cnode, guard, seL4_CapInitThreadVSpace, 0, WORKER_IPC, ipc);
    if (!e)
        e = seL4_TCB_SetPriority(tcb, seL4_CapInitThreadTCB, WORKER_PRIO);
    seL4_UserContext regs = { .pc = (seL4_Word)worker, .sp = WORKER_STACK + 4096,
                              .x0 = 0x1234 };
    if (!e)
        e = seL4_TCB_WriteRegisters(tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs);
    if (!e)
        e = seL4_TCB_Resume(tcb);
    printf("init: worker's CSpace filled, configured, resumed at priority %d: %s\n",
           WORKER_PRIO, error_name(e));
    system_start(next_slot);           /* step 10: the serial server, then the console */
}
/* ANCHOR_END: init */
