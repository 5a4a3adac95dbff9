/*
 * sel4.c: the one variable of the seL4 user library; everything else is in the headers.
 *
 * __sel4_ipc_buffer is where seL4_GetMR, seL4_SetCap and the system call stubs find the
 * running thread's IPC buffer (sel4/functions.h). seL4_SetIPCBuffer sets it; until then it is
 * null, and the first message register access faults, which is the clearest failure there is.
 */
#include <sel4/sel4.h>

seL4_IPCBuffer *__sel4_ipc_buffer;
