/*
 * check_stubs.c: a compile test for the headers, never linked into a program. It calls every
 * system call and invocation stub once, so that the cross compile with warnings as errors,
 * which every build of the step runs (user/user.mk), checks each one's types and inline
 * assembly.
 */
#include <sel4/sel4.h>

int check_stubs(seL4_BootInfo *bi);

int check_stubs(seL4_BootInfo *bi)
{
    seL4_Word badge = 0, w = 0;
    seL4_UserContext regs = { 0 };
    seL4_MessageInfo_t info = seL4_MessageInfo_new(0, 0, 0, 1);
    seL4_CPtr ep = bi->empty.start;
    int errors = 0;

    seL4_SetIPCBuffer(bi->ipcBuffer);
    seL4_SetMR(0, seL4_GetMR(1));
    seL4_SetCap(0, seL4_GetCap(1) + seL4_GetBadge(2));
    seL4_SetUserData(seL4_GetUserData());
    seL4_SetCapReceivePath(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits);
    seL4_GetCapReceivePath(&w, seL4_Null, &w);

    /* System calls. */
    seL4_Send(ep, info);
    seL4_NBSend(ep, info);
    seL4_SendWithMRs(ep, info, &w, seL4_Null, seL4_Null, seL4_Null);
    seL4_NBSendWithMRs(ep, info, &w, &w, &w, &w);
    info = seL4_Recv(ep, &badge);
    info = seL4_NBRecv(ep, seL4_Null);
    info = seL4_RecvWithMRs(ep, &badge, &w, seL4_Null, seL4_Null, seL4_Null);
    info = seL4_Call(ep, info);
    info = seL4_CallWithMRs(ep, info, &w, &w, seL4_Null, seL4_Null);
    seL4_Reply(info);
    seL4_ReplyWithMRs(info, &w, seL4_Null, seL4_Null, seL4_Null);
    info = seL4_ReplyRecv(ep, info, &badge);
    info = seL4_ReplyRecvWithMRs(ep, info, &badge, &w, &w, &w, &w);
    seL4_Signal(ep);
    seL4_Wait(ep, &badge);
    info = seL4_Poll(ep, &badge);
    seL4_Yield();
    seL4_DebugPutChar('x');
    seL4_DebugPutString("ok\n");
    seL4_DebugNameThread(seL4_CapInitThreadTCB, "stubs");
    seL4_DebugDumpScheduler();
    seL4_BenchmarkNullSyscall();

    /* Invocations. */
    errors += seL4_Untyped_Retype(bi->untyped.start, seL4_EndpointObject, 0,
                                  seL4_CapInitThreadCNode, 0, 0, ep, 1);
    errors += seL4_TCB_ReadRegisters(seL4_CapInitThreadTCB, seL4_False, 0, 36, &regs);
    errors += seL4_TCB_WriteRegisters(seL4_CapInitThreadTCB, seL4_True, 0, 36, &regs);
    errors += seL4_TCB_CopyRegisters(ep, seL4_CapInitThreadTCB, 1, 1, 1, 1, 0);
    errors += seL4_TCB_Configure(ep, 0, seL4_CapInitThreadCNode,
                                 seL4_CNode_CapData_new(0, 52).words[0],
                                 seL4_CapInitThreadVSpace, seL4_NilData, 0x500000, ep + 1);
    errors += seL4_TCB_SetPriority(ep, seL4_CapInitThreadTCB, 100);
    errors += seL4_TCB_SetMCPriority(ep, seL4_CapInitThreadTCB, 100);
    errors += seL4_TCB_SetSchedParams(ep, seL4_CapInitThreadTCB, 100, 100);
    errors += seL4_TCB_SetIPCBuffer(ep, 0x500000, ep + 1);
    errors += seL4_TCB_SetSpace(ep, 0, seL4_CapInitThreadCNode, 0, seL4_CapInitThreadVSpace, 0);
    errors += seL4_TCB_Suspend(ep);
    errors += seL4_TCB_Resume(ep);
    errors += seL4_TCB_BindNotification(ep, ep + 1);
    errors += seL4_TCB_UnbindNotification(ep);
    errors += seL4_TCB_SetTLSBase(ep, 0x1000);
    errors += seL4_TCB_SetFlags(ep, 0, 0).error;
    errors += seL4_CNode_Revoke(seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_CNode_Delete(seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_CNode_CancelBadgedSends(seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_CNode_Copy(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits,
                              seL4_CapInitThreadCNode, ep, seL4_WordBits, seL4_AllRights);
    errors += seL4_CNode_Mint(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits,
                              seL4_CapInitThreadCNode, ep, seL4_WordBits, seL4_CanWrite, 42);
    errors += seL4_CNode_Move(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits,
                              seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_CNode_Mutate(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits,
                                seL4_CapInitThreadCNode, ep, seL4_WordBits, 7);
    errors += seL4_CNode_Rotate(seL4_CapInitThreadCNode, ep + 1, seL4_WordBits, 1,
                                seL4_CapInitThreadCNode, ep + 2, seL4_WordBits, 2,
                                seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_CNode_SaveCaller(seL4_CapInitThreadCNode, ep, seL4_WordBits);
    errors += seL4_IRQControl_Get(seL4_CapIRQControl, 61, seL4_CapInitThreadCNode, ep,
                                  seL4_WordBits);
    errors += seL4_IRQControl_GetTrigger(seL4_CapIRQControl, 61, 0, seL4_CapInitThreadCNode,
                                         ep, seL4_WordBits);
    errors += seL4_IRQHandler_Ack(ep);
    errors += seL4_IRQHandler_SetNotification(ep, ep + 1);
    errors += seL4_IRQHandler_Clear(ep);
    errors += seL4_ARM_VSpace_Clean_Data(seL4_CapInitThreadVSpace, 0x400000, 0x401000);
    errors += seL4_ARM_VSpace_Invalidate_Data(seL4_CapInitThreadVSpace, 0x400000, 0x401000);
    errors += seL4_ARM_VSpace_CleanInvalidate_Data(seL4_CapInitThreadVSpace, 0x400000, 0x401000);
    errors += seL4_ARM_VSpace_Unify_Instruction(seL4_CapInitThreadVSpace, 0x400000, 0x401000);
    errors += seL4_ARM_PageTable_Map(ep, seL4_CapInitThreadVSpace, 0x40000000,
                                     seL4_ARM_Default_VMAttributes);
    errors += seL4_ARM_PageTable_Unmap(ep);
    errors += seL4_ARM_Page_Map(ep, seL4_CapInitThreadVSpace, 0x40000000, seL4_ReadWrite,
                                seL4_ARM_Default_VMAttributes | seL4_ARM_ExecuteNever);
    errors += seL4_ARM_Page_Unmap(ep);
    errors += seL4_ARM_Page_Clean_Data(ep, 0, 4096);
    errors += seL4_ARM_Page_Invalidate_Data(ep, 0, 4096);
    errors += seL4_ARM_Page_CleanInvalidate_Data(ep, 0, 4096);
    errors += seL4_ARM_Page_Unify_Instruction(ep, 0, 4096);
    errors += seL4_ARM_Page_GetAddress(ep).error;
    errors += seL4_ARM_ASIDControl_MakePool(seL4_CapASIDControl, ep, seL4_CapInitThreadCNode,
                                            ep + 1, seL4_WordBits);
    errors += seL4_ARM_ASIDPool_Assign(seL4_CapInitThreadASIDPool, seL4_CapInitThreadVSpace);
    return errors + (int)seL4_MessageInfo_get_length(info) + (int)badge + (int)regs.x0;
}
