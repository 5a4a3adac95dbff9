/*
 * watchdog.h: resetting the whole board through the power-management watchdog.
 */
#ifndef WATCHDOG_H
#define WATCHDOG_H

/* ANCHOR: watchdog_api */
void watchdog_reboot(void);
/* ANCHOR_END: watchdog_api */

#endif
