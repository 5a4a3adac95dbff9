/*
 * test_abi.c: holds the kernel's numbers (abi.h) and the user library's (user/lib/sel4/) to
 * seL4's own, recorded in sel4-abi.txt.
 *
 * A program built against seL4's libsel4 must run on this kernel unchanged, so every number
 * both sides are compiled with must be seL4's: system call numbers, invocation labels, object
 * types, errors, initial slots, constants, the layouts of BootInfo, the IPC buffer and
 * seL4_UserContext, and the bits of the message-info, rights and CNode guard words. The kernel
 * and the user library each have their own copy, written by hand; this test prints, group by
 * group, a table `name  seL4  kernel  user-lib` and fails the group on any disagreement, on a
 * name the file lacks, and on a line of the file no row checks. A "-" in the kernel column is
 * a number the kernel has no name for.
 *
 * The host is x86-64, not AArch64, but the structures are made of 8-byte words only, so
 * offsetof and sizeof give the same answers here as on the Pi.
 * Run: make -C steps/10-notify host-test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "abi.h"
#include <sel4/sel4.h>

#ifndef SEL4_ABI_TXT
#error "build with -DSEL4_ABI_TXT='\"path/to/sel4-abi.txt\"'"
#endif

/* ---- sel4-abi.txt, read once ---- */
struct fact {
    char group[32];
    char name[64];
    int64_t value;
    int checked;                       /* a row of this test looked at it */
};
static struct fact facts[512];
static int nfacts;

static int load_facts(void **state)
{
    (void)state;
    FILE *f = fopen(SEL4_ABI_TXT, "r");
    if (!f) {
        fprintf(stderr, "cannot open %s\n", SEL4_ABI_TXT);
        return -1;
    }
    char line[256], group[32] = "";
    while (fgets(line, sizeof line, f)) {
        char name[64];
        long long value;
        if (line[0] == '#' || line[0] == '\n')
            continue;
        if (sscanf(line, "[%31[^]]]", group) == 1)
            continue;
        if (sscanf(line, "%63s %lld", name, &value) != 2 || nfacts == 512) {
            fprintf(stderr, "%s: cannot read: %s", SEL4_ABI_TXT, line);
            fclose(f);
            return -1;
        }
        struct fact *x = &facts[nfacts++];
        snprintf(x->group, sizeof x->group, "%s", group);
        snprintf(x->name, sizeof x->name, "%s", name);
        x->value = value;
    }
    fclose(f);
    return 0;
}

static struct fact *find_fact(const char *group, const char *name)
{
    for (int i = 0; i < nfacts; i++)
        if (!strcmp(facts[i].group, group) && !strcmp(facts[i].name, name))
            return &facts[i];
    return NULL;
}

/* ---- one row: a name, the user library's value, and the kernel's if it has one ---- */
struct row {
    const char *name;
    int64_t user;
    int has_kernel;
    int64_t kernel;
};
#define ROW(name, user, kernel) { name, (int64_t)(user), 1, (int64_t)(kernel) }
#define ROW_U(name, user)       { name, (int64_t)(user), 0, 0 }
/* The common case: the row's name is the user library's own name for the value. */
#define R(sel4name, kernel)     ROW(#sel4name, sel4name, kernel)
#define R_U(sel4name)           ROW_U(#sel4name, sel4name)

/* Print the group's table; count and name every disagreement; fail if there is one. */
static void check_group(const char *group, const struct row *rows, int n)
{
    int bad = 0;
    printf("[%s]\n  %-40s %12s %12s %12s\n", group, "name", "seL4", "kernel", "user-lib");
    for (int i = 0; i < n; i++) {
        const struct row *r = &rows[i];
        struct fact *f = find_fact(group, r->name);
        char kernel[24] = "-";
        if (r->has_kernel)
            snprintf(kernel, sizeof kernel, "%lld", (long long)r->kernel);
        if (!f) {
            printf("  %-40s %12s %12s %12lld  <- not in sel4-abi.txt\n", r->name, "?", kernel,
                   (long long)r->user);
            bad++;
            continue;
        }
        f->checked = 1;
        int wrong = r->user != f->value || (r->has_kernel && r->kernel != f->value);
        printf("  %-40s %12lld %12s %12lld%s\n", r->name, (long long)f->value, kernel,
               (long long)r->user, wrong ? "  <- DIFFERS" : "");
        bad += wrong;
    }
    for (int i = 0; i < nfacts; i++) {
        if (!strcmp(facts[i].group, group) && !facts[i].checked) {
            printf("  %-40s %12lld  <- no row checks it\n", facts[i].name,
                   (long long)facts[i].value);
            bad++;
        }
    }
    if (bad)
        fail_msg("[%s]: %d disagreement(s), see the table above", group, bad);
}
#define CHECK_GROUP(group, rows) check_group(group, rows, (int)(sizeof(rows) / sizeof(rows[0])))

/* ---- the groups ---- */

static void test_labels(void **state)
{
    (void)state;
    const struct row rows[] = {
        R(InvalidInvocation, INVALID_INVOCATION), R(UntypedRetype, UNTYPED_RETYPE),
        R(TCBReadRegisters, TCB_READ_REGISTERS), R(TCBWriteRegisters, TCB_WRITE_REGISTERS),
        R(TCBCopyRegisters, TCB_COPY_REGISTERS), R(TCBConfigure, TCB_CONFIGURE),
        R(TCBSetPriority, TCB_SET_PRIORITY), R(TCBSetMCPriority, TCB_SET_MC_PRIORITY),
        R(TCBSetSchedParams, TCB_SET_SCHED_PARAMS), R(TCBSetIPCBuffer, TCB_SET_IPC_BUFFER),
        R(TCBSetSpace, TCB_SET_SPACE), R(TCBSuspend, TCB_SUSPEND), R(TCBResume, TCB_RESUME),
        R(TCBBindNotification, TCB_BIND_NOTIFICATION),
        R(TCBUnbindNotification, TCB_UNBIND_NOTIFICATION), R(TCBSetTLSBase, TCB_SET_TLS_BASE),
        R(TCBSetFlags, TCB_SET_FLAGS), R(CNodeRevoke, CNODE_REVOKE), R(CNodeDelete, CNODE_DELETE),
        R(CNodeCancelBadgedSends, CNODE_CANCEL_BADGED_SENDS), R(CNodeCopy, CNODE_COPY),
        R(CNodeMint, CNODE_MINT), R(CNodeMove, CNODE_MOVE), R(CNodeMutate, CNODE_MUTATE),
        R(CNodeRotate, CNODE_ROTATE), R(CNodeSaveCaller, CNODE_SAVE_CALLER),
        R(IRQIssueIRQHandler, IRQ_ISSUE_IRQ_HANDLER), R(IRQAckIRQ, IRQ_ACK_IRQ),
        R(IRQSetIRQHandler, IRQ_SET_IRQ_HANDLER), R(IRQClearIRQHandler, IRQ_CLEAR_IRQ_HANDLER),
        R(DomainSetSet, DOMAIN_SET_SET), R(DomainScheduleConfigure, DOMAIN_SCHEDULE_CONFIGURE),
        R(DomainScheduleSetStart, DOMAIN_SCHEDULE_SET_START), R_U(nInvocationLabels),
        R(ARMVSpaceClean_Data, ARM_VSPACE_CLEAN_DATA),
        R(ARMVSpaceInvalidate_Data, ARM_VSPACE_INVALIDATE_DATA),
        R(ARMVSpaceCleanInvalidate_Data, ARM_VSPACE_CLEAN_INVALIDATE_DATA),
        R(ARMVSpaceUnify_Instruction, ARM_VSPACE_UNIFY_INSTRUCTION),
        R(ARMSMCCall, ARM_SMC_CALL), R_U(nSeL4ArchInvocationLabels),
        R(ARMPageTableMap, ARM_PAGE_TABLE_MAP), R(ARMPageTableUnmap, ARM_PAGE_TABLE_UNMAP),
        R(ARMPageMap, ARM_PAGE_MAP), R(ARMPageUnmap, ARM_PAGE_UNMAP),
        R(ARMPageClean_Data, ARM_PAGE_CLEAN_DATA),
        R(ARMPageInvalidate_Data, ARM_PAGE_INVALIDATE_DATA),
        R(ARMPageCleanInvalidate_Data, ARM_PAGE_CLEAN_INVALIDATE_DATA),
        R(ARMPageUnify_Instruction, ARM_PAGE_UNIFY_INSTRUCTION),
        R(ARMPageGetAddress, ARM_PAGE_GET_ADDRESS),
        R(ARMASIDControlMakePool, ARM_ASID_CONTROL_MAKE_POOL),
        R(ARMASIDPoolAssign, ARM_ASID_POOL_ASSIGN),
        R(ARMIRQIssueIRQHandlerTrigger, ARM_IRQ_ISSUE_IRQ_HANDLER_TRIGGER),
        R(ARMIRQIssueSGISignal, ARM_IRQ_ISSUE_SGI_SIGNAL), R(nArchInvocationLabels, LABEL_COUNT),
    };
    CHECK_GROUP("labels", rows);
}

static void test_object_types(void **state)
{
    (void)state;
    const struct row rows[] = {
        R(seL4_UntypedObject, OBJ_UNTYPED), R(seL4_TCBObject, OBJ_TCB),
        R(seL4_EndpointObject, OBJ_ENDPOINT), R(seL4_NotificationObject, OBJ_NOTIFICATION),
        R(seL4_CapTableObject, OBJ_CNODE), R_U(seL4_NonArchObjectTypeCount),
        R(seL4_ARM_HugePageObject, OBJ_HUGE_PAGE), R(seL4_ARM_VSpaceObject, OBJ_VSPACE),
        R_U(seL4_ModeObjectTypeCount), R(seL4_ARM_SmallPageObject, OBJ_SMALL_PAGE),
        R(seL4_ARM_LargePageObject, OBJ_LARGE_PAGE), R(seL4_ARM_PageTableObject, OBJ_PAGE_TABLE),
        R(seL4_ObjectTypeCount, OBJ_TYPE_COUNT), R_U(seL4_ARM_VCPUObject),
        R_U(seL4_ARM_IOPageTableObject),
    };
    CHECK_GROUP("object_types", rows);
}

static void test_errors(void **state)
{
    (void)state;
    const struct row errors[] = {
        R(seL4_NoError, E_NONE), R(seL4_InvalidArgument, E_INVALID_ARGUMENT),
        R(seL4_InvalidCapability, E_INVALID_CAPABILITY),
        R(seL4_IllegalOperation, E_ILLEGAL_OPERATION), R(seL4_RangeError, E_RANGE),
        R(seL4_AlignmentError, E_ALIGNMENT), R(seL4_FailedLookup, E_FAILED_LOOKUP),
        R(seL4_TruncatedMessage, E_TRUNCATED_MESSAGE), R(seL4_DeleteFirst, E_DELETE_FIRST),
        R(seL4_RevokeFirst, E_REVOKE_FIRST), R(seL4_NotEnoughMemory, E_NOT_ENOUGH_MEMORY),
        R_U(seL4_NumErrors),
    };
    CHECK_GROUP("errors", errors);
    const struct row lookup[] = {
        R(seL4_NoFailure, LOOKUP_NO_FAILURE), R(seL4_InvalidRoot, LOOKUP_INVALID_ROOT),
        R(seL4_MissingCapability, LOOKUP_MISSING_CAPABILITY),
        R(seL4_DepthMismatch, LOOKUP_DEPTH_MISMATCH),
        R(seL4_GuardMismatch, LOOKUP_GUARD_MISMATCH),
    };
    CHECK_GROUP("lookup_failures", lookup);
}

static void test_syscalls(void **state)
{
    (void)state;
    const struct row rows[] = {
        R(seL4_SysCall, SYS_CALL), R(seL4_SysReplyRecv, SYS_REPLY_RECV),
        R(seL4_SysSend, SYS_SEND), R(seL4_SysNBSend, SYS_NB_SEND), R(seL4_SysRecv, SYS_RECV),
        R(seL4_SysReply, SYS_REPLY), R(seL4_SysYield, SYS_YIELD),
        R(seL4_SysNBRecv, SYS_NB_RECV), R(seL4_SysDebugPutChar, SYS_DEBUG_PUT_CHAR),
        R_U(seL4_SysDebugDumpScheduler), R(seL4_SysDebugNameThread, SYS_DEBUG_NAME_THREAD),
        R(seL4_SysBenchmarkNullSyscall, SYS_BENCHMARK_NULL_SYSCALL),
    };
    CHECK_GROUP("syscalls", rows);
}

static void test_faults(void **state)
{
    (void)state;
    const struct row rows[] = {
        R(seL4_Fault_NullFault, FAULT_NONE), R(seL4_Fault_CapFault, FAULT_CAP),
        R(seL4_Fault_UnknownSyscall, FAULT_UNKNOWN_SYSCALL),
        R(seL4_Fault_UserException, FAULT_USER_EXCEPTION), R(seL4_Fault_VMFault, FAULT_VM),
        R_U(seL4_CapFault_IP), R_U(seL4_CapFault_Addr), R_U(seL4_CapFault_InRecvPhase),
        R(seL4_CapFault_LookupFailureType, FAULT_CAP_LENGTH - 1), R_U(seL4_CapFault_BitsLeft),
        R_U(seL4_CapFault_DepthMismatch_BitsFound), R_U(seL4_CapFault_GuardMismatch_GuardFound),
        R_U(seL4_CapFault_GuardMismatch_BitsFound),
        R_U(seL4_UnknownSyscall_X0), R_U(seL4_UnknownSyscall_X7),
        R_U(seL4_UnknownSyscall_FaultIP), R_U(seL4_UnknownSyscall_SP),
        R_U(seL4_UnknownSyscall_LR), R_U(seL4_UnknownSyscall_SPSR),
        R_U(seL4_UnknownSyscall_Syscall),
        R(seL4_UnknownSyscall_Length, FAULT_UNKNOWN_SYSCALL_LENGTH),
        R_U(seL4_UserException_FaultIP), R_U(seL4_UserException_SP),
        R_U(seL4_UserException_SPSR), R_U(seL4_UserException_Number),
        R_U(seL4_UserException_Code),
        R(seL4_UserException_Length, FAULT_USER_EXCEPTION_LENGTH),
        R_U(seL4_VMFault_IP), R_U(seL4_VMFault_Addr), R_U(seL4_VMFault_PrefetchFault),
        R_U(seL4_VMFault_FSR), R(seL4_VMFault_Length, FAULT_VM_LENGTH),
    };
    CHECK_GROUP("faults", rows);
}

static void test_slots(void **state)
{
    (void)state;
    const struct row rows[] = {
        R(seL4_CapNull, SLOT_NULL), R(seL4_CapInitThreadTCB, SLOT_TCB),
        R(seL4_CapInitThreadCNode, SLOT_CNODE), R(seL4_CapInitThreadVSpace, SLOT_VSPACE),
        R(seL4_CapIRQControl, SLOT_IRQ_CONTROL), R(seL4_CapASIDControl, SLOT_ASID_CONTROL),
        R(seL4_CapInitThreadASIDPool, SLOT_ASID_POOL),
        R(seL4_CapIOPortControl, SLOT_IO_PORT_CONTROL), R(seL4_CapIOSpace, SLOT_IO_SPACE),
        R(seL4_CapBootInfoFrame, SLOT_BOOTINFO_FRAME),
        R(seL4_CapInitThreadIPCBuffer, SLOT_IPC_BUFFER), R(seL4_CapDomain, SLOT_DOMAIN),
        R(seL4_CapSMMUSIDControl, SLOT_SMMU_SID_CONTROL),
        R(seL4_CapSMMUCBControl, SLOT_SMMU_CB_CONTROL), R(seL4_CapInitThreadSC, SLOT_SC),
        R(seL4_CapSMC, SLOT_SMC), R(seL4_NumInitialCaps, SLOT_FIRST_FREE),
    };
    CHECK_GROUP("slots", rows);
}

static void test_constants(void **state)
{
    (void)state;
    const struct row rows[] = {
        R_U(seL4_WordBits), R_U(seL4_PageBits), R_U(seL4_LargePageBits), R_U(seL4_HugePageBits),
        R_U(seL4_SlotBits), R_U(seL4_TCBBits), R_U(seL4_EndpointBits),
        R_U(seL4_NotificationBits), R_U(seL4_PageTableBits), R_U(seL4_VSpaceBits),
        R_U(seL4_ASIDPoolBits), R_U(seL4_MinUntypedBits), R_U(seL4_MaxUntypedBits),
        R(seL4_IPCBufferSizeBits, IPC_BUFFER_BITS), R_U(seL4_BootInfoFrameBits),
        R(seL4_MsgMaxLength, MSG_MAX_LENGTH), R(seL4_MsgMaxExtraCaps, MSG_MAX_EXTRA_CAPS),
        R_U(seL4_MsgLengthBits), R_U(seL4_MsgExtraCapBits), R_U(seL4_FastMessageRegisters),
        R_U(seL4_GuardSizeBits), R_U(seL4_GuardBits), R_U(seL4_MinPrio), R_U(seL4_MaxPrio),
        R_U(seL4_UntypedRetypeMaxObjects), R_U(CONFIG_NUM_PRIORITIES),
        R(CONFIG_ROOT_CNODE_SIZE_BITS, ROOT_CNODE_BITS),
        R(CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS, BOOTINFO_MAX_UNTYPED),
        R_U(CONFIG_RETYPE_FAN_OUT_LIMIT),
        R(seL4_ARM_PageCacheable, VM_ATTR_CACHEABLE), R_U(seL4_ARM_ParityEnabled),
        R_U(seL4_ARM_Default_VMAttributes), R(seL4_ARM_ExecuteNever, VM_ATTR_EXECUTE_NEVER),
    };
    CHECK_GROUP("constants", rows);
}

/* Byte offsets: the user library's field against the kernel's field of the same meaning. */
#define OFF(ustruct, ufield, kstruct, kfield) \
    ROW(#ufield, offsetof(ustruct, ufield), offsetof(kstruct, kfield))
#define SUB(ustruct, ufield, kstruct, kfield) \
    ROW(#ustruct "." #ufield, offsetof(ustruct, ufield), offsetof(kstruct, kfield))
#define SIZE(ustruct, kstruct) ROW("sizeof(" #ustruct ")", sizeof(ustruct), sizeof(kstruct))

static void test_bootinfo(void **state)
{
    (void)state;
    const struct row rows[] = {
        OFF(seL4_BootInfo, extraLen, struct bootinfo, extra_len),
        OFF(seL4_BootInfo, nodeID, struct bootinfo, node_id),
        OFF(seL4_BootInfo, numNodes, struct bootinfo, num_nodes),
        OFF(seL4_BootInfo, numIOPTLevels, struct bootinfo, num_io_pt_levels),
        OFF(seL4_BootInfo, ipcBuffer, struct bootinfo, ipc_buffer),
        OFF(seL4_BootInfo, empty, struct bootinfo, empty),
        OFF(seL4_BootInfo, sharedFrames, struct bootinfo, shared_frames),
        OFF(seL4_BootInfo, userImageFrames, struct bootinfo, user_image_frames),
        OFF(seL4_BootInfo, userImagePaging, struct bootinfo, user_image_paging),
        OFF(seL4_BootInfo, ioSpaceCaps, struct bootinfo, io_space_caps),
        OFF(seL4_BootInfo, extraBIPages, struct bootinfo, extra_bi_pages),
        OFF(seL4_BootInfo, initThreadCNodeSizeBits, struct bootinfo,
            init_thread_cnode_size_bits),
        OFF(seL4_BootInfo, initThreadDomain, struct bootinfo, init_thread_domain),
        OFF(seL4_BootInfo, untyped, struct bootinfo, untyped),
        OFF(seL4_BootInfo, untypedList, struct bootinfo, untyped_list),
        SIZE(seL4_BootInfo, struct bootinfo),
        SUB(seL4_SlotRegion, start, struct slot_region, start),
        SUB(seL4_SlotRegion, end, struct slot_region, end),
        SIZE(seL4_SlotRegion, struct slot_region),
        SUB(seL4_UntypedDesc, paddr, struct untyped_desc, paddr),
        SUB(seL4_UntypedDesc, sizeBits, struct untyped_desc, size_bits),
        SUB(seL4_UntypedDesc, isDevice, struct untyped_desc, is_device),
        SUB(seL4_UntypedDesc, padding, struct untyped_desc, padding),
        SIZE(seL4_UntypedDesc, struct untyped_desc),
        SUB(seL4_BootInfoHeader, id, struct bootinfo_header, id),
        SUB(seL4_BootInfoHeader, len, struct bootinfo_header, len),
        SIZE(seL4_BootInfoHeader, struct bootinfo_header),
    };
    CHECK_GROUP("bootinfo", rows);
}

static void test_ipc_buffer(void **state)
{
    (void)state;
    const struct row rows[] = {
        OFF(seL4_IPCBuffer, tag, struct ipc_buffer, tag),
        OFF(seL4_IPCBuffer, msg, struct ipc_buffer, msg),
        OFF(seL4_IPCBuffer, userData, struct ipc_buffer, user_data),
        OFF(seL4_IPCBuffer, caps_or_badges, struct ipc_buffer, caps_or_badges),
        OFF(seL4_IPCBuffer, receiveCNode, struct ipc_buffer, receive_cnode),
        OFF(seL4_IPCBuffer, receiveIndex, struct ipc_buffer, receive_index),
        OFF(seL4_IPCBuffer, receiveDepth, struct ipc_buffer, receive_depth),
        SIZE(seL4_IPCBuffer, struct ipc_buffer),
    };
    CHECK_GROUP("ipc_buffer", rows);
}

/* The kernel names seL4_UserContext's words by index (enum user_context_reg). */
#define UC(field, index) ROW(#field, offsetof(seL4_UserContext, field), (index) * 8)

static void test_user_context(void **state)
{
    (void)state;
    const struct row rows[] = {
        UC(pc, UC_PC), UC(sp, UC_SP), UC(spsr, UC_SPSR), UC(x0, UC_X0), UC(x1, UC_X1),
        UC(x2, UC_X2), UC(x3, UC_X3), UC(x4, UC_X4), UC(x5, UC_X5), UC(x6, UC_X6),
        UC(x7, UC_X7), UC(x8, UC_X8), UC(x16, UC_X16), UC(x17, UC_X17), UC(x18, UC_X18),
        UC(x29, UC_X29), UC(x30, UC_X30), UC(x9, UC_X9), UC(x10, UC_X10), UC(x11, UC_X11),
        UC(x12, UC_X12), UC(x13, UC_X13), UC(x14, UC_X14), UC(x15, UC_X15), UC(x19, UC_X19),
        UC(x20, UC_X20), UC(x21, UC_X21), UC(x22, UC_X22), UC(x23, UC_X23), UC(x24, UC_X24),
        UC(x25, UC_X25), UC(x26, UC_X26), UC(x27, UC_X27), UC(x28, UC_X28),
        UC(tpidr_el0, UC_TPIDR_EL0), UC(tpidrro_el0, UC_TPIDRRO_EL0),
        ROW("sizeof(seL4_UserContext)", sizeof(seL4_UserContext), UC_COUNT * 8),
    };
    CHECK_GROUP("user_context", rows);
}

/* The kernel reads CNode guard data with two decoders; its value for new(guard, size) is the
 * word those decoders take apart into exactly guard and size (else a poisoned value). */
static int64_t kernel_capdata(uint64_t guard, uint64_t size)
{
    uint64_t w = seL4_CNode_CapData_new(guard, size).words[0];
    if (CNODE_DATA_GUARD(w) != guard || CNODE_DATA_GUARD_SIZE(w) != size)
        return 0x0bad0bad;
    return (int64_t)w;
}

static void test_bitfields(void **state)
{
    (void)state;
    const uint64_t label_max = (1ull << 52) - 1, guard_max = (1ull << 58) - 1;
    const struct row rows[] = {
        ROW("seL4_MessageInfo_new(1,0,0,0)", seL4_MessageInfo_new(1, 0, 0, 0).words[0],
            msginfo(1, 0, 0, 0)),
        ROW("seL4_MessageInfo_new(0,1,0,0)", seL4_MessageInfo_new(0, 1, 0, 0).words[0],
            msginfo(0, 1, 0, 0)),
        ROW("seL4_MessageInfo_new(0,0,1,0)", seL4_MessageInfo_new(0, 0, 1, 0).words[0],
            msginfo(0, 0, 1, 0)),
        ROW("seL4_MessageInfo_new(0,0,0,1)", seL4_MessageInfo_new(0, 0, 0, 1).words[0],
            msginfo(0, 0, 0, 1)),
        ROW("seL4_MessageInfo_new(max,7,3,127)",
            seL4_MessageInfo_new(label_max, 7, 3, 127).words[0], msginfo(label_max, 7, 3, 127)),
        ROW("seL4_CapRights_new(1,0,0,0)", seL4_CapRights_new(1, 0, 0, 0).words[0],
            RIGHT_GRANT_REPLY),
        ROW("seL4_CapRights_new(0,1,0,0)", seL4_CapRights_new(0, 1, 0, 0).words[0], RIGHT_GRANT),
        ROW("seL4_CapRights_new(0,0,1,0)", seL4_CapRights_new(0, 0, 1, 0).words[0], RIGHT_READ),
        ROW("seL4_CapRights_new(0,0,0,1)", seL4_CapRights_new(0, 0, 0, 1).words[0], RIGHT_WRITE),
        ROW("seL4_ReadWrite", seL4_ReadWrite.words[0], RIGHT_READ | RIGHT_WRITE),
        ROW("seL4_AllRights", seL4_AllRights.words[0], RIGHTS_ALL),
        ROW("seL4_CanRead", seL4_CanRead.words[0], RIGHT_READ),
        ROW("seL4_CanWrite", seL4_CanWrite.words[0], RIGHT_WRITE),
        ROW("seL4_CanGrant", seL4_CanGrant.words[0], RIGHT_GRANT),
        ROW("seL4_CanGrantReply", seL4_CanGrantReply.words[0], RIGHT_GRANT_REPLY),
        ROW("seL4_NoRights", seL4_NoRights.words[0], 0),
        ROW("seL4_CNode_CapData_new(1,0)", seL4_CNode_CapData_new(1, 0).words[0],
            kernel_capdata(1, 0)),
        ROW("seL4_CNode_CapData_new(0,1)", seL4_CNode_CapData_new(0, 1).words[0],
            kernel_capdata(0, 1)),
        ROW("seL4_CNode_CapData_new(0,52)", seL4_CNode_CapData_new(0, 52).words[0],
            kernel_capdata(0, 52)),
        ROW("seL4_CNode_CapData_new(max,63)", seL4_CNode_CapData_new(guard_max, 63).words[0],
            kernel_capdata(guard_max, 63)),
    };
    CHECK_GROUP("bitfields", rows);

    /* The accessors read back what the constructors wrote, and the kernel's readers agree. */
    seL4_MessageInfo_t m = seL4_MessageInfo_new(CNodeMint, 5, 2, 6);
    assert_int_equal(seL4_MessageInfo_get_label(m), CNodeMint);
    assert_int_equal(seL4_MessageInfo_get_capsUnwrapped(m), 5);
    assert_int_equal(seL4_MessageInfo_get_extraCaps(m), 2);
    assert_int_equal(seL4_MessageInfo_get_length(m), 6);
    assert_int_equal(msginfo_label(m.words[0]), CNODE_MINT);
    assert_int_equal(msginfo_caps(m.words[0]), 2);
    assert_int_equal(msginfo_length(m.words[0]), 6);
    m = seL4_MessageInfo_set_length(m, 120);
    assert_int_equal(seL4_MessageInfo_get_length(m), 120);
    assert_int_equal(seL4_MessageInfo_get_label(m), CNodeMint);
    seL4_CapRights_t r = seL4_CapRights_set_capAllowWrite(seL4_CanRead, 1);
    assert_int_equal(r.words[0], seL4_ReadWrite.words[0]);
    assert_int_equal(seL4_CapRights_get_capAllowGrant(seL4_AllRights), 1);
    assert_int_equal(seL4_CNode_CapData_get_guardSize(seL4_CNode_CapData_new(3, 52)), 52);
    assert_int_equal(seL4_CNode_CapData_get_guard(seL4_CNode_CapData_new(3, 52)), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_labels),       cmocka_unit_test(test_object_types),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_syscalls),
        cmocka_unit_test(test_slots),        cmocka_unit_test(test_constants),
        cmocka_unit_test(test_bootinfo),     cmocka_unit_test(test_ipc_buffer),
        cmocka_unit_test(test_user_context), cmocka_unit_test(test_bitfields),
        cmocka_unit_test(test_faults),
    };
    return cmocka_run_group_tests(tests, load_facts, NULL);
}
