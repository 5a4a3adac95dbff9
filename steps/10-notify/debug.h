/*
 * debug.h: what the kernel tells a person at the console from step 10, when the console is a
 * user program and cannot look inside the kernel itself (debug.c).
 */
#ifndef DEBUG_H
#define DEBUG_H

struct tcb;

void debug_dump_scheduler(void);       /* seL4_DebugDumpScheduler (-10): the threads */
void debug_thread_id(struct tcb *caller);   /* ours (-100): a TCB cap's thread number, ASID */

#endif
