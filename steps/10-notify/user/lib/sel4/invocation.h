/*
 * sel4/invocation.h: the invocation labels, the numbers that say which method a message
 * invokes. An invocation is a Call on a cap to a kernel object (a CNode, a TCB, a frame...);
 * the label goes in the message info's label field, the arguments in the message registers
 * (LAYOUTS.md beside this directory lists each method's).
 *
 * seL4 generates three enums from its interface descriptions: the methods every architecture
 * has, then the AArch64 ones (starting at nInvocationLabels), then the Arm ones (starting at
 * nSeL4ArchInvocationLabels). The n... members count; they name no method. Methods of other
 * configurations (MCS, SMP, hypervisor, SMMU, hardware debugging) have no number here, and
 * the numbers after them do not move up: this is exactly the numbering of the configuration
 * this kernel follows. A method this kernel leaves out keeps its number and is answered
 * seL4_IllegalOperation.
 */
#ifndef SEL4_INVOCATION_H
#define SEL4_INVOCATION_H

enum invocation_label {
    InvalidInvocation,                /* 0 */
    UntypedRetype,                    /* 1 */
    TCBReadRegisters,                 /* 2 */
    TCBWriteRegisters,                /* 3 */
    TCBCopyRegisters,                 /* 4 */
    TCBConfigure,                     /* 5 */
    TCBSetPriority,                   /* 6 */
    TCBSetMCPriority,                 /* 7 */
    TCBSetSchedParams,                /* 8 */
    TCBSetIPCBuffer,                  /* 9 */
    TCBSetSpace,                      /* 10 */
    TCBSuspend,                       /* 11 */
    TCBResume,                        /* 12 */
    TCBBindNotification,              /* 13 */
    TCBUnbindNotification,            /* 14 */
    TCBSetTLSBase,                    /* 15 */
    TCBSetFlags,                      /* 16 */
    CNodeRevoke,                      /* 17 */
    CNodeDelete,                      /* 18 */
    CNodeCancelBadgedSends,           /* 19 */
    CNodeCopy,                        /* 20 */
    CNodeMint,                        /* 21 */
    CNodeMove,                        /* 22 */
    CNodeMutate,                      /* 23 */
    CNodeRotate,                      /* 24 */
    CNodeSaveCaller,                  /* 25: non-MCS only */
    IRQIssueIRQHandler,               /* 26: seL4_IRQControl_Get */
    IRQAckIRQ,                        /* 27 */
    IRQSetIRQHandler,                 /* 28: seL4_IRQHandler_SetNotification */
    IRQClearIRQHandler,               /* 29 */
    DomainSetSet,                     /* 30 */
    DomainScheduleConfigure,          /* 31 */
    DomainScheduleSetStart,           /* 32 */
    nInvocationLabels                 /* 33 */
};

enum sel4_arch_invocation_label {
    ARMVSpaceClean_Data = nInvocationLabels,  /* 33 */
    ARMVSpaceInvalidate_Data,         /* 34 */
    ARMVSpaceCleanInvalidate_Data,    /* 35 */
    ARMVSpaceUnify_Instruction,       /* 36 */
    ARMSMCCall,                       /* 37 */
    nSeL4ArchInvocationLabels         /* 38 */
};

enum arch_invocation_label {
    ARMPageTableMap = nSeL4ArchInvocationLabels,  /* 38 */
    ARMPageTableUnmap,                /* 39 */
    ARMPageMap,                       /* 40 */
    ARMPageUnmap,                     /* 41 */
    ARMPageClean_Data,                /* 42 */
    ARMPageInvalidate_Data,           /* 43 */
    ARMPageCleanInvalidate_Data,      /* 44 */
    ARMPageUnify_Instruction,         /* 45 */
    ARMPageGetAddress,                /* 46 */
    ARMASIDControlMakePool,           /* 47 */
    ARMASIDPoolAssign,                /* 48 */
    ARMIRQIssueIRQHandlerTrigger,     /* 49: seL4_IRQControl_GetTrigger */
    ARMIRQIssueSGISignal,             /* 50: non-SMP only */
    nArchInvocationLabels             /* 51 */
};

#endif
