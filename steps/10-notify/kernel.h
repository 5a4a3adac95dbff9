/*
 * kernel.h: what every part of the kernel may want to know about the kernel itself.
 */
#ifndef KERNEL_H
#define KERNEL_H

/* ANCHOR: kernel_h */
#define KERNEL_STEP "10-notify"   /* the book's step this kernel is */

/* Symbols defined by link.ld: their addresses are the boundaries, there is no storage. */
extern char __kernel_start[], __kernel_end[];
/* ANCHOR_END: kernel_h */

#endif
