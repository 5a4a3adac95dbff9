/*
 * system.h: init's second half from step 10 (system.c): the serial server, then the shell.
 */
#ifndef SYSTEM_H
#define SYSTEM_H

#include <stdbool.h>

#include <sel4/sel4.h>

void system_start(seL4_CPtr first_free_slot) __attribute__((noreturn));
seL4_Error system_restart_serial(void);   /* the console's `serial restart` */
bool system_reboot(void);                  /* the console's `reboot`: false if no reset */
extern seL4_CPtr system_timer_caps[2];    /* for every program it starts: frame, irq 33 */

#endif
