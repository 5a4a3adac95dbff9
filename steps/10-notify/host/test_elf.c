/*
 * test_elf.c: host unit tests for elf.c, the checks of the ELF loader.
 *
 * Built natively with AddressSanitizer and UndefinedBehaviorSanitizer. Every test starts from
 * a real program, build/07-user/user/hello.elf (made by the cross compiler; its path comes in
 * as HELLO_ELF), and damages one field of a copy: the checks must refuse it with the right
 * reason, and never read outside the buffer, which is exactly as long as the file.
 * Run: make -C steps/07-user host-test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "elf.h"

/* ANCHOR: host_elf_setup */
static uint8_t *hello;                 /* the file as built */
static size_t hello_size;

/* A fresh copy of hello.elf, in a buffer of exactly its size (ASan sees one byte too far). */
static uint8_t *copy(void)
{
    uint8_t *p = malloc(hello_size);
    assert_non_null(p);
    memcpy(p, hello, hello_size);
    return p;
}

static void put(uint8_t *p, size_t off, uint64_t v, int bytes)     /* little-endian */
{
    for (int i = 0; i < bytes; i++)
        p[off + i] = (uint8_t)(v >> (8 * i));
}

/* Program header i's field at offset `field` (Elf64_Phdr: 56 bytes each, at e_phoff). */
static size_t ph(const uint8_t *p, int i, size_t field)
{
    uint64_t phoff = 0;
    for (int b = 7; b >= 0; b--)
        phoff = phoff << 8 | p[32 + b];
    return (size_t)phoff + 56 * (size_t)i + field;
}

/* elf_check on a copy damaged by `damage`, and the reason it gives. */
static enum elf_error check_damaged(void (*damage)(uint8_t *p), size_t size)
{
    struct elf_image img;
    uint8_t *p = copy();
    damage(p);
    enum elf_error e = elf_check(p, size, &img);
    free(p);
    return e;
}
/* ANCHOR_END: host_elf_setup */

/* ANCHOR: host_elf_tests */
static void test_real_program_accepted(void **state)
{
    (void)state;
    struct elf_image img;
    assert_int_equal(elf_check(hello, hello_size, &img), ELF_OK);
    assert_int_equal(img.entry, USER_BASE);
    assert_true(img.nsegments >= 2);
    for (unsigned i = 0; i < img.nsegments; i++) {
        assert_true(img.segment[i].vaddr >= USER_BASE);
        assert_false((img.segment[i].flags & ELF_PF_W) && (img.segment[i].flags & ELF_PF_X));
    }
    assert_string_equal(elf_error_name(ELF_OK), "ok");
}

static void magic(uint8_t *p) { p[1] = 'X'; }
static void class32(uint8_t *p) { p[4] = 1; }                     /* ELFCLASS32 */
static void big_endian(uint8_t *p) { p[5] = 2; }                  /* ELFDATA2MSB */
static void version(uint8_t *p) { p[6] = 0; }
static void machine(uint8_t *p) { put(p, 18, 62, 2); }            /* EM_X86_64 */
static void dyn(uint8_t *p) { put(p, 16, 3, 2); }                 /* ET_DYN */
static void phentsize(uint8_t *p) { put(p, 54, 32, 2); }
static void phoff_far(uint8_t *p) { put(p, 32, UINT64_MAX - 8, 8); }
static void phnum_many(uint8_t *p) { put(p, 56, 0xffff, 2); }
static void no_load(uint8_t *p) { for (int i = 0; i < 3; i++) put(p, ph(p, i, 0), 4, 4); }
static void below_base(uint8_t *p) { put(p, ph(p, 0, 16), 0x1000, 8); }
static void above_top(uint8_t *p) { put(p, ph(p, 1, 16), USER_TOP - 0x10, 8); }
static void wraps(uint8_t *p) { put(p, ph(p, 2, 40), UINT64_MAX - 0x1000, 8); }
static void file_past_end(uint8_t *p) { put(p, ph(p, 0, 32), 1 << 20, 8); put(p, ph(p, 0, 40), 1 << 20, 8); }
static void filesz_big(uint8_t *p) { put(p, ph(p, 1, 40), 1, 8); }   /* memsz < filesz */
static void offset_huge(uint8_t *p) { put(p, ph(p, 0, 8), UINT64_MAX, 8); }
static void text_writable(uint8_t *p) { put(p, ph(p, 0, 4), 7, 4); }  /* R W X */
static void overlap(uint8_t *p) { put(p, ph(p, 1, 16), USER_BASE + 0x10, 8); }
static void entry_in_data(uint8_t *p) { put(p, 24, USER_BASE + 0x2000, 8); }
static void entry_outside(uint8_t *p) { put(p, 24, 0x10, 8); }

static void test_header_refusals(void **state)
{
    (void)state;
    assert_int_equal(check_damaged(magic, hello_size), ELF_BAD_MAGIC);
    assert_int_equal(check_damaged(class32, hello_size), ELF_BAD_CLASS);
    assert_int_equal(check_damaged(big_endian, hello_size), ELF_BAD_DATA);
    assert_int_equal(check_damaged(version, hello_size), ELF_BAD_VERSION);
    assert_int_equal(check_damaged(machine, hello_size), ELF_BAD_MACHINE);
    assert_int_equal(check_damaged(dyn, hello_size), ELF_BAD_TYPE);
    assert_string_equal(elf_error_name(ELF_BAD_MACHINE), "wrong machine: not AArch64");
}

static void test_program_header_refusals(void **state)
{
    (void)state;
    assert_int_equal(check_damaged(phentsize, hello_size), ELF_BAD_PHDRS);
    assert_int_equal(check_damaged(phoff_far, hello_size), ELF_BAD_PHDRS);
    assert_int_equal(check_damaged(phnum_many, hello_size), ELF_BAD_PHDRS);
    assert_int_equal(check_damaged(no_load, hello_size), ELF_NO_SEGMENTS);
}

static void test_segment_refusals(void **state)
{
    (void)state;
    assert_int_equal(check_damaged(below_base, hello_size), ELF_SEGMENT_OUTSIDE);
    assert_int_equal(check_damaged(above_top, hello_size), ELF_SEGMENT_OUTSIDE);
    assert_int_equal(check_damaged(wraps, hello_size), ELF_SEGMENT_OUTSIDE);
    assert_int_equal(check_damaged(file_past_end, hello_size), ELF_SEGMENT_TRUNCATED);
    assert_int_equal(check_damaged(filesz_big, hello_size), ELF_SEGMENT_TRUNCATED);
    assert_int_equal(check_damaged(offset_huge, hello_size), ELF_SEGMENT_TRUNCATED);
    assert_int_equal(check_damaged(text_writable, hello_size), ELF_SEGMENT_WX);
    assert_int_equal(check_damaged(overlap, hello_size), ELF_SEGMENTS_OVERLAP);
    assert_int_equal(check_damaged(entry_in_data, hello_size), ELF_BAD_ENTRY);
    assert_int_equal(check_damaged(entry_outside, hello_size), ELF_BAD_ENTRY);
}

/* Every prefix of the file: never a read past its end, always an answer. */
static void test_truncated_files(void **state)
{
    (void)state;
    struct elf_image img;
    for (size_t n = 0; n < hello_size; n++) {
        uint8_t *p = malloc(n ? n : 1);
        assert_non_null(p);
        memcpy(p, hello, n);
        enum elf_error e = elf_check(p, n, &img);
        assert_true(e != ELF_OK || n >= 0x1000);   /* the segments' bytes must be there */
        if (n < 64)
            assert_int_equal(e, ELF_TOO_SMALL);
        free(p);
    }
}

/* Random bytes over random fields, from a fixed seed: whatever the answer, no sanitizer
 * report, and an accepted image still obeys every rule. */
static void test_random_damage(void **state)
{
    (void)state;
    srand(7);
    for (int round = 0; round < 20000; round++) {
        uint8_t *p = copy();
        for (int k = 0; k < 1 + rand() % 4; k++)
            p[(size_t)rand() % 0x200] = (uint8_t)rand();
        struct elf_image img;
        if (elf_check(p, hello_size, &img) == ELF_OK)
            for (unsigned i = 0; i < img.nsegments; i++) {
                const struct elf_segment *s = &img.segment[i];
                assert_true(s->vaddr >= USER_BASE && s->memsz <= USER_TOP - s->vaddr);
                assert_true(s->filesz <= s->memsz && s->offset + s->filesz <= hello_size);
                assert_false((s->flags & ELF_PF_W) && (s->flags & ELF_PF_X));
            }
        free(p);
    }
}
/* ANCHOR_END: host_elf_tests */

int main(void)
{
    FILE *f = fopen(HELLO_ELF, "rb");
    if (!f) {
        perror(HELLO_ELF);
        return 1;
    }
    static uint8_t buf[1 << 20];
    hello_size = fread(buf, 1, sizeof buf, f);
    fclose(f);
    hello = buf;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_program_accepted),
        cmocka_unit_test(test_header_refusals),
        cmocka_unit_test(test_program_header_refusals),
        cmocka_unit_test(test_segment_refusals),
        cmocka_unit_test(test_truncated_files),
        cmocka_unit_test(test_random_damage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
