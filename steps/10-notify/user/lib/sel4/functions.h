/*
 * sel4/functions.h: reaching the current thread's IPC buffer.
 *
 * The kernel does not tell a thread where its IPC buffer is: the program keeps the address
 * itself. A thread sets it once with seL4_SetIPCBuffer, the root task from its BootInfo:
 *
 *     seL4_SetIPCBuffer(bootinfo->ipcBuffer);
 *
 * Each thread has a buffer of its own, so the pointer must be the thread's own too: libsel4
 * keeps it in a thread-local variable. This library keeps it in TPIDR_EL0, the register
 * AArch64 gives user code for a thread pointer (Arm ARM D13, "TPIDR_EL0"), which the kernel saves
 * and restores with the thread's other registers (seL4_UserContext's tpidr_el0): a new thread
 * starts with what TCB_WriteRegisters put there. (Until step 09 it was one variable for the
 * whole program, and threads sharing an address space had to take turns with it.)
 */
#ifndef SEL4_FUNCTIONS_H
#define SEL4_FUNCTIONS_H

#include <sel4/types.h>

static inline void seL4_SetIPCBuffer(seL4_IPCBuffer *ipc_buffer)
{
    __asm__ volatile("msr tpidr_el0, %0" : : "r"(ipc_buffer) : "memory");
}

static inline seL4_IPCBuffer *seL4_GetIPCBuffer(void)
{
    seL4_IPCBuffer *ipc_buffer;
    __asm__ volatile("mrs %0, tpidr_el0" : "=r"(ipc_buffer));
    return ipc_buffer;
}

/* Message register i, as it sits in the IPC buffer. MR0-MR3 travel in registers: the system
 * call stubs copy them between x2-x5 and msg[0..3], so reading them here is right after a
 * seL4_Call or seL4_Recv, and writing them here is right before one. */
static inline seL4_Word seL4_GetMR(int i)
{
    return seL4_GetIPCBuffer()->msg[i];
}

static inline void seL4_SetMR(int i, seL4_Word mr)
{
    seL4_GetIPCBuffer()->msg[i] = mr;
}

static inline seL4_Word seL4_GetUserData(void)
{
    return seL4_GetIPCBuffer()->userData;
}

static inline void seL4_SetUserData(seL4_Word data)
{
    seL4_GetIPCBuffer()->userData = data;
}

/* After a receive: the badge of the i-th extra cap that arrived unwrapped (see capsUnwrapped). */
static inline seL4_Word seL4_GetBadge(int i)
{
    return seL4_GetIPCBuffer()->caps_or_badges[i];
}

/* Before a send: the cptr of the i-th cap to go with the message (extraCaps says how many). */
static inline seL4_CPtr seL4_GetCap(int i)
{
    return (seL4_CPtr)seL4_GetIPCBuffer()->caps_or_badges[i];
}

static inline void seL4_SetCap(int i, seL4_CPtr cptr)
{
    seL4_GetIPCBuffer()->caps_or_badges[i] = (seL4_Word)cptr;
}

/* Where a cap that arrives with a message is put: the slot `receiveIndex` (looked up to
 * `receiveDepth` bits) in the CSpace whose root is `receiveCNode`. A null pointer skips a field. */
static inline void seL4_GetCapReceivePath(seL4_CPtr *receiveCNode, seL4_CPtr *receiveIndex,
                                          seL4_Word *receiveDepth)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    if (receiveCNode != seL4_Null)
        *receiveCNode = b->receiveCNode;
    if (receiveIndex != seL4_Null)
        *receiveIndex = b->receiveIndex;
    if (receiveDepth != seL4_Null)
        *receiveDepth = b->receiveDepth;
}

static inline void seL4_SetCapReceivePath(seL4_CPtr receiveCNode, seL4_CPtr receiveIndex,
                                          seL4_Word receiveDepth)
{
    seL4_IPCBuffer *b = seL4_GetIPCBuffer();
    b->receiveCNode = receiveCNode;
    b->receiveIndex = receiveIndex;
    b->receiveDepth = receiveDepth;
}

#endif
