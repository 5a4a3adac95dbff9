/*
 * shell.h: the console as a user program (shell.c): init's main thread becomes it once the
 * serial server runs.
 */
#ifndef SHELL_H
#define SHELL_H

#include <sel4/sel4.h>

void shell_run(seL4_CPtr serial_ep) __attribute__((noreturn));

#endif
