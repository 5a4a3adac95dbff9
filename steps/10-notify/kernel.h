/*
 * kernel.h: what every part of the kernel may want to know about the kernel itself.
 */
#ifndef KERNEL_H
#define KERNEL_H

#include <stdint.h>

/* ANCHOR: kernel_h */
#define KERNEL_STEP "10-notify"   /* the book's step this kernel is */

/* Symbols defined by link.ld: their addresses are the boundaries, there is no storage. */
extern char __kernel_start[], __kernel_end[];

/* Counter ticks from reset to the banner (main.c); `info` prints them. */
extern uint64_t boot_banner_ticks;
/* ANCHOR_END: kernel_h */

#endif
