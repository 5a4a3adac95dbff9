/*
 * sel4/syscalls.h: the system calls, seL4's AArch64 convention.
 *
 * A system call is `svc #0` with its number in x7. The registers carry the message:
 *
 *     x0  in: the cptr to invoke or receive on     out: the badge of whoever sent the message
 *     x1  in: the message info (seL4_MessageInfo)  out: the message info of what arrived
 *     x2-x5  message registers MR0-MR3, both ways
 *
 * MR4 and above travel in the IPC buffer (msg[4..]), and so do the cptrs of caps sent with a
 * message. The stubs keep one rule: between calls, all message registers live in the IPC
 * buffer. So a stub loads MR0-MR3 from msg[0..3] into x2-x5 before `svc`, and stores x2-x5
 * back into msg[0..3] after it; the ...WithMRs forms take and give MR0-MR3 through pointers
 * instead (a null pointer: not wanted), which saves those loads and stores.
 *
 * Each asm statement names the registers it uses through GCC's register variables
 * (`register seL4_Word x asm("x0") = ...`), lists as outputs every register the kernel may
 * change, and clobbers "memory", because the kernel reads and writes the IPC buffer behind the
 * compiler's back. (seL4's own send stubs leave "memory" out; here it is always there.)
 *
 * On any other machine than AArch64 (the host tests) there is no kernel to call: only
 * seL4_CallWithMRs is declared, for the test to define, so that the invocation stubs in
 * sel4/invocations.h can be run and checked on the host.
 */
#ifndef SEL4_SYSCALLS_H
#define SEL4_SYSCALLS_H

#include <sel4/types.h>
#include <sel4/functions.h>

#if defined(__aarch64__)

/* ---- The five shapes of system call, one asm statement each. ---- */

/* Send a message: x0 = dest, x1 = info, x2-x5 = MR0-MR3; nothing comes back. */
static inline void seL4_arch_sys_send_(seL4_Word sys, seL4_Word dest, seL4_Word info_arg,
                                       seL4_Word mr0, seL4_Word mr1, seL4_Word mr2, seL4_Word mr3)
{
    register seL4_Word destptr asm("x0") = dest;
    register seL4_Word info asm("x1") = info_arg;
    register seL4_Word msg0 asm("x2") = mr0;
    register seL4_Word msg1 asm("x3") = mr1;
    register seL4_Word msg2 asm("x4") = mr2;
    register seL4_Word msg3 asm("x5") = mr3;
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0"
                 : "+r"(destptr), "+r"(info), "+r"(msg0), "+r"(msg1), "+r"(msg2), "+r"(msg3)
                 : "r"(scno)
                 : "memory");
}

/* Reply to the caller: like a send, but no cptr (the reply goes to the thread that Called). */
static inline void seL4_arch_sys_reply_(seL4_Word sys, seL4_Word info_arg, seL4_Word mr0,
                                        seL4_Word mr1, seL4_Word mr2, seL4_Word mr3)
{
    register seL4_Word info asm("x1") = info_arg;
    register seL4_Word msg0 asm("x2") = mr0;
    register seL4_Word msg1 asm("x3") = mr1;
    register seL4_Word msg2 asm("x4") = mr2;
    register seL4_Word msg3 asm("x5") = mr3;
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0"
                 : "+r"(info), "+r"(msg0), "+r"(msg1), "+r"(msg2), "+r"(msg3)
                 : "r"(scno)
                 : "memory");
}

/* A send with no message registers at all: x0 and x1 only (Signal). */
static inline void seL4_arch_sys_send_null_(seL4_Word sys, seL4_Word dest, seL4_Word info_arg)
{
    register seL4_Word destptr asm("x0") = dest;
    register seL4_Word info asm("x1") = info_arg;
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0"
                 : "+r"(destptr), "+r"(info)
                 : "r"(scno)
                 : "memory");
}

/* Receive: x0 = the cptr to receive on; back come the badge (x0), info (x1), MR0-MR3. */
static inline void seL4_arch_sys_recv_(seL4_Word sys, seL4_Word src, seL4_Word *out_badge,
                                       seL4_Word *out_info, seL4_Word *out_mr0,
                                       seL4_Word *out_mr1, seL4_Word *out_mr2,
                                       seL4_Word *out_mr3)
{
    register seL4_Word src_and_badge asm("x0") = src;
    register seL4_Word info asm("x1");
    register seL4_Word msg0 asm("x2");
    register seL4_Word msg1 asm("x3");
    register seL4_Word msg2 asm("x4");
    register seL4_Word msg3 asm("x5");
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0"
                 : "+r"(src_and_badge), "=r"(info), "=r"(msg0), "=r"(msg1), "=r"(msg2),
                   "=r"(msg3)
                 : "r"(scno)
                 : "memory");
    *out_badge = src_and_badge;
    *out_info = info;
    *out_mr0 = msg0;
    *out_mr1 = msg1;
    *out_mr2 = msg2;
    *out_mr3 = msg3;
}

/* Send, then receive, in one call (Call, ReplyRecv): every register goes both ways. */
static inline void seL4_arch_sys_send_recv_(seL4_Word sys, seL4_Word dest, seL4_Word *out_badge,
                                            seL4_Word info_arg, seL4_Word *out_info,
                                            seL4_Word *in_out_mr0, seL4_Word *in_out_mr1,
                                            seL4_Word *in_out_mr2, seL4_Word *in_out_mr3)
{
    register seL4_Word destptr asm("x0") = dest;
    register seL4_Word info asm("x1") = info_arg;
    register seL4_Word msg0 asm("x2") = *in_out_mr0;
    register seL4_Word msg1 asm("x3") = *in_out_mr1;
    register seL4_Word msg2 asm("x4") = *in_out_mr2;
    register seL4_Word msg3 asm("x5") = *in_out_mr3;
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0"
                 : "+r"(destptr), "+r"(info), "+r"(msg0), "+r"(msg1), "+r"(msg2), "+r"(msg3)
                 : "r"(scno)
                 : "memory");
    *out_badge = destptr;
    *out_info = info;
    *in_out_mr0 = msg0;
    *in_out_mr1 = msg1;
    *in_out_mr2 = msg2;
    *in_out_mr3 = msg3;
}

/* No arguments at all: x7 only (Yield, BenchmarkNullSyscall). */
static inline void seL4_arch_sys_null_(seL4_Word sys)
{
    register seL4_Word scno asm("x7") = sys;
    asm volatile("svc #0" : : "r"(scno) : "memory");
}

/* MR i for a ...WithMRs call: *p if the caller gave p and the message is long enough. */
static inline seL4_Word seL4_arch_mr_in_(const seL4_Word *p, seL4_MessageInfo_t info, unsigned i)
{
    return p != seL4_Null && seL4_MessageInfo_get_length(info) > i ? *p : 0;
}

static inline void seL4_arch_mr_out_(seL4_Word *p, seL4_Word v)
{
    if (p != seL4_Null)
        *p = v;
}

/* ---- Sending ---- */

/* Send a message to an endpoint (blocks until a receiver takes it); on a notification cap it
 * signals; on any other cap it invokes the object without waiting for the answer. */
static inline void seL4_Send(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    seL4_arch_sys_send_(seL4_SysSend, dest, msgInfo.words[0], seL4_GetMR(0), seL4_GetMR(1),
                        seL4_GetMR(2), seL4_GetMR(3));
}

static inline void seL4_SendWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo, seL4_Word *mr0,
                                    seL4_Word *mr1, seL4_Word *mr2, seL4_Word *mr3)
{
    seL4_arch_sys_send_(seL4_SysSend, dest, msgInfo.words[0],
                        seL4_arch_mr_in_(mr0, msgInfo, 0), seL4_arch_mr_in_(mr1, msgInfo, 1),
                        seL4_arch_mr_in_(mr2, msgInfo, 2), seL4_arch_mr_in_(mr3, msgInfo, 3));
}

/* Send only if a receiver is already waiting; otherwise the message is dropped, silently. */
static inline void seL4_NBSend(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    seL4_arch_sys_send_(seL4_SysNBSend, dest, msgInfo.words[0], seL4_GetMR(0), seL4_GetMR(1),
                        seL4_GetMR(2), seL4_GetMR(3));
}

static inline void seL4_NBSendWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo, seL4_Word *mr0,
                                      seL4_Word *mr1, seL4_Word *mr2, seL4_Word *mr3)
{
    seL4_arch_sys_send_(seL4_SysNBSend, dest, msgInfo.words[0],
                        seL4_arch_mr_in_(mr0, msgInfo, 0), seL4_arch_mr_in_(mr1, msgInfo, 1),
                        seL4_arch_mr_in_(mr2, msgInfo, 2), seL4_arch_mr_in_(mr3, msgInfo, 3));
}

/* Answer the thread whose Call this thread received last (through its one-shot reply cap). */
static inline void seL4_Reply(seL4_MessageInfo_t msgInfo)
{
    seL4_arch_sys_reply_(seL4_SysReply, msgInfo.words[0], seL4_GetMR(0), seL4_GetMR(1),
                         seL4_GetMR(2), seL4_GetMR(3));
}

static inline void seL4_ReplyWithMRs(seL4_MessageInfo_t msgInfo, seL4_Word *mr0, seL4_Word *mr1,
                                     seL4_Word *mr2, seL4_Word *mr3)
{
    seL4_arch_sys_reply_(seL4_SysReply, msgInfo.words[0],
                         seL4_arch_mr_in_(mr0, msgInfo, 0), seL4_arch_mr_in_(mr1, msgInfo, 1),
                         seL4_arch_mr_in_(mr2, msgInfo, 2), seL4_arch_mr_in_(mr3, msgInfo, 3));
}

/* Signal a notification: a Send with an empty message, so it never blocks. */
static inline void seL4_Signal(seL4_CPtr dest)
{
    seL4_arch_sys_send_null_(seL4_SysSend, dest, seL4_MessageInfo_new(0, 0, 0, 0).words[0]);
}

/* ---- Receiving ---- */

/* Wait for a message on an endpoint (or a signal on a notification). *sender, if wanted,
 * gets the badge of the cap the sender used: the one way a server tells its clients apart. */
static inline seL4_MessageInfo_t seL4_Recv(seL4_CPtr src, seL4_Word *sender)
{
    seL4_MessageInfo_t info;
    seL4_Word badge, msg0, msg1, msg2, msg3;
    seL4_arch_sys_recv_(seL4_SysRecv, src, &badge, &info.words[0], &msg0, &msg1, &msg2, &msg3);
    seL4_SetMR(0, msg0);
    seL4_SetMR(1, msg1);
    seL4_SetMR(2, msg2);
    seL4_SetMR(3, msg3);
    seL4_arch_mr_out_(sender, badge);
    return info;
}

static inline seL4_MessageInfo_t seL4_RecvWithMRs(seL4_CPtr src, seL4_Word *sender, seL4_Word *mr0,
                                                  seL4_Word *mr1, seL4_Word *mr2, seL4_Word *mr3)
{
    seL4_MessageInfo_t info;
    seL4_Word badge, msg0 = 0, msg1 = 0, msg2 = 0, msg3 = 0;
    seL4_arch_sys_recv_(seL4_SysRecv, src, &badge, &info.words[0], &msg0, &msg1, &msg2, &msg3);
    seL4_arch_mr_out_(mr0, msg0);
    seL4_arch_mr_out_(mr1, msg1);
    seL4_arch_mr_out_(mr2, msg2);
    seL4_arch_mr_out_(mr3, msg3);
    seL4_arch_mr_out_(sender, badge);
    return info;
}

/* Receive if a message (or signal) is already there; otherwise return at once. */
static inline seL4_MessageInfo_t seL4_NBRecv(seL4_CPtr src, seL4_Word *sender)
{
    seL4_MessageInfo_t info;
    seL4_Word badge, msg0, msg1, msg2, msg3;
    seL4_arch_sys_recv_(seL4_SysNBRecv, src, &badge, &info.words[0], &msg0, &msg1, &msg2, &msg3);
    seL4_SetMR(0, msg0);
    seL4_SetMR(1, msg1);
    seL4_SetMR(2, msg2);
    seL4_SetMR(3, msg3);
    seL4_arch_mr_out_(sender, badge);
    return info;
}

/* Wait on a notification: on this (non-MCS) kernel, a Recv whose message is not looked at. */
static inline void seL4_Wait(seL4_CPtr src, seL4_Word *sender)
{
    seL4_Recv(src, sender);
}

/* Poll a notification: an NBRecv. *sender gets the notification word (0 if none). */
static inline seL4_MessageInfo_t seL4_Poll(seL4_CPtr src, seL4_Word *sender)
{
    return seL4_NBRecv(src, sender);
}

/* ---- Send and receive in one ---- */

/* Send, then wait for the answer on the same cap: the way to talk to a server, and the way
 * every kernel object is invoked (the answer's label is a seL4_Error). */
static inline seL4_MessageInfo_t seL4_Call(seL4_CPtr dest, seL4_MessageInfo_t msgInfo)
{
    seL4_MessageInfo_t info;
    seL4_Word msg0 = seL4_GetMR(0), msg1 = seL4_GetMR(1);
    seL4_Word msg2 = seL4_GetMR(2), msg3 = seL4_GetMR(3);
    seL4_arch_sys_send_recv_(seL4_SysCall, dest, &dest, msgInfo.words[0], &info.words[0],
                             &msg0, &msg1, &msg2, &msg3);
    seL4_SetMR(0, msg0);
    seL4_SetMR(1, msg1);
    seL4_SetMR(2, msg2);
    seL4_SetMR(3, msg3);
    return info;
}

static inline seL4_MessageInfo_t seL4_CallWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo,
                                                  seL4_Word *mr0, seL4_Word *mr1, seL4_Word *mr2,
                                                  seL4_Word *mr3)
{
    seL4_MessageInfo_t info;
    seL4_Word msg0 = seL4_arch_mr_in_(mr0, msgInfo, 0), msg1 = seL4_arch_mr_in_(mr1, msgInfo, 1);
    seL4_Word msg2 = seL4_arch_mr_in_(mr2, msgInfo, 2), msg3 = seL4_arch_mr_in_(mr3, msgInfo, 3);
    seL4_arch_sys_send_recv_(seL4_SysCall, dest, &dest, msgInfo.words[0], &info.words[0],
                             &msg0, &msg1, &msg2, &msg3);
    seL4_arch_mr_out_(mr0, msg0);
    seL4_arch_mr_out_(mr1, msg1);
    seL4_arch_mr_out_(mr2, msg2);
    seL4_arch_mr_out_(mr3, msg3);
    return info;
}

/* A server's loop in one call: answer the last caller, then wait on `src` for the next. */
static inline seL4_MessageInfo_t seL4_ReplyRecv(seL4_CPtr src, seL4_MessageInfo_t msgInfo,
                                                seL4_Word *sender)
{
    seL4_MessageInfo_t info;
    seL4_Word badge;
    seL4_Word msg0 = seL4_GetMR(0), msg1 = seL4_GetMR(1);
    seL4_Word msg2 = seL4_GetMR(2), msg3 = seL4_GetMR(3);
    seL4_arch_sys_send_recv_(seL4_SysReplyRecv, src, &badge, msgInfo.words[0], &info.words[0],
                             &msg0, &msg1, &msg2, &msg3);
    seL4_SetMR(0, msg0);
    seL4_SetMR(1, msg1);
    seL4_SetMR(2, msg2);
    seL4_SetMR(3, msg3);
    seL4_arch_mr_out_(sender, badge);
    return info;
}

static inline seL4_MessageInfo_t seL4_ReplyRecvWithMRs(seL4_CPtr src, seL4_MessageInfo_t msgInfo,
                                                       seL4_Word *sender, seL4_Word *mr0,
                                                       seL4_Word *mr1, seL4_Word *mr2,
                                                       seL4_Word *mr3)
{
    seL4_MessageInfo_t info;
    seL4_Word badge;
    seL4_Word msg0 = seL4_arch_mr_in_(mr0, msgInfo, 0), msg1 = seL4_arch_mr_in_(mr1, msgInfo, 1);
    seL4_Word msg2 = seL4_arch_mr_in_(mr2, msgInfo, 2), msg3 = seL4_arch_mr_in_(mr3, msgInfo, 3);
    seL4_arch_sys_send_recv_(seL4_SysReplyRecv, src, &badge, msgInfo.words[0], &info.words[0],
                             &msg0, &msg1, &msg2, &msg3);
    seL4_arch_mr_out_(mr0, msg0);
    seL4_arch_mr_out_(mr1, msg1);
    seL4_arch_mr_out_(mr2, msg2);
    seL4_arch_mr_out_(mr3, msg3);
    seL4_arch_mr_out_(sender, badge);
    return info;
}

/* ---- The rest ---- */

/* Give up the rest of this time slice to the next thread of the same priority, if any. */
static inline void seL4_Yield(void)
{
    seL4_arch_sys_null_(seL4_SysYield);
}

/* One character to the kernel's console (a debugging aid: x0 = the character). */
static inline void seL4_DebugPutChar(char c)
{
    seL4_Word unused0 = 0, unused1 = 0, unused2 = 0, unused3 = 0, unused4 = 0, unused5 = 0;
    seL4_arch_sys_send_recv_(seL4_SysDebugPutChar, (seL4_Word)c, &unused0, 0, &unused1,
                             &unused2, &unused3, &unused4, &unused5);
}

static inline void seL4_DebugPutString(char *str)
{
    for (char *s = str; *s; s++)
        seL4_DebugPutChar(*s);
}

/* Print the scheduler's state (seL4 with printing on; this kernel may treat it as unknown). */
static inline void seL4_DebugDumpScheduler(void)
{
    seL4_Word unused0 = 0, unused1 = 0, unused2 = 0, unused3 = 0, unused4 = 0, unused5 = 0;
    seL4_arch_sys_send_recv_(seL4_SysDebugDumpScheduler, 0, &unused0, 0, &unused1, &unused2,
                             &unused3, &unused4, &unused5);
}

/* Give a thread a name, for the kernel's reports (`ps`, fault lines): the string goes in the
 * IPC buffer's message words, x0 names the thread's cap. A debug build's call in seL4
 * (CONFIG_DEBUG_BUILD); here always. A name too long for the buffer is cut. */
#define SEL4_HAVE_DEBUG_NAME_THREAD 1
static inline void seL4_DebugNameThread(seL4_CPtr tcb, const char *name)
{
    char *dst = (char *)&seL4_GetIPCBuffer()->msg[0];
    seL4_Word i = 0;
    for (; name[i] && i < sizeof(seL4_GetIPCBuffer()->msg) - 1; i++)
        dst[i] = name[i];
    dst[i] = '\0';
    seL4_Word unused0 = 0, unused1 = 0, unused2 = 0, unused3 = 0, unused4 = 0, unused5 = 0;
    seL4_arch_sys_send_recv_(seL4_SysDebugNameThread, tcb, &unused0, 0, &unused1, &unused2,
                             &unused3, &unused4, &unused5);
}

/* Enter the kernel and leave at once: the cost of a system call, nothing else. */
static inline void seL4_BenchmarkNullSyscall(void)
{
    seL4_arch_sys_null_(seL4_SysBenchmarkNullSyscall);
}

#else /* not AArch64: a host test */

seL4_MessageInfo_t seL4_CallWithMRs(seL4_CPtr dest, seL4_MessageInfo_t msgInfo, seL4_Word *mr0,
                                    seL4_Word *mr1, seL4_Word *mr2, seL4_Word *mr3);

#endif

#endif
