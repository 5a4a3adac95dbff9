/*
 * tcb.c: threads. Their numbers, and the TCB objects that Retype makes: what a new one starts
 * as, what deleting one undoes, and its methods (seL4's TCB invocations). The kernel has one
 * thread of its own, the idle thread (sched.c); every other thread is a TCB object made by a
 * program, init's included (process.c makes it as Retype would).
 */
#include "tcb.h"

#include <stdint.h>

#include "abi.h"
#include "endpoint.h"
#include "notification.h"
#include "sched.h"
#include "sysregs.h"

/* ANCHOR: thread_ids */
/* Every thread has a number, the lowest free one, for `ps` and fault lines: the idle thread
 * 0, then the TCBs Retype makes, in the order they are made. */
static struct tcb *threads[MAX_THREADS];
static uint32_t free_ids = MAX_THREADS;

bool tcb_id_take(struct tcb *t)
{
    for (uint32_t id = 0; id < MAX_THREADS; id++) {
        if (!threads[id]) {
            threads[id] = t;
            t->id = id;
            free_ids--;
            return true;
        }
    }
    return false;
}

static void tcb_id_release(struct tcb *t)
{
    threads[t->id] = 0;
    free_ids++;
}

struct tcb *tcb_by_id(uint64_t id)
{
    return id < MAX_THREADS ? threads[id] : 0;
}

uint32_t tcb_free_ids(void)
{
    return free_ids;
}

/* Name t after `name`, cut to fit: `ps` and the fault lines say it. */
void tcb_set_name(struct tcb *t, const char *name)
{
    unsigned i = 0;
    for (; name[i] && i < TCB_NAME_MAX - 1; i++)
        t->name[i] = name[i];
    t->name[i] = '\0';
}
/* ANCHOR_END: thread_ids */

/* ANCHOR: state_names */
const char *thread_state_name(enum thread_state s)
{
    static const char *const names[THREAD_STATES] = {
        [THREAD_INACTIVE] = "inactive",
        [THREAD_RUNNING] = "running",
        [THREAD_RESTART] = "restart",
        [THREAD_BLOCKED_ON_RECEIVE] = "blocked-recv",
        [THREAD_BLOCKED_ON_SEND] = "blocked-send",
        [THREAD_BLOCKED_ON_REPLY] = "blocked-reply",
        [THREAD_BLOCKED_ON_NOTIFICATION] = "blocked-ntfn",
        [THREAD_IDLE] = "idle",
    };
    return (unsigned)s < THREAD_STATES ? names[s] : "?";
}
/* ANCHOR_END: state_names */

/* ANCHOR: tcb_object_init */
/* EL0t, IRQs unmasked, SError and FIQ masked: seL4's PSTATE for user threads (0x140). */
#define USER_SPSR (SPSR_M_EL0T | SPSR_A | SPSR_F)

/* Retype has made a TCB (zeroed memory, empty slots). It is Inactive, at priority 0 with an
 * MCP of 0, until its creator configures and resumes it; it is named after its creator. */
void tcb_object_init(struct tcb *t, const struct tcb *creator)
{
    t->regs.spsr = USER_SPSR;
    t->state = THREAD_INACTIVE;
    t->timeslice = SCHED_TIMESLICE;
    t->in_use = true;
    tcb_id_take(t);                   /* Retype checked that an id is free */
    /* Step 09: its reply master, the parent of every reply cap that will answer it. */
    cte_insert_new(0, &tcb_slots(t)[TCB_REPLY],
                   cap_make(CAP_REPLY, REPLY_MASTER, OBJ_PA(tcb_slots(t)), 0));
    tcb_set_name(t, creator ? creator->name : "thread");
}

/* Its last cap is gone: out of the scheduler, its number free, and the caps it held deleted
 * (a CNode among them is emptied after, by cte_delete's list). */
void tcb_finalise(struct tcb *t)
{
    ntfn_unbind(t);                   /* step 10 */
    thread_suspend(t);
    tcb_id_release(t);
    t->in_use = false;
    for (unsigned i = 0; i < TCB_SLOTS; i++)
        cte_delete_one(&tcb_slots(t)[i]);
}

/* The IPC buffer, through the kernel's linear map of the frame in slot 4: the kernel never
 * reads a user address. 0 if the thread has none. */
struct ipc_buffer *tcb_ipc_buffer(struct tcb *t)
{
    struct cap f = tcb_slots(t)[TCB_IPC_BUFFER].cap;
    if (cap_type(f) != CAP_FRAME || !t->ipc_buffer)
        return 0;
    uint64_t offset = t->ipc_buffer & ((UINT64_C(1) << frame_size_bits(f)) - 1);
    return (struct ipc_buffer *)((uint8_t *)cap_obj(f) + offset);
}
/* ANCHOR_END: tcb_object_init */

/* ANCHOR: debug_name */
/* seL4_DebugNameThread(tcb, name): x0 a cptr to a thread cap in the caller's CSpace, the name
 * a string in the caller's IPC buffer from msg[0] on. A loader names the programs it starts,
 * as the kernel names those it starts itself, so that `ps` and fault lines say which program a
 * thread is. (seL4 halts on a bad cap or an unterminated name, being a debug call; here
 * nothing happens: a user's numbers never stop the kernel.) The name is cut to fit. */
void tcb_debug_name(struct tcb *caller)
{
    struct lookup_fault f;
    struct cte *s = cspace_lookup(tcb_slots(caller)[TCB_CSPACE].cap, caller->regs.x[0], &f);
    struct ipc_buffer *b = tcb_ipc_buffer(caller);
    if (!s || cap_type(s->cap) != CAP_THREAD || !b)
        return;
    const char *name = (const char *)b->msg;
    unsigned n = 0;
    while (n < sizeof b->msg && name[n])
        n++;
    if (n == sizeof b->msg)
        return;                                   /* no NUL in the buffer: not a string */
    tcb_set_name(tcb_of(s->cap), name);
}
/* ANCHOR_END: debug_name */

/* ANCHOR: user_context */
/* seL4_UserContext's order, as word indices of the trap frame (x0-x30 are words 0-30, then
 * SP_EL0 31, ELR 32, SPSR 33, TPIDR_EL0 35). TPIDRRO_EL0 is not kept: it reads as 0. */
static const int8_t uc_word[UC_COUNT] = {
    32, 31, 33, 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 29, 30,
    9, 10, 11, 12, 13, 14, 15, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
    35, -1,
};

static uint64_t uc_read(struct tcb *t, unsigned i)
{
    return uc_word[i] < 0 ? 0 : ((uint64_t *)&t->regs)[uc_word[i]];
}

/* A user thread stays a user thread: of SPSR only the condition flags (N, Z, C, V) can be
 * written; the rest is seL4's PSTATE_USER. (Also for the answer to a fault, ipc.c.) */
void tcb_write_reg(struct tcb *t, unsigned i, uint64_t v)
{
    if (i == UC_SPSR)
        v = (v & 0xf0000000) | USER_SPSR;
    if (uc_word[i] >= 0)
        ((uint64_t *)&t->regs)[uc_word[i]] = v;
    if (i == UC_PC)
        t->regs.fault_ip = v;
}
/* ANCHOR_END: user_context */

/* ANCHOR: tcb_space */
/* Configure and SetSpace: the CSpace root and VSpace root a thread will use, checked the way
 * seL4's decodeSetSpace does. A non-zero data word mints the CNode cap (a guard). */
static enum error check_space(struct invocation *inv, unsigned first, uint64_t croot_data,
                              struct cap *croot, struct cap *vroot)
{
    enum error e;
    struct cap c = inv->extra_slot[first]->cap;
    if (croot_data)
        c = cap_update_data(c, croot_data);
    struct cte tmp = *inv->extra_slot[first];
    tmp.cap = c;
    if (!cap_derive(&tmp, croot, &e))
        return inv_error(inv, e, 0, 0, 0);
    if (cap_type(*croot) != CAP_CNODE)
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    if (!cap_derive(inv->extra_slot[first + 1], vroot, &e))
        return inv_error(inv, e, 0, 0, 0);
    if (cap_type(*vroot) != CAP_VSPACE)
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    return E_NONE;
}

/* An IPC buffer: a frame of ordinary memory, and the address 1 KiB-aligned. */
static enum error check_buffer(struct invocation *inv, unsigned extra, uint64_t addr,
                               struct cap *frame)
{
    enum error e;
    if (!addr) {
        *frame = cap_null;
        return E_NONE;
    }
    if (!cap_derive(inv->extra_slot[extra], frame, &e))
        return inv_error(inv, e, 0, 0, 0);
    if (cap_type(*frame) != CAP_FRAME || frame_is_device(*frame))
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    if (addr & ((UINT64_C(1) << IPC_BUFFER_BITS) - 1))
        return inv_error(inv, E_ALIGNMENT, 0, 0, 0);
    return E_NONE;
}

/* Put a copy of `cap` (from src) in one of t's slots, replacing what was there. Deleting the
 * old cap can empty a CNode, src's among them: then nothing is put (seL4 does the same). */
static void replace_slot(struct tcb *t, enum tcb_slot i, struct cte *src, struct cap cap)
{
    struct cte *dst = &tcb_slots(t)[i];
    cte_delete(dst);
    if (src && cap_type(cap) != CAP_NULL && cap_same_object(cap, src->cap))
        cte_insert(src, dst, cap);
}
/* ANCHOR_END: tcb_space */

/* ANCHOR: tcb_invoke */
/* An authority TCB's MCP bounds the priorities it can give (seL4's checkPrio). */
static enum error check_prio(struct invocation *inv, uint64_t prio)
{
    struct cap auth = inv->extra_slot[0]->cap;
    if (cap_type(auth) != CAP_THREAD)
        return inv_error(inv, E_INVALID_CAPABILITY, 1, 1, 0);
    if (prio > tcb_of(auth)->mcp)
        return inv_error(inv, E_RANGE, 2, 0, tcb_of(auth)->mcp);
    return E_NONE;
}

enum error tcb_invoke(struct invocation *inv)
{
    struct tcb *t = tcb_of(inv->slot->cap);
    uint64_t *mr = inv->mr;
    struct cap croot, vroot, buf;
    enum error e;

    switch (inv->label) {
    case TCB_CONFIGURE:          /* fault_ep, croot_data, vroot_data, buffer; croot, vroot, frame */
        if (inv->length < 4 || inv->extra < 3)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if ((e = check_space(inv, 0, mr[1], &croot, &vroot)) ||
            (e = check_buffer(inv, 2, mr[3], &buf)))
            return e;
        t->fault_ep = mr[0];
        replace_slot(t, TCB_CSPACE, inv->extra_slot[0], croot);
        replace_slot(t, TCB_VSPACE, inv->extra_slot[1], vroot);
        replace_slot(t, TCB_IPC_BUFFER, inv->extra_slot[2], buf);
        t->ipc_buffer = mr[3];
        return E_NONE;
    case TCB_SET_SPACE:          /* fault_ep, croot_data, vroot_data; croot, vroot */
        if (inv->length < 3 || inv->extra < 2)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if ((e = check_space(inv, 0, mr[1], &croot, &vroot)))
            return e;
        t->fault_ep = mr[0];
        replace_slot(t, TCB_CSPACE, inv->extra_slot[0], croot);
        replace_slot(t, TCB_VSPACE, inv->extra_slot[1], vroot);
        return E_NONE;
    case TCB_SET_IPC_BUFFER:     /* buffer; frame */
        if (inv->length < 1 || (mr[0] && inv->extra < 1))
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if ((e = check_buffer(inv, 0, mr[0], &buf)))
            return e;
        replace_slot(t, TCB_IPC_BUFFER, mr[0] ? inv->extra_slot[0] : 0, buf);
        t->ipc_buffer = mr[0];
        return E_NONE;
    case TCB_SET_PRIORITY:       /* priority; authority */
    case TCB_SET_MC_PRIORITY:    /* mcp; authority */
        if (inv->length < 1 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if ((e = check_prio(inv, mr[0])))
            return e;
        if (inv->label == TCB_SET_MC_PRIORITY)
            t->mcp = (uint8_t)mr[0];
        else
            sched_set_priority(t, (uint8_t)mr[0]);
        return E_NONE;
    case TCB_SET_SCHED_PARAMS:   /* mcp, priority; authority */
        if (inv->length < 2 || inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if ((e = check_prio(inv, mr[0])) || (e = check_prio(inv, mr[1])))
            return e;
        t->mcp = (uint8_t)mr[0];
        sched_set_priority(t, (uint8_t)mr[1]);
        return E_NONE;
    case TCB_SUSPEND:
        thread_suspend(t);
        return E_NONE;
    case TCB_RESUME:
        sched_resume(t);
        return E_NONE;
    case TCB_READ_REGISTERS:     /* flags (bit 0: suspend it), count */
        if (inv->length < 2)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if (mr[1] < 1 || mr[1] > UC_COUNT)
            return inv_error(inv, E_RANGE, 2, 1, UC_COUNT);
        if (t == inv->thread)
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
        if (mr[0] & 1)
            thread_suspend(t);
        for (unsigned i = 0; i < mr[1]; i++)
            inv->out[i] = uc_read(t, i);
        inv->out_len = (unsigned)mr[1];
        return E_NONE;
    case TCB_WRITE_REGISTERS:    /* flags (bit 0: resume it), count, then the registers */
        if (inv->length < 2 || inv->length - 2 < mr[1])
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if (t == inv->thread)
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
        for (unsigned i = 0; i < mr[1] && i < UC_COUNT; i++)
            tcb_write_reg(t, i, mr[2 + i]);
        if (mr[0] & 1)
            sched_resume(t);
        return E_NONE;
    case TCB_SET_TLS_BASE:       /* tls_base */
        if (inv->length < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        t->regs.tpidr_el0 = mr[0];
        return E_NONE;
    case TCB_BIND_NOTIFICATION:  /* ; notification (seL4's decodeBindNotification) */
        if (inv->extra < 1)
            return inv_error(inv, E_TRUNCATED_MESSAGE, 0, 0, 0);
        if (t->bound_ntfn)
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);   /* already bound */
        if (cap_type(inv->extra_slot[0]->cap) != CAP_NOTIFICATION ||
            !(cap_rights(inv->extra_slot[0]->cap) & RIGHT_READ))
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
        {
            struct notification *n = ntfn_of(inv->extra_slot[0]->cap);
            if (n->head || n->bound)          /* waited on, or bound to another thread */
                return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
            ntfn_bind(t, n);
        }
        return E_NONE;
    case TCB_UNBIND_NOTIFICATION:
        if (!t->bound_ntfn)
            return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
        ntfn_unbind(t);
        return E_NONE;
    default:                     /* CopyRegisters, flags */
        return inv_error(inv, E_ILLEGAL_OPERATION, 0, 0, 0);
    }
}
/* ANCHOR_END: tcb_invoke */
