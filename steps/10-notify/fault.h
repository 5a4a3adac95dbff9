/*
 * fault.h: faults on purpose (fault.c), for the console's `fault` command.
 * None of them returns: each ends in trap.c's panic.
 */
#ifndef FAULT_H
#define FAULT_H

#include <stdint.h>

void fault_read(uint64_t addr);     /* read 8 bytes at addr */
void fault_write(uint64_t addr);    /* write 8 bytes at addr */
void fault_exec(void);              /* call code placed in .data */
void fault_undef(void);             /* execute an undefined instruction */
void fault_align(void);             /* an unaligned exclusive load */
void fault_stack(void);             /* recurse until the stack overflows */

#endif
