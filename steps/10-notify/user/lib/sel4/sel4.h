/*
 * sel4/sel4.h: everything a program for this kernel needs, as `#include <sel4/sel4.h>` gives
 * it with seL4's own libsel4 (AArch64, non-MCS). A program that uses only what this kernel
 * implements compiles against either library unchanged, and gets the same numbers.
 *
 *   sel4/config.h       the configuration (CONFIG_...)
 *   sel4/types.h        types, errors, object types, system call numbers, seL4_IPCBuffer,
 *                       seL4_UserContext, VM attributes
 *   sel4/constants.h    object sizes and limits
 *   sel4/bitfields.h    seL4_MessageInfo_t, seL4_CapRights_t, seL4_CNode_CapData_t
 *   sel4/invocation.h   invocation labels
 *   sel4/bootinfo.h     seL4_BootInfo and the root task's first slots
 *   sel4/functions.h    the IPC buffer: seL4_SetIPCBuffer, seL4_GetMR, seL4_SetCap...
 *   sel4/syscalls.h     seL4_Call, seL4_Send, seL4_Recv, ... (svc #0)
 *   sel4/invocations.h  seL4_Untyped_Retype, seL4_CNode_Copy, seL4_TCB_Configure, ...
 *
 * All of it is in the headers (until step 09, sel4.c beside this directory held the IPC
 * buffer's pointer; from step 10 it is in a register, sel4/functions.h).
 */
#ifndef SEL4_SEL4_H
#define SEL4_SEL4_H

#include <sel4/config.h>
#include <sel4/types.h>
#include <sel4/constants.h>
#include <sel4/bitfields.h>
#include <sel4/invocation.h>
#include <sel4/bootinfo.h>
#include <sel4/functions.h>
#include <sel4/syscalls.h>
#include <sel4/invocations.h>

#endif
