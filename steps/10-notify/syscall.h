/*
 * syscall.h: how a thread enters the kernel on purpose. The system-call ABI is seL4's:
 * `svc #0`, the call's number in x7 (negative: seL4's numbering), its arguments in x0..x5.
 * From step 08 the numbers live in abi.h with every other number seL4 fixes. From step 10 no
 * thread of the kernel makes a system call: these wrappers are the user programs' (user/ulib.h
 * includes this file, through the step directory's -I).
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <stdint.h>

#include "abi.h"                      /* the numbers: SYS_YIELD, SYS_DEBUG_PUT_CHAR, ... */

/* ANCHOR: syscall */

/* Yield. The kernel saves and restores every register, so only memory is "clobbered": the
 * compiler must not keep values in registers across it that another thread may change. */
static inline void sys_yield(void)
{
    register int64_t x7 __asm__("x7") = SYS_YIELD;
    __asm__ volatile("svc #0" : : "r"(x7) : "memory");
}
/* ANCHOR_END: syscall */

/* ANCHOR: syscall_07 */

static inline void sys_debug_put_char(char c)
{
    register uint64_t x0 __asm__("x0") = (unsigned char)c;
    register int64_t x7 __asm__("x7") = SYS_DEBUG_PUT_CHAR;
    __asm__ volatile("svc #0" : : "r"(x0), "r"(x7) : "memory");
}

static inline void sys_null(void)
{
    register int64_t x7 __asm__("x7") = SYS_BENCHMARK_NULL_SYSCALL;
    __asm__ volatile("svc #0" : : "r"(x7) : "memory");
}
/* ANCHOR_END: syscall_07 */

/* ANCHOR: syscall_10 */
/* Ours, not seL4's (debug.c): the kernel's number for the thread of TCB cap `tcb`, and its
 * address space's ASID; -1 if `tcb` is no TCB cap. */
static inline uint64_t sys_debug_thread_id(uint64_t tcb, uint64_t *asid)
{
    register uint64_t x0 __asm__("x0") = tcb;
    register uint64_t x1 __asm__("x1");
    register int64_t x7 __asm__("x7") = SYS_DEBUG_THREAD_ID;
    __asm__ volatile("svc #0" : "+r"(x0), "=r"(x1) : "r"(x7) : "memory");
    *asid = x1;
    return x0;
}
/* ANCHOR_END: syscall_10 */

#endif
