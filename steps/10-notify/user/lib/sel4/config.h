/*
 * sel4/config.h: the build configuration a program for this kernel is compiled against.
 *
 * seL4 is built in many configurations, and libsel4 asks which one with CONFIG_ macros
 * (`#ifdef CONFIG_KERNEL_MCS`). This kernel is one configuration only: AArch64, one core,
 * the classic (non-MCS) kernel, printing on, no hypervisor, no IOMMU, and an IPC buffer found
 * through a global variable rather than a thread-local one. The values are seL4's for that
 * configuration; what is not defined here (CONFIG_KERNEL_MCS, CONFIG_ENABLE_SMP_SUPPORT,
 * CONFIG_DEBUG_BUILD, ...) is off.
 */
#ifndef SEL4_CONFIG_H
#define SEL4_CONFIG_H

#define CONFIG_ARCH_ARM                      1
#define CONFIG_ARCH_AARCH64                  1
#define CONFIG_WORD_SIZE                     64
#define CONFIG_PRINTING                      1   /* seL4_DebugPutChar exists */
#define CONFIG_NUM_PRIORITIES                256 /* priorities 0 (lowest) .. 255 */
#define CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS 230 /* entries of seL4_BootInfo.untypedList */
#define CONFIG_ROOT_CNODE_SIZE_BITS          12  /* the root task's CNode: 4096 slots */
#define CONFIG_RETYPE_FAN_OUT_LIMIT          256 /* most objects one Untyped_Retype makes */
#define CONFIG_TIME_SLICE                    5   /* timer ticks a thread runs before the next */

#endif
