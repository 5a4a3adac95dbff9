/*
 * hello.c: `run hello NAME` greets NAME. Two of them at once show that each address space is
 * private: both keep NAME at the same virtual address, and each still finds its own there
 * after yielding to the other.
 */
#include "ulib.h"

/* ANCHOR: hello */
#define NAME_MAX 16

static char name[NAME_MAX];           /* .bss: at the same address in every hello */

int main(const char *arg)
{
    size_t n = strlen(arg);
    if (n == 0)
        arg = "world", n = 5;
    if (n >= NAME_MAX)
        n = NAME_MAX - 1;
    memcpy(name, arg, n);
    for (int i = 0; i < 3; i++)
        sys_yield();                  /* another hello may write its own name meanwhile */
    printf("hello, %s: my name at %p is '%s'\n", arg, (void *)name, name);
    return 0;
}
/* ANCHOR_END: hello */
