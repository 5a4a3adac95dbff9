/*
 * tcb.h: threads. A thread is its thread control block (TCB): the registers it had when it
 * last entered the kernel, its state, its priority, and its place in the scheduler's queues.
 *
 * The names and numbers are seL4's, so that later steps (IPC) only add to them. A user thread
 * (step 07) runs at EL0 in an address space; the kernel's one thread, the idle thread, at EL1t
 * ("EL1 using SP_EL0"). Both enter the kernel through the same path and are scheduled alike.
 */
#ifndef TCB_H
#define TCB_H

#include <stdbool.h>
#include <stdint.h>

#include "cap.h"
#include "cnode.h"
#include "trap.h"
#include "vspace.h"

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
    THREAD_BLOCKED_ON_NOTIFICATION = 6, /* waiting for a signal (step 10) */
    THREAD_IDLE = 7,                  /* the idle thread, which runs when nothing else can */
};
#define THREAD_STATES 8
/* ANCHOR_END: thread_state */

/* ANCHOR: tcb */
#define MAX_THREADS     1024          /* thread ids: `ps` and fault lines name threads by them */
#define TCB_NAME_MAX    16            /* bytes of a name, with its NUL */
#define PRIO_MAX        255           /* priorities 0 (lowest) .. 255 (highest), as in seL4 */
#define FAULT_WORDS     6             /* a cap fault's: cptr, phase, lookup failure, 3 words */

struct notification;

struct tcb {
    struct trap_frame regs;           /* first: SP_EL1 points here while the thread runs */
    enum thread_state state;
    uint8_t priority;                 /* 0 .. PRIO_MAX */
    uint8_t mcp;                      /* the highest priority it may give (seL4's MCP) */
    bool in_use;                      /* made by Retype, and not deleted yet */
    bool queued;                      /* in its priority's ready queue (sched.c) */
    uint32_t timeslice;               /* ticks left before it goes to the back of its queue */
    struct tcb *next, *prev;          /* links in that queue, or in a notification's */
    uint64_t ticks_used;              /* ticks that found it running: `ps` shows them */
    uint32_t id;                      /* its number: `ps` and fault lines name it */
    char name[TCB_NAME_MAX];
    uint64_t ipc_buffer;              /* its IPC buffer's user address (in the slot-4 frame) */
    uint64_t fault_ep;                /* a cptr in its own CSpace: its fault handler (step 10) */
    /* Step 09: while it waits in an endpoint's queue (linked through next/prev). */
    struct endpoint *blocked_on;
    uint64_t ipc_badge;               /* a waiting sender: the badge of the cap it sends with */
    uint8_t ipc_flags;                /* a waiting sender: IPC_CALL, IPC_GRANT, IPC_GRANT_REPLY */
    /* Step 10: the notification it waits on, and the one bound to it (TCB_BindNotification). */
    struct notification *blocked_ntfn;
    struct notification *bound_ntfn;
    /* Step 10: the fault it sends its fault handler, or waits for the answer to (seL4's
     * tcbFault): its kind (abi.h: FAULT_*, 0 for none) and the words of the message only the
     * moment of the fault knows (the others are its registers, read when the message goes). */
    uint8_t fault;
    uint64_t fault_w[FAULT_WORDS];
};
#define IPC_CALL         1u
#define IPC_GRANT        2u
#define IPC_GRANT_REPLY  4u
/* ANCHOR_END: tcb */

/* ANCHOR: tcb_object */
/* A TCB object (1 KiB; seL4's are 2 KiB): 8 slots, then the TCB. The slots hold the caps
 * the thread runs with, so that they cannot go while it uses them. */
enum tcb_slot {
    TCB_CSPACE = 0,                   /* its CSpace root: a CNode cap */
    TCB_VSPACE = 1,                   /* its address space: a VSpace cap */
    TCB_REPLY = 2, TCB_CALLER = 3,    /* step 09 */
    TCB_IPC_BUFFER = 4,               /* the frame of its IPC buffer */
    TCB_SLOTS = 8,
};
struct tcb_object {
    struct cte slots[TCB_SLOTS];
    struct tcb tcb;
};
_Static_assert(sizeof(struct tcb_object) <= 1 << TCB_BITS, "a TCB object is 1 KiB");

static inline struct cte *tcb_slots(struct tcb *t)
{
    return (struct cte *)((char *)t - __builtin_offsetof(struct tcb_object, tcb));
}
static inline struct tcb *tcb_of(struct cap c)      /* the TCB a thread cap names */
{
    return &((struct tcb_object *)cap_obj(c))->tcb;
}
/* ANCHOR_END: tcb_object */

/* ANCHOR: tcb_api */
struct tcb *tcb_by_id(uint64_t id);             /* the TCB in use with that id, or 0 */
uint32_t tcb_free_ids(void);                    /* free thread ids */
bool tcb_id_take(struct tcb *t);                /* give t the lowest free id (false: none) */
void tcb_set_name(struct tcb *t, const char *name);
const char *thread_state_name(enum thread_state s);

/* Step 08: TCB objects. */
void tcb_object_init(struct tcb *t, const struct tcb *creator);  /* Retype made it */
void tcb_finalise(struct tcb *t);               /* its last cap is gone */
struct ipc_buffer *tcb_ipc_buffer(struct tcb *t);  /* its buffer, through the kernel's map */
enum error tcb_invoke(struct invocation *inv);
void tcb_write_reg(struct tcb *t, unsigned i, uint64_t v);  /* word i of seL4_UserContext */
void tcb_debug_name(struct tcb *caller);        /* seL4_DebugNameThread (step 10) */
static inline uint64_t tcb_ttbr0(struct tcb *t)
{
    return vspace_ttbr0(tcb_slots(t)[TCB_VSPACE].cap);
}
/* ANCHOR_END: tcb_api */

#endif
