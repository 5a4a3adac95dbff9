/*
 * sel4/invocations.h: one function per method of a kernel object, named, typed and
 * marshalled as the stubs seL4 generates from its interface descriptions (libsel4's
 * interfaces/sel4_client.h, made by tools/syscall_stub_gen.py).
 *
 * An invocation is a seL4_Call on the object's cap. The stub packs the arguments by seL4's
 * rules, in the order they are declared:
 *   - every argument that is a cap (its type is a cptr type: seL4_CNode, seL4_TCB, seL4_CPtr...)
 *     but the invoked one goes in the IPC buffer's caps_or_badges[], in order: extra cap 0, 1...
 *   - every other argument goes in the message registers, in order. A word-sized one takes a
 *     register of its own. Smaller ones (seL4_Uint8 is 8 bits, seL4_Bool 1 bit) are packed
 *     into a shared register, each at the next bit position that is a multiple of its own size,
 *     and a word-sized one after them starts a new register. So TCB_ReadRegisters' MR0 is
 *     suspend_source in bit 0 and arch_flags in bits 15..8.
 * The label is the method's invocation label; length and extraCaps count what was packed.
 *
 * The answer's label is a seL4_Error, which the stub returns. On an error the kernel has put
 * details in MR0.. (e.g. RangeError: MR0 = least, MR1 = greatest allowed); the stub stores
 * MR0-MR3 from the registers into the IPC buffer, so seL4_GetMR(0) reads them. A method with
 * outputs returns a struct (seL4_ARM_Page_GetAddress_t: { int error; seL4_Word paddr; }) or
 * fills the structure its last argument points to (TCB_ReadRegisters).
 *
 * The comment before each stub gives its message: label, MR0.., caps, outputs. LAYOUTS.md,
 * beside this directory, is the same list as a table, which the kernel's decoder follows.
 */
#ifndef SEL4_INVOCATIONS_H
#define SEL4_INVOCATIONS_H

#include <sel4/types.h>
#include <sel4/functions.h>
#include <sel4/syscalls.h>

/* The tail of every stub: Call `service` with MR0-MR3 from mr[] (mr[] gets the answer's MR0-MR3
 * back), and on an error copy them into the IPC buffer, where seL4_GetMR finds them. */
static inline seL4_Error seL4_invoke_(seL4_CPtr service, seL4_MessageInfo_t tag, seL4_Word mr[4])
{
    seL4_MessageInfo_t out = seL4_CallWithMRs(service, tag, &mr[0], &mr[1], &mr[2], &mr[3]);
    seL4_Error err = (seL4_Error)seL4_MessageInfo_get_label(out);
    if (err != seL4_NoError) {
        for (int i = 0; i < seL4_FastMessageRegisters; i++)
            seL4_SetMR(i, mr[i]);
    }
    return err;
}

/* Masks for the packed small arguments. */
#define SEL4_U8_(v)   ((seL4_Word)(v) & 0xffull)
#define SEL4_BOOL_(v) ((seL4_Word)(v) & 0x1ull)

/* ======================================= Untyped ======================================= */

/* Untyped_Retype (1): MR0 type, MR1 size_bits, MR2 node_index, MR3 node_depth, MR4 node_offset,
 * MR5 num_objects; cap0 root. Makes num_objects objects; their caps go in slots node_offset..
 * of the CNode found at node_index (node_depth bits) in the CSpace rooted at `root`. */
static inline seL4_Error seL4_Untyped_Retype(seL4_Untyped _service, seL4_Word type,
                                             seL4_Word size_bits, seL4_CNode root,
                                             seL4_Word node_index, seL4_Word node_depth,
                                             seL4_Word node_offset, seL4_Word num_objects)
{
    seL4_Word mr[4] = { type, size_bits, node_index, node_depth };
    seL4_SetCap(0, root);
    seL4_SetMR(4, node_offset);
    seL4_SetMR(5, num_objects);
    return seL4_invoke_(_service, seL4_MessageInfo_new(UntypedRetype, 0, 1, 6), mr);
}

/* ========================================= TCB ========================================= */

/* TCB_ReadRegisters (2): MR0 suspend_source (bit 0) | arch_flags (bits 15..8), MR1 count.
 * Answer: MR0..MR(count-1) = the first `count` words of seL4_UserContext, stored in *regs.
 * (As in seL4, *regs is filled from the answer even on an error; here never past its end.) */
static inline seL4_Error seL4_TCB_ReadRegisters(seL4_TCB _service, seL4_Bool suspend_source,
                                                seL4_Uint8 arch_flags, seL4_Word count,
                                                seL4_UserContext *regs)
{
    seL4_Word mr[4] = { SEL4_BOOL_(suspend_source) | SEL4_U8_(arch_flags) << 8, count };
    seL4_Error err = seL4_invoke_(_service, seL4_MessageInfo_new(TCBReadRegisters, 0, 0, 2), mr);
    seL4_Word *w = (seL4_Word *)regs;
    const seL4_Word words = sizeof(*regs) / sizeof(seL4_Word);
    for (seL4_Word i = 0; i < seL4_FastMessageRegisters; i++)
        w[i] = mr[i];
    for (seL4_Word i = seL4_FastMessageRegisters; i < count && i < words; i++)
        w[i] = seL4_GetMR(i);
    return err;
}

/* TCB_WriteRegisters (3): MR0 resume_target (bit 0) | arch_flags (bits 15..8), MR1 count,
 * MR2..MR37 the 36 words of seL4_UserContext (length is always 38; only the first `count`
 * words are filled in, the kernel reads no more). */
static inline seL4_Error seL4_TCB_WriteRegisters(seL4_TCB _service, seL4_Bool resume_target,
                                                 seL4_Uint8 arch_flags, seL4_Word count,
                                                 seL4_UserContext *regs)
{
    const seL4_Word *w = (const seL4_Word *)regs;
    const seL4_Word words = sizeof(*regs) / sizeof(seL4_Word);
    seL4_Word mr[4] = { SEL4_BOOL_(resume_target) | SEL4_U8_(arch_flags) << 8, count,
                        regs->pc, regs->sp };
    for (seL4_Word i = 2; i < count && i < words; i++)
        seL4_SetMR(i + 2, w[i]);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBWriteRegisters, 0, 0, 2 + words), mr);
}

/* TCB_CopyRegisters (4): MR0 suspend_source (bit 0) | resume_target (bit 1) | transfer_frame
 * (bit 2) | transfer_integer (bit 3) | arch_flags (bits 15..8); cap0 source. */
static inline seL4_Error seL4_TCB_CopyRegisters(seL4_TCB _service, seL4_TCB source,
                                                seL4_Bool suspend_source, seL4_Bool resume_target,
                                                seL4_Bool transfer_frame,
                                                seL4_Bool transfer_integer, seL4_Uint8 arch_flags)
{
    seL4_Word mr[4] = { SEL4_BOOL_(suspend_source) | SEL4_BOOL_(resume_target) << 1 |
                        SEL4_BOOL_(transfer_frame) << 2 | SEL4_BOOL_(transfer_integer) << 3 |
                        SEL4_U8_(arch_flags) << 8 };
    seL4_SetCap(0, source);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBCopyRegisters, 0, 1, 1), mr);
}

/* TCB_Configure (5, non-MCS): MR0 fault_ep, MR1 cspace_root_data, MR2 vspace_root_data,
 * MR3 buffer; cap0 cspace_root, cap1 vspace_root, cap2 bufferFrame. fault_ep is a cptr in the
 * configured thread's CSpace, passed as a word (not a cap). */
static inline seL4_Error seL4_TCB_Configure(seL4_TCB _service, seL4_Word fault_ep,
                                            seL4_CNode cspace_root, seL4_Word cspace_root_data,
                                            seL4_CPtr vspace_root, seL4_Word vspace_root_data,
                                            seL4_Word buffer, seL4_CPtr bufferFrame)
{
    seL4_Word mr[4] = { fault_ep, cspace_root_data, vspace_root_data, buffer };
    seL4_SetCap(0, cspace_root);
    seL4_SetCap(1, vspace_root);
    seL4_SetCap(2, bufferFrame);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBConfigure, 0, 3, 4), mr);
}

/* TCB_SetPriority (6): MR0 priority; cap0 authority (a TCB whose MCP bounds the priority). */
static inline seL4_Error seL4_TCB_SetPriority(seL4_TCB _service, seL4_TCB authority,
                                              seL4_Word priority)
{
    seL4_Word mr[4] = { priority };
    seL4_SetCap(0, authority);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetPriority, 0, 1, 1), mr);
}

/* TCB_SetMCPriority (7): MR0 mcp; cap0 authority. */
static inline seL4_Error seL4_TCB_SetMCPriority(seL4_TCB _service, seL4_TCB authority,
                                                seL4_Word mcp)
{
    seL4_Word mr[4] = { mcp };
    seL4_SetCap(0, authority);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetMCPriority, 0, 1, 1), mr);
}

/* TCB_SetSchedParams (8, non-MCS): MR0 mcp, MR1 priority; cap0 authority. */
static inline seL4_Error seL4_TCB_SetSchedParams(seL4_TCB _service, seL4_TCB authority,
                                                 seL4_Word mcp, seL4_Word priority)
{
    seL4_Word mr[4] = { mcp, priority };
    seL4_SetCap(0, authority);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetSchedParams, 0, 1, 2), mr);
}

/* TCB_SetIPCBuffer (9): MR0 buffer (the buffer's user address); cap0 bufferFrame. */
static inline seL4_Error seL4_TCB_SetIPCBuffer(seL4_TCB _service, seL4_Word buffer,
                                               seL4_CPtr bufferFrame)
{
    seL4_Word mr[4] = { buffer };
    seL4_SetCap(0, bufferFrame);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetIPCBuffer, 0, 1, 1), mr);
}

/* TCB_SetSpace (10, non-MCS): MR0 fault_ep, MR1 cspace_root_data, MR2 vspace_root_data;
 * cap0 cspace_root, cap1 vspace_root. */
static inline seL4_Error seL4_TCB_SetSpace(seL4_TCB _service, seL4_Word fault_ep,
                                           seL4_CNode cspace_root, seL4_Word cspace_root_data,
                                           seL4_CPtr vspace_root, seL4_Word vspace_root_data)
{
    seL4_Word mr[4] = { fault_ep, cspace_root_data, vspace_root_data };
    seL4_SetCap(0, cspace_root);
    seL4_SetCap(1, vspace_root);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetSpace, 0, 2, 3), mr);
}

/* TCB_Suspend (11): no arguments. The thread stops (Inactive) until resumed. */
static inline seL4_Error seL4_TCB_Suspend(seL4_TCB _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSuspend, 0, 0, 0), mr);
}

/* TCB_Resume (12): no arguments. An Inactive thread becomes runnable. */
static inline seL4_Error seL4_TCB_Resume(seL4_TCB _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBResume, 0, 0, 0), mr);
}

/* TCB_BindNotification (13): no MRs; cap0 notification. */
static inline seL4_Error seL4_TCB_BindNotification(seL4_TCB _service, seL4_CPtr notification)
{
    seL4_Word mr[4] = { 0 };
    seL4_SetCap(0, notification);
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBBindNotification, 0, 1, 0), mr);
}

/* TCB_UnbindNotification (14): no arguments. */
static inline seL4_Error seL4_TCB_UnbindNotification(seL4_TCB _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBUnbindNotification, 0, 0, 0), mr);
}

/* TCB_SetTLSBase (15): MR0 tls_base (the thread's TPIDR_EL0). */
static inline seL4_Error seL4_TCB_SetTLSBase(seL4_TCB _service, seL4_Word tls_base)
{
    seL4_Word mr[4] = { tls_base };
    return seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetTLSBase, 0, 0, 1), mr);
}

/* TCB_SetFlags (16): MR0 clear, MR1 set. Answer: MR0 = the flags now set. */
typedef struct seL4_TCB_SetFlags {
    int error;
    seL4_Word flags;
} seL4_TCB_SetFlags_t;

static inline seL4_TCB_SetFlags_t seL4_TCB_SetFlags(seL4_TCB _service, seL4_Word clear,
                                                    seL4_Word set)
{
    seL4_TCB_SetFlags_t result = { 0, 0 };
    seL4_Word mr[4] = { clear, set };
    result.error = seL4_invoke_(_service, seL4_MessageInfo_new(TCBSetFlags, 0, 0, 2), mr);
    if (result.error == seL4_NoError)
        result.flags = mr[0];
    return result;
}

/* ======================================== CNode ========================================
 * The invoked cap is the CNode at the root of a CSpace; a slot is named by an index (a cptr
 * in that CSpace) and a depth (how many of its bits to resolve). Depths are 8-bit arguments,
 * so each sits alone in the low bits of its own register. */

/* CNode_Revoke (17): MR0 index, MR1 depth. Deletes every cap derived from that slot's cap. */
static inline seL4_Error seL4_CNode_Revoke(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    seL4_Word mr[4] = { index, SEL4_U8_(depth) };
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeRevoke, 0, 0, 2), mr);
}

/* CNode_Delete (18): MR0 index, MR1 depth. Empties the slot. */
static inline seL4_Error seL4_CNode_Delete(seL4_CNode _service, seL4_Word index, seL4_Uint8 depth)
{
    seL4_Word mr[4] = { index, SEL4_U8_(depth) };
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeDelete, 0, 0, 2), mr);
}

/* CNode_CancelBadgedSends (19): MR0 index, MR1 depth. */
static inline seL4_Error seL4_CNode_CancelBadgedSends(seL4_CNode _service, seL4_Word index,
                                                      seL4_Uint8 depth)
{
    seL4_Word mr[4] = { index, SEL4_U8_(depth) };
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeCancelBadgedSends, 0, 0, 2), mr);
}

/* CNode_Copy (20): MR0 dest_index, MR1 dest_depth, MR2 src_index, MR3 src_depth, MR4 rights;
 * cap0 src_root. The invoked CNode is the destination's root. */
static inline seL4_Error seL4_CNode_Copy(seL4_CNode _service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth,
                                         seL4_CapRights_t rights)
{
    seL4_Word mr[4] = { dest_index, SEL4_U8_(dest_depth), src_index, SEL4_U8_(src_depth) };
    seL4_SetCap(0, src_root);
    seL4_SetMR(4, rights.words[0]);
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeCopy, 0, 1, 5), mr);
}

/* CNode_Mint (21): MR0 dest_index, MR1 dest_depth, MR2 src_index, MR3 src_depth, MR4 rights,
 * MR5 badge (a badge for an endpoint or notification cap, a seL4_CNode_CapData word for a CNode
 * cap); cap0 src_root. */
static inline seL4_Error seL4_CNode_Mint(seL4_CNode _service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth,
                                         seL4_CapRights_t rights, seL4_Word badge)
{
    seL4_Word mr[4] = { dest_index, SEL4_U8_(dest_depth), src_index, SEL4_U8_(src_depth) };
    seL4_SetCap(0, src_root);
    seL4_SetMR(4, rights.words[0]);
    seL4_SetMR(5, badge);
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeMint, 0, 1, 6), mr);
}

/* CNode_Move (22): MR0 dest_index, MR1 dest_depth, MR2 src_index, MR3 src_depth; cap0 src_root. */
static inline seL4_Error seL4_CNode_Move(seL4_CNode _service, seL4_Word dest_index,
                                         seL4_Uint8 dest_depth, seL4_CNode src_root,
                                         seL4_Word src_index, seL4_Uint8 src_depth)
{
    seL4_Word mr[4] = { dest_index, SEL4_U8_(dest_depth), src_index, SEL4_U8_(src_depth) };
    seL4_SetCap(0, src_root);
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeMove, 0, 1, 4), mr);
}

/* CNode_Mutate (23): MR0 dest_index, MR1 dest_depth, MR2 src_index, MR3 src_depth, MR4 badge;
 * cap0 src_root. */
static inline seL4_Error seL4_CNode_Mutate(seL4_CNode _service, seL4_Word dest_index,
                                           seL4_Uint8 dest_depth, seL4_CNode src_root,
                                           seL4_Word src_index, seL4_Uint8 src_depth,
                                           seL4_Word badge)
{
    seL4_Word mr[4] = { dest_index, SEL4_U8_(dest_depth), src_index, SEL4_U8_(src_depth) };
    seL4_SetCap(0, src_root);
    seL4_SetMR(4, badge);
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeMutate, 0, 1, 5), mr);
}

/* CNode_Rotate (24): MR0 dest_index, MR1 dest_depth, MR2 dest_badge, MR3 pivot_index,
 * MR4 pivot_depth, MR5 pivot_badge, MR6 src_index, MR7 src_depth; cap0 pivot_root,
 * cap1 src_root. */
static inline seL4_Error seL4_CNode_Rotate(seL4_CNode _service, seL4_Word dest_index,
                                           seL4_Uint8 dest_depth, seL4_Word dest_badge,
                                           seL4_CNode pivot_root, seL4_Word pivot_index,
                                           seL4_Uint8 pivot_depth, seL4_Word pivot_badge,
                                           seL4_CNode src_root, seL4_Word src_index,
                                           seL4_Uint8 src_depth)
{
    seL4_Word mr[4] = { dest_index, SEL4_U8_(dest_depth), dest_badge, pivot_index };
    seL4_SetCap(0, pivot_root);
    seL4_SetCap(1, src_root);
    seL4_SetMR(4, SEL4_U8_(pivot_depth));
    seL4_SetMR(5, pivot_badge);
    seL4_SetMR(6, src_index);
    seL4_SetMR(7, SEL4_U8_(src_depth));
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeRotate, 0, 2, 8), mr);
}

/* CNode_SaveCaller (25, non-MCS): MR0 index, MR1 depth. Moves the reply cap of the last Call
 * received into that slot. */
static inline seL4_Error seL4_CNode_SaveCaller(seL4_CNode _service, seL4_Word index,
                                               seL4_Uint8 depth)
{
    seL4_Word mr[4] = { index, SEL4_U8_(depth) };
    return seL4_invoke_(_service, seL4_MessageInfo_new(CNodeSaveCaller, 0, 0, 2), mr);
}

/* ================================== IRQControl, IRQHandler ================================== */

/* IRQControl_Get (26, IRQIssueIRQHandler): MR0 irq, MR1 index, MR2 depth; cap0 root. Puts an
 * IRQHandler cap for `irq` in the slot index (depth bits) of the CSpace rooted at `root`. */
static inline seL4_Error seL4_IRQControl_Get(seL4_IRQControl _service, seL4_Word irq,
                                             seL4_CNode root, seL4_Word index, seL4_Uint8 depth)
{
    seL4_Word mr[4] = { irq, index, SEL4_U8_(depth) };
    seL4_SetCap(0, root);
    return seL4_invoke_(_service, seL4_MessageInfo_new(IRQIssueIRQHandler, 0, 1, 3), mr);
}

/* IRQControl_GetTrigger (49, ARMIRQIssueIRQHandlerTrigger): MR0 irq, MR1 trigger (1 edge,
 * 0 level), MR2 index, MR3 depth; cap0 root. On a board whose interrupt controller has no
 * trigger setting (the Pi 3's), seL4 answers IllegalOperation. */
static inline seL4_Error seL4_IRQControl_GetTrigger(seL4_IRQControl _service, seL4_Word irq,
                                                    seL4_Word trigger, seL4_CNode root,
                                                    seL4_Word index, seL4_Uint8 depth)
{
    seL4_Word mr[4] = { irq, trigger, index, SEL4_U8_(depth) };
    seL4_SetCap(0, root);
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMIRQIssueIRQHandlerTrigger, 0, 1, 4),
                        mr);
}

/* IRQHandler_Ack (27, IRQAckIRQ): no arguments. Unmasks the interrupt again. */
static inline seL4_Error seL4_IRQHandler_Ack(seL4_IRQHandler _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(IRQAckIRQ, 0, 0, 0), mr);
}

/* IRQHandler_SetNotification (28, IRQSetIRQHandler): no MRs; cap0 notification. */
static inline seL4_Error seL4_IRQHandler_SetNotification(seL4_IRQHandler _service,
                                                         seL4_CPtr notification)
{
    seL4_Word mr[4] = { 0 };
    seL4_SetCap(0, notification);
    return seL4_invoke_(_service, seL4_MessageInfo_new(IRQSetIRQHandler, 0, 1, 0), mr);
}

/* IRQHandler_Clear (29, IRQClearIRQHandler): no arguments. */
static inline seL4_Error seL4_IRQHandler_Clear(seL4_IRQHandler _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(IRQClearIRQHandler, 0, 0, 0), mr);
}

/* ============================== ARM_VSpace: cache maintenance ==============================
 * All four: MR0 start, MR1 end (user addresses, [start, end) in the invoked VSpace). */

/* ARM_VSpace_Clean_Data (33). */
static inline seL4_Error seL4_ARM_VSpace_Clean_Data(seL4_ARM_VSpace _service, seL4_Word start,
                                                    seL4_Word end)
{
    seL4_Word mr[4] = { start, end };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMVSpaceClean_Data, 0, 0, 2), mr);
}

/* ARM_VSpace_Invalidate_Data (34). */
static inline seL4_Error seL4_ARM_VSpace_Invalidate_Data(seL4_ARM_VSpace _service,
                                                         seL4_Word start, seL4_Word end)
{
    seL4_Word mr[4] = { start, end };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMVSpaceInvalidate_Data, 0, 0, 2), mr);
}

/* ARM_VSpace_CleanInvalidate_Data (35). */
static inline seL4_Error seL4_ARM_VSpace_CleanInvalidate_Data(seL4_ARM_VSpace _service,
                                                              seL4_Word start, seL4_Word end)
{
    seL4_Word mr[4] = { start, end };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMVSpaceCleanInvalidate_Data, 0, 0, 2),
                        mr);
}

/* ARM_VSpace_Unify_Instruction (36). */
static inline seL4_Error seL4_ARM_VSpace_Unify_Instruction(seL4_ARM_VSpace _service,
                                                           seL4_Word start, seL4_Word end)
{
    seL4_Word mr[4] = { start, end };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMVSpaceUnify_Instruction, 0, 0, 2), mr);
}

/* ====================================== ARM_PageTable ====================================== */

/* ARM_PageTable_Map (38): MR0 vaddr, MR1 attr; cap0 vspace. */
static inline seL4_Error seL4_ARM_PageTable_Map(seL4_ARM_PageTable _service, seL4_CPtr vspace,
                                                seL4_Word vaddr, seL4_ARM_VMAttributes attr)
{
    seL4_Word mr[4] = { vaddr, (seL4_Word)attr };
    seL4_SetCap(0, vspace);
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageTableMap, 0, 1, 2), mr);
}

/* ARM_PageTable_Unmap (39): no arguments. */
static inline seL4_Error seL4_ARM_PageTable_Unmap(seL4_ARM_PageTable _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageTableUnmap, 0, 0, 0), mr);
}

/* ======================================== ARM_Page ======================================== */

/* ARM_Page_Map (40): MR0 vaddr, MR1 rights, MR2 attr; cap0 vspace. */
static inline seL4_Error seL4_ARM_Page_Map(seL4_ARM_Page _service, seL4_CPtr vspace,
                                           seL4_Word vaddr, seL4_CapRights_t rights,
                                           seL4_ARM_VMAttributes attr)
{
    seL4_Word mr[4] = { vaddr, rights.words[0], (seL4_Word)attr };
    seL4_SetCap(0, vspace);
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageMap, 0, 1, 3), mr);
}

/* ARM_Page_Unmap (41): no arguments. */
static inline seL4_Error seL4_ARM_Page_Unmap(seL4_ARM_Page _service)
{
    seL4_Word mr[4] = { 0 };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageUnmap, 0, 0, 0), mr);
}

/* Cache maintenance on part of a mapped frame (42-45): MR0 start_offset, MR1 end_offset,
 * byte offsets into the frame. */

/* ARM_Page_Clean_Data (42). */
static inline seL4_Error seL4_ARM_Page_Clean_Data(seL4_ARM_Page _service, seL4_Word start_offset,
                                                  seL4_Word end_offset)
{
    seL4_Word mr[4] = { start_offset, end_offset };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageClean_Data, 0, 0, 2), mr);
}

/* ARM_Page_Invalidate_Data (43). */
static inline seL4_Error seL4_ARM_Page_Invalidate_Data(seL4_ARM_Page _service,
                                                       seL4_Word start_offset,
                                                       seL4_Word end_offset)
{
    seL4_Word mr[4] = { start_offset, end_offset };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageInvalidate_Data, 0, 0, 2), mr);
}

/* ARM_Page_CleanInvalidate_Data (44). */
static inline seL4_Error seL4_ARM_Page_CleanInvalidate_Data(seL4_ARM_Page _service,
                                                            seL4_Word start_offset,
                                                            seL4_Word end_offset)
{
    seL4_Word mr[4] = { start_offset, end_offset };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageCleanInvalidate_Data, 0, 0, 2),
                        mr);
}

/* ARM_Page_Unify_Instruction (45). */
static inline seL4_Error seL4_ARM_Page_Unify_Instruction(seL4_ARM_Page _service,
                                                         seL4_Word start_offset,
                                                         seL4_Word end_offset)
{
    seL4_Word mr[4] = { start_offset, end_offset };
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageUnify_Instruction, 0, 0, 2), mr);
}

/* ARM_Page_GetAddress (46): no arguments. Answer: MR0 = the frame's physical address. */
typedef struct seL4_ARM_Page_GetAddress {
    int error;
    seL4_Word paddr;
} seL4_ARM_Page_GetAddress_t;

static inline seL4_ARM_Page_GetAddress_t seL4_ARM_Page_GetAddress(seL4_ARM_Page _service)
{
    seL4_ARM_Page_GetAddress_t result = { 0, 0 };
    seL4_Word mr[4] = { 0 };
    result.error = seL4_invoke_(_service, seL4_MessageInfo_new(ARMPageGetAddress, 0, 0, 0), mr);
    if (result.error == seL4_NoError)
        result.paddr = mr[0];
    return result;
}

/* =================================== ASIDControl, ASIDPool =================================== */

/* ARM_ASIDControl_MakePool (47): MR0 index, MR1 depth; cap0 untyped, cap1 root. (This kernel
 * has no ASID control cap: slot 5 is empty.) */
static inline seL4_Error seL4_ARM_ASIDControl_MakePool(seL4_ARM_ASIDControl _service,
                                                       seL4_Untyped untyped, seL4_CNode root,
                                                       seL4_Word index, seL4_Uint8 depth)
{
    seL4_Word mr[4] = { index, SEL4_U8_(depth) };
    seL4_SetCap(0, untyped);
    seL4_SetCap(1, root);
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMASIDControlMakePool, 0, 2, 2), mr);
}

/* ARM_ASIDPool_Assign (48): no MRs; cap0 vspace. (This kernel gives a VSpace its ASID when it
 * is made; Assign through slot 6 succeeds and does nothing.) */
static inline seL4_Error seL4_ARM_ASIDPool_Assign(seL4_ARM_ASIDPool _service, seL4_CPtr vspace)
{
    seL4_Word mr[4] = { 0 };
    seL4_SetCap(0, vspace);
    return seL4_invoke_(_service, seL4_MessageInfo_new(ARMASIDPoolAssign, 0, 1, 0), mr);
}

#undef SEL4_U8_
#undef SEL4_BOOL_

#endif
