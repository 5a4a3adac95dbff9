/*
 * cap_names.h: the name of each kind of cap, for the host tests' messages (test_cnode.c,
 * fuzz_cnode.c). The kernel prints no cap types since its console left it (step 10).
 */
#ifndef CAP_NAMES_H
#define CAP_NAMES_H

#include "cap.h"

static inline const char *cap_type_name(enum cap_type t)
{
    switch (t) {
    case CAP_NULL:         return "null";
    case CAP_UNTYPED:      return "untyped";
    case CAP_ENDPOINT:     return "endpoint";
    case CAP_NOTIFICATION: return "notification";
    case CAP_REPLY:        return "reply";
    case CAP_CNODE:        return "cnode";
    case CAP_THREAD:       return "thread";
    case CAP_IRQ_CONTROL:  return "irq-control";
    case CAP_IRQ_HANDLER:  return "irq-handler";
    case CAP_FRAME:        return "frame";
    case CAP_PAGE_TABLE:   return "page-table";
    case CAP_VSPACE:       return "vspace";
    case CAP_ASID_POOL:    return "asid-pool";
    case CAP_ZOMBIE:       return "zombie";
    }
    return "?";
}

#endif
