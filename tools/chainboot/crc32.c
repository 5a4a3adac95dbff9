/*
 * crc32.c: the checksum that guards a transfer.
 *
 * CRC-32 (IEEE 802.3; polynomial 0x04C11DB7, processed bit-reversed as 0xEDB88320, starting
 * from and finishing with an inversion). It is the same function as Python's zlib.crc32, so
 * the sender needs nothing beyond the standard library. A CRC catches every burst error up
 * to 32 bits long, which is what a noisy wire produces; a simple sum would miss swapped bytes.
 */
#include "crc32.h"

#define CRC32_POLY_REVERSED 0xEDB88320u

static uint32_t table[256];                /* CRC of each byte value, filled by crc32_init */

/* ANCHOR: crc32 */
void crc32_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int bit = 0; bit < 8; bit++)
            c = (c & 1) ? (c >> 1) ^ CRC32_POLY_REVERSED : c >> 1;
        table[i] = c;
    }
}

/* One table look-up per byte. `volatile`: the bytes were written by the receive loop into
 * memory the compiler knows nothing about. */
uint32_t crc32(const volatile uint8_t *p, uint64_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}
/* ANCHOR_END: crc32 */
