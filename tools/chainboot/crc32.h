/* crc32.h: CRC-32 as zlib and Ethernet compute it, so the host side is Python's zlib.crc32. */
#ifndef CRC32_H
#define CRC32_H

#include <stdint.h>

void crc32_init(void);
uint32_t crc32(const volatile uint8_t *p, uint64_t n);

#endif
