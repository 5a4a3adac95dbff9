/*
 * init.c: the first user program, which the kernel starts at boot. In this step it only
 * says that user space works; from step 08 on it is handed every capability, and starts the
 * rest of the system.
 */
#include "ulib.h"

/* ANCHOR: init */
int main(const char *arg)
{
    (void)arg;
    puts("init: running at EL0, in an address space of its own");
    return 0;
}
/* ANCHOR_END: init */
