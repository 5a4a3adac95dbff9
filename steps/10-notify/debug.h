/*
 * debug.h: what the kernel tells a person at the console from step 10, when the console is a
 * user program and cannot look inside the kernel itself (debug.c).
 */
#ifndef DEBUG_H
#define DEBUG_H

void debug_dump_scheduler(void);       /* seL4_DebugDumpScheduler (-10): the threads */

#endif
