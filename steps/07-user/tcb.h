/*
 * tcb.h: threads. A thread is its thread control block (TCB): the registers it had when it
 * last entered the kernel, its state, its priority, and its place in the scheduler's queues.
 *
 * The names and numbers are seL4's, so that later steps (IPC) only add to them. A kernel thread
 * runs at EL1t ("EL1 using SP_EL0"), a user thread (step 07) at EL0 in an address space of its
 * own; both enter the kernel through the same path and are scheduled alike.
 */
#ifndef TCB_H
#define TCB_H

#include <stdbool.h>
#include <stdint.h>

#include "trap.h"

struct vspace;

/* ANCHOR: thread_state */
/* seL4's thread states, with seL4's numbers (ThreadState_*). chapters/figures/06-threads-states.dot
 * draws them, and the book's build checks that it names exactly these. */
enum thread_state {
    THREAD_INACTIVE = 0,              /* not running and not waiting: new, exited or killed */
    THREAD_RUNNING = 1,               /* runnable: the current thread, or in a ready queue */
    THREAD_RESTART = 2,               /* runnable; its system call starts again (step 09) */
    THREAD_BLOCKED_ON_RECEIVE = 3,    /* waiting for a message on an endpoint (step 09) */
    THREAD_BLOCKED_ON_SEND = 4,       /* waiting for a receiver on an endpoint (step 09) */
    THREAD_BLOCKED_ON_REPLY = 5,      /* waiting for the answer to a Call (step 09) */
    THREAD_BLOCKED_ON_NOTIFICATION = 6, /* waiting for a signal: here, for an interrupt */
    THREAD_IDLE = 7,                  /* the idle thread, which runs when nothing else can */
};
#define THREAD_STATES 8
/* ANCHOR_END: thread_state */

/* ANCHOR: tcb */
#define TCB_POOL_SIZE   64            /* TCBs there are; spawning more is an error */
#define TCB_NAME_MAX    16            /* bytes of a name, with its NUL */
#define PRIO_MAX        255           /* priorities 0 (lowest) .. 255 (highest), as in seL4 */
#define THREAD_STACK_SIZE 4096        /* SP_EL0 stack of each thread but the console */

struct tcb {
    struct trap_frame regs;           /* first: SP_EL1 points here while the thread runs */
    enum thread_state state;
    uint8_t priority;                 /* 0 .. PRIO_MAX */
    bool in_use;                      /* taken from the pool (tcb_alloc) */
    bool queued;                      /* in its priority's ready queue (sched.c) */
    uint32_t timeslice;               /* ticks left before it goes to the back of its queue */
    struct tcb *next, *prev;          /* links in that queue, or in a notification's */
    uint64_t ticks_used;              /* ticks that found it running: `ps` shows them */
    uint32_t id;                      /* its index in the pool: `ps`, `kill`, `prio` name it */
    char name[TCB_NAME_MAX];
    struct vspace *vspace;            /* a user thread's address space; 0: a kernel thread */
};

/* In step 08 a TCB becomes a 1 KiB kernel object whose first 256 bytes hold capability
 * slots (seL4's layout, with seL4's 2 KiB halved): the struct must fit in the rest. */
_Static_assert(sizeof(struct tcb) <= 768, "struct tcb must fit in 768 bytes");
/* ANCHOR_END: tcb */

/* ANCHOR: tcb_api */
typedef void thread_entry(uint64_t arg);

struct tcb *tcb_alloc(void);                    /* a free TCB, or 0 when the pool is empty */
void tcb_free(struct tcb *t);
struct tcb *tcb_by_id(uint64_t id);             /* the TCB in use with that id, or 0 */
uint32_t tcb_free_count(void);
void tcb_setup(struct tcb *t, const char *name, thread_entry *entry, uint64_t arg,
               void *stack_top, uint8_t priority);
void *tcb_stack_top(const struct tcb *t);       /* the top of the pool stack of t's slot */
struct tcb *thread_spawn(const char *name, thread_entry *entry, uint64_t arg, uint8_t priority);
const char *thread_state_name(enum thread_state s);
void thread_exit(void) __attribute__((noreturn));
/* ANCHOR_END: tcb_api */

#endif
