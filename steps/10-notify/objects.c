/*
 * objects.c: what each kind of object needs when Retype makes it and when its caps go. The
 * capability core (cnode.c, untyped.c) calls these; it knows caps, not what they name.
 */
#include <stdbool.h>
#include <stdint.h>

#include "cache.h"
#include "cnode.h"
#include "endpoint.h"
#include "interrupt.h"
#include "notification.h"
#include "sched.h"
#include "tcb.h"
#include "vspace.h"

/* ANCHOR: obj_can_make */
/* Some objects take a number the kernel has only so many of. */
enum error obj_can_make(enum object_type t, uint64_t n)
{
    if (t == OBJ_VSPACE && n > vspace_free_asids())
        return E_DELETE_FIRST;        /* every ASID is taken: delete an address space first */
    if (t == OBJ_TCB && n > tcb_free_ids())
        return E_DELETE_FIRST;        /* every thread id is taken */
    return E_NONE;
}
/* ANCHOR_END: obj_can_make */

/* ANCHOR: obj_make */
/* A new object at pa: its memory zeroed (device memory is left alone: it is not memory), its
 * state set up, and its first cap. */
struct cap obj_make(enum object_type t, uint64_t pa, uint64_t user_bits, bool device)
{
    if (!device && t != OBJ_UNTYPED) {
        uint64_t *p = OBJ_PTR(pa), words = (UINT64_C(1) << obj_size_bits(t, user_bits)) / 8;
        for (uint64_t i = 0; i < words; i++)
            p[i] = 0;
    }
    switch (t) {
    case OBJ_UNTYPED:
        return untyped_cap(pa, (unsigned)user_bits, device);
    case OBJ_TCB: {
        struct tcb_object *o = OBJ_PTR(pa);
        tcb_object_init(&o->tcb, sched_current());
        return cap_make(CAP_THREAD, 0, pa, 0);
    }
    case OBJ_ENDPOINT:
        return cap_make(CAP_ENDPOINT, RIGHTS_ALL, pa, 0);
    case OBJ_NOTIFICATION:
        return cap_make(CAP_NOTIFICATION, RIGHTS_ALL, pa, 0);
    case OBJ_CNODE:
        return cnode_cap(pa, (unsigned)user_bits, 0, 0);
    case OBJ_SMALL_PAGE:
    case OBJ_LARGE_PAGE:
        /* The zeros are in the data cache. A program may map the frame non-cacheable (an
         * attribute of Page_Map): then it reads memory directly, and must find zeros there,
         * not what the frame held before. Clean them out to memory (seL4 does the same). */
        if (!device)
            cache_flush_range(OBJ_PTR(pa), UINT64_C(1) << obj_size_bits(t, 0));
        return cap_make(CAP_FRAME, RIGHT_READ | RIGHT_WRITE |
                                   (t == OBJ_LARGE_PAGE ? FRAME_LARGE : 0) |
                                   (device ? FRAME_DEVICE : 0), pa, 0);
    case OBJ_PAGE_TABLE:
        return cap_make(CAP_PAGE_TABLE, 0, pa, 0);
    case OBJ_VSPACE:
        return cap_make(CAP_VSPACE, 0, pa, asid_alloc(pa));   /* obj_can_make: one is free */
    default:
        return cap_null;
    }
}
/* ANCHOR_END: obj_make */

/* ANCHOR: obj_finalise */
/* A cap is going away. Every frame cap maps its frame at most once, so each one unmaps what
 * it mapped; the rest happens only when the last cap to an object goes. */
void obj_finalise(struct cap c, bool final)
{
    switch (cap_type(c)) {
    case CAP_FRAME:
        frame_unmap(&c);
        break;
    case CAP_PAGE_TABLE:
        if (final)
            page_table_unmap(&c);
        break;
    case CAP_VSPACE:
        if (final)
            asid_free(vspace_asid(c));
        break;
    case CAP_THREAD:
        if (final)
            tcb_finalise(tcb_of(c));
        break;
    case CAP_ENDPOINT:                 /* its waiters run again, and find the cap gone */
        if (final)
            ipc_cancel_all(ep_of(c));
        break;
    case CAP_NOTIFICATION:             /* the same, and its bound thread is unbound (step 10) */
        if (final)
            ntfn_cancel_all(ntfn_of(c));
        break;
    case CAP_IRQ_HANDLER:              /* the line is free to claim again (interrupt.c) */
        if (final)
            irq_handler_finalise((unsigned)c.w0);
        break;
    default:                           /* untyped, CNodes (cnode.c empties them), the rest */
        break;
    }
}
/* ANCHOR_END: obj_finalise */
