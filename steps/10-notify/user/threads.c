/*
 * threads.c: a root task's threads of its own (kv, ipctest, ipcfuzz; from step 10 ntfntest,
 * irqtest, signal and init): objects retyped from its first untyped into its CNode's empty
 * slots, as init.c does for its worker, frames mapped in its address space, and a stopped thread with a CNode, a stack and an IPC buffer of its own;
 * from step 10 also a frame of a device's page, for a root task that drives one.
 * user.mk links it into those programs only.
 */
#include "threads.h"

seL4_CPtr next_slot;
static seL4_CPtr ut;
static const char *who;

void threads_init(const char *name)
{
    who = name;
    next_slot = bootinfo->empty.start;
    ut = bootinfo->untyped.start;
}

seL4_CPtr make(seL4_Word type, seL4_Word size_bits)
{
    seL4_CPtr slot = next_slot++;
    seL4_Error e = seL4_Untyped_Retype(ut, type, size_bits, seL4_CapInitThreadCNode, 0, 0,
                                       slot, 1);
    if (e)
        printf("%s: retype of type %lu: %s\n", who, type, error_name(e));
    return e ? 0 : slot;
}

/* Map a frame read-write in the root's address space, making page tables as needed. */
seL4_Error map(seL4_CPtr frame, seL4_Word va)
{
    for (;;) {
        seL4_Error e = seL4_ARM_Page_Map(frame, seL4_CapInitThreadVSpace, va, seL4_ReadWrite,
                                         seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever);
        if (e != seL4_FailedLookup)
            return e;
        seL4_CPtr pt = make(seL4_ARM_PageTableObject, 0);
        if (!pt || (e = seL4_ARM_PageTable_Map(pt, seL4_CapInitThreadVSpace, va,
                                               seL4_ARM_Default_VMAttributes)))
            return pt ? e : seL4_NotEnoughMemory;
    }
}

/* Thread i, stopped: its TCB, CNode (slots 1 and 3 filled), stack and IPC buffer; it will
 * start at entry(arg) at priority prio when resumed. */
seL4_Error thread_new(struct thread *t, unsigned i, void (*entry)(seL4_Word),
                      seL4_Word arg, seL4_Word prio)
{
    seL4_CPtr root = seL4_CapInitThreadCNode;
    t->tcb = make(seL4_TCBObject, 0);
    t->cnode = make(seL4_CapTableObject, 4);
    seL4_CPtr stack = make(seL4_ARM_SmallPageObject, 0);
    seL4_CPtr ipc = make(seL4_ARM_SmallPageObject, 0);
    if (!t->tcb || !t->cnode || !stack || !ipc)
        return seL4_NotEnoughMemory;
    seL4_Word guard = seL4_CNode_CapData_new(0, 64 - 4).words[0];
    seL4_UserContext regs = { .pc = (seL4_Word)entry, .sp = STACK_TOP(i), .x0 = arg,
                              .tpidr_el0 = IPC_VA(i) };   /* its IPC buffer (sel4/functions.h) */
    seL4_Error e = map(stack, STACK_TOP(i) - 4096);
    if (!e)
        e = map(ipc, IPC_VA(i));
    if (!e)
        e = seL4_CNode_Copy(t->cnode, SLOT_TCB, 4, root, t->tcb, 64, seL4_AllRights);
    if (!e)
        e = seL4_CNode_Mint(t->cnode, SLOT_CNODE, 4, root, t->cnode, 64, seL4_AllRights, guard);
    if (!e)
        e = seL4_TCB_Configure(t->tcb, 0, t->cnode, guard, seL4_CapInitThreadVSpace, 0,
                               IPC_VA(i), ipc);
    if (!e)
        e = seL4_TCB_SetPriority(t->tcb, seL4_CapInitThreadTCB, prio);
    if (!e)
        e = seL4_TCB_WriteRegisters(t->tcb, 0, 0, sizeof regs / sizeof(seL4_Word), &regs);
    return e;
}

/* ANCHOR: device_frame */
/* A frame for the physical page `pa`, from the device untyped that covers it (0 if none does:
 * the kernel keeps that page). Retype hands out
 * an untyped's memory in order, so the pages before `pa` are retyped first, as frames into
 * consecutive slots, and left unused (seL4's own libraries do the same). */
seL4_CPtr device_frame(seL4_Word pa)
{
    for (seL4_Word i = 0; i < bootinfo->untyped.end - bootinfo->untyped.start; i++) {
        const seL4_UntypedDesc *d = &bootinfo->untypedList[i];
        if (!d->isDevice || pa < d->paddr || pa >= d->paddr + (1UL << d->sizeBits))
            continue;
        seL4_Word before = (pa - d->paddr) / 4096;
        seL4_CPtr first = next_slot;
        next_slot += before + 1;
        seL4_Error e = seL4_Untyped_Retype(bootinfo->untyped.start + i,
                                           seL4_ARM_SmallPageObject, 0,
                                           seL4_CapInitThreadCNode, 0, 0, first, before + 1);
        return e ? 0 : first + before;
    }
    return 0;
}
/* ANCHOR_END: device_frame */
