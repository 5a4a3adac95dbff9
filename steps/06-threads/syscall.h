/*
 * syscall.h: how a thread enters the kernel on purpose. The system-call ABI is seL4's:
 * `svc #0`, the call's number in x7 (negative: seL4's numbering), its arguments in x0..x5.
 * Step 06 has one system call, Yield; later steps add the rest with the same numbers.
 */
#ifndef SYSCALL_H
#define SYSCALL_H

#include <stdint.h>

/* ANCHOR: syscall */
#define SYS_YIELD  (-7)                /* seL4_SysYield: let the next thread of my priority run */

/* Yield. The kernel saves and restores every register, so only memory is "clobbered": the
 * compiler must not keep values in registers across it that another thread may change. */
static inline void sys_yield(void)
{
    register int64_t x7 __asm__("x7") = SYS_YIELD;
    __asm__ volatile("svc #0" : : "r"(x7) : "memory");
}
/* ANCHOR_END: syscall */

#endif
