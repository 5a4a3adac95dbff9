/*
 * sel4/bitfields.h: the three one-word structures whose fields are bit ranges: the message
 * info word, a set of rights, and a CNode cap's guard data.
 *
 * seL4 generates these accessors from a description of the bits (its bitfield generator); the
 * names and behaviour here are the generated ones: `_new` builds the word from its fields,
 * `_get_F` reads field F, `_set_F` returns a copy with F replaced, and the `_ptr_` forms work
 * through a pointer. A value too wide for its field is cut to the field's width.
 *
 * Each structure is a struct around one word, not a bare word, so that the compiler refuses to
 * mix a msginfo with a rights value: `.words[0]` is the word itself.
 */
#ifndef SEL4_BITFIELDS_H
#define SEL4_BITFIELDS_H

/* Field access, written once: `bits` wide, starting at bit `shift`. */
static inline seL4_Uint64 seL4_bf_get_(seL4_Uint64 word, unsigned shift, unsigned bits)
{
    return (word >> shift) & ((1ull << bits) - 1);
}

static inline seL4_Uint64 seL4_bf_set_(seL4_Uint64 word, unsigned shift, unsigned bits,
                                       seL4_Uint64 v)
{
    seL4_Uint64 mask = ((1ull << bits) - 1) << shift;
    return (word & ~mask) | ((v << shift) & mask);
}

/* ---- seL4_MessageInfo: label 63..12, capsUnwrapped 11..9, extraCaps 8..7, length 6..0 ----
 * Travels in x1 with every message. `label` says what the message means (in an invocation:
 * the method; in its answer: the seL4_Error), `length` how many message registers it has,
 * `extraCaps` how many caps go with it, and `capsUnwrapped` which of the received ones came as
 * badges instead of caps (bit i for cap i). */
typedef struct seL4_MessageInfo {
    seL4_Uint64 words[1];
} seL4_MessageInfo_t;

#define SEL4_MI_LABEL    12, 52
#define SEL4_MI_UNWRAP   9, 3
#define SEL4_MI_EXTRA    7, 2
#define SEL4_MI_LENGTH   0, 7

static inline seL4_MessageInfo_t seL4_MessageInfo_new(seL4_Uint64 label, seL4_Uint64 capsUnwrapped,
                                                      seL4_Uint64 extraCaps, seL4_Uint64 length)
{
    seL4_MessageInfo_t m = { { 0 } };
    m.words[0] = seL4_bf_set_(m.words[0], SEL4_MI_LABEL, label);
    m.words[0] = seL4_bf_set_(m.words[0], SEL4_MI_UNWRAP, capsUnwrapped);
    m.words[0] = seL4_bf_set_(m.words[0], SEL4_MI_EXTRA, extraCaps);
    m.words[0] = seL4_bf_set_(m.words[0], SEL4_MI_LENGTH, length);
    return m;
}

#define SEL4_MI_ACCESSORS_(field, pos)                                                          \
    static inline seL4_Uint64 seL4_MessageInfo_get_##field(seL4_MessageInfo_t m)                \
    {                                                                                           \
        return seL4_bf_get_(m.words[0], pos);                                                   \
    }                                                                                           \
    static inline seL4_MessageInfo_t seL4_MessageInfo_set_##field(seL4_MessageInfo_t m,         \
                                                                  seL4_Uint64 v)                \
    {                                                                                           \
        m.words[0] = seL4_bf_set_(m.words[0], pos, v);                                          \
        return m;                                                                               \
    }                                                                                           \
    static inline seL4_Uint64 seL4_MessageInfo_ptr_get_##field(seL4_MessageInfo_t *m)           \
    {                                                                                           \
        return seL4_bf_get_(m->words[0], pos);                                                  \
    }                                                                                           \
    static inline void seL4_MessageInfo_ptr_set_##field(seL4_MessageInfo_t *m, seL4_Uint64 v)   \
    {                                                                                           \
        m->words[0] = seL4_bf_set_(m->words[0], pos, v);                                        \
    }
/* seL4_MessageInfo_get_label, _set_label, _ptr_get_label, _ptr_set_label, and the same for
 * capsUnwrapped, extraCaps and length. */
SEL4_MI_ACCESSORS_(label, SEL4_MI_LABEL)
SEL4_MI_ACCESSORS_(capsUnwrapped, SEL4_MI_UNWRAP)
SEL4_MI_ACCESSORS_(extraCaps, SEL4_MI_EXTRA)
SEL4_MI_ACCESSORS_(length, SEL4_MI_LENGTH)
#undef SEL4_MI_ACCESSORS_

/* ---- seL4_CapRights: bit 3 GrantReply, 2 Grant, 1 Read, 0 Write ----
 * What a cap allows. On an endpoint: Write = send, Read = receive, Grant = send caps,
 * GrantReply = send a reply cap (Call). On a frame: Read and Write are the mapping's rights.
 * CNode_Copy/Mint take a rights value and give the new cap the old one's rights AND these. */
typedef struct seL4_CapRights {
    seL4_Uint64 words[1];
} seL4_CapRights_t;

#define SEL4_CR_GRANTREPLY 3, 1
#define SEL4_CR_GRANT      2, 1
#define SEL4_CR_READ       1, 1
#define SEL4_CR_WRITE      0, 1

static inline seL4_CapRights_t seL4_CapRights_new(seL4_Uint64 capAllowGrantReply,
                                                  seL4_Uint64 capAllowGrant,
                                                  seL4_Uint64 capAllowRead,
                                                  seL4_Uint64 capAllowWrite)
{
    seL4_CapRights_t r = { { 0 } };
    r.words[0] = seL4_bf_set_(r.words[0], SEL4_CR_GRANTREPLY, capAllowGrantReply);
    r.words[0] = seL4_bf_set_(r.words[0], SEL4_CR_GRANT, capAllowGrant);
    r.words[0] = seL4_bf_set_(r.words[0], SEL4_CR_READ, capAllowRead);
    r.words[0] = seL4_bf_set_(r.words[0], SEL4_CR_WRITE, capAllowWrite);
    return r;
}

#define SEL4_CR_ACCESSORS_(field, pos)                                                          \
    static inline seL4_Uint64 seL4_CapRights_get_##field(seL4_CapRights_t r)                    \
    {                                                                                           \
        return seL4_bf_get_(r.words[0], pos);                                                   \
    }                                                                                           \
    static inline seL4_CapRights_t seL4_CapRights_set_##field(seL4_CapRights_t r, seL4_Uint64 v) \
    {                                                                                           \
        r.words[0] = seL4_bf_set_(r.words[0], pos, v);                                          \
        return r;                                                                               \
    }                                                                                           \
    static inline seL4_Uint64 seL4_CapRights_ptr_get_##field(seL4_CapRights_t *r)               \
    {                                                                                           \
        return seL4_bf_get_(r->words[0], pos);                                                  \
    }                                                                                           \
    static inline void seL4_CapRights_ptr_set_##field(seL4_CapRights_t *r, seL4_Uint64 v)       \
    {                                                                                           \
        r->words[0] = seL4_bf_set_(r->words[0], pos, v);                                        \
    }
/* seL4_CapRights_get_capAllowGrantReply, _set_..., and the same for capAllowGrant,
 * capAllowRead and capAllowWrite. */
SEL4_CR_ACCESSORS_(capAllowGrantReply, SEL4_CR_GRANTREPLY)
SEL4_CR_ACCESSORS_(capAllowGrant, SEL4_CR_GRANT)
SEL4_CR_ACCESSORS_(capAllowRead, SEL4_CR_READ)
SEL4_CR_ACCESSORS_(capAllowWrite, SEL4_CR_WRITE)
#undef SEL4_CR_ACCESSORS_

/* The usual combinations, by seL4's names. */
#define seL4_ReadWrite     seL4_CapRights_new(0, 0, 1, 1)
#define seL4_AllRights     seL4_CapRights_new(1, 1, 1, 1)
#define seL4_CanRead       seL4_CapRights_new(0, 0, 1, 0)
#define seL4_CanWrite      seL4_CapRights_new(0, 0, 0, 1)
#define seL4_CanGrant      seL4_CapRights_new(0, 1, 0, 0)
#define seL4_CanGrantReply seL4_CapRights_new(1, 0, 0, 0)
#define seL4_NoWrite       seL4_CapRights_new(1, 1, 1, 0)
#define seL4_NoRead        seL4_CapRights_new(1, 1, 0, 1)
#define seL4_NoRights      seL4_CapRights_new(0, 0, 0, 0)

/* ---- seL4_CNode_CapData: guard 63..6, guardSize 5..0 ----
 * The word CNode_Mint (its `badge` argument) and TCB_Configure/SetSpace (`cspace_root_data`)
 * take to give a CNode cap a guard: guardSize bits that a cptr must match, and skip, before
 * the CNode's own index bits. These calls take a plain seL4_Word, so a program passes
 * `seL4_CNode_CapData_new(guard, size).words[0]`. */
typedef struct seL4_CNode_CapData {
    seL4_Uint64 words[1];
} seL4_CNode_CapData_t;

#define SEL4_CD_GUARD      6, 58
#define SEL4_CD_GUARDSIZE  0, 6

static inline seL4_CNode_CapData_t seL4_CNode_CapData_new(seL4_Uint64 guard, seL4_Uint64 guardSize)
{
    seL4_CNode_CapData_t d = { { 0 } };
    d.words[0] = seL4_bf_set_(d.words[0], SEL4_CD_GUARD, guard);
    d.words[0] = seL4_bf_set_(d.words[0], SEL4_CD_GUARDSIZE, guardSize);
    return d;
}

static inline seL4_Uint64 seL4_CNode_CapData_get_guard(seL4_CNode_CapData_t d)
{
    return seL4_bf_get_(d.words[0], SEL4_CD_GUARD);
}

static inline seL4_CNode_CapData_t seL4_CNode_CapData_set_guard(seL4_CNode_CapData_t d,
                                                                seL4_Uint64 v)
{
    d.words[0] = seL4_bf_set_(d.words[0], SEL4_CD_GUARD, v);
    return d;
}

static inline seL4_Uint64 seL4_CNode_CapData_get_guardSize(seL4_CNode_CapData_t d)
{
    return seL4_bf_get_(d.words[0], SEL4_CD_GUARDSIZE);
}

static inline seL4_CNode_CapData_t seL4_CNode_CapData_set_guardSize(seL4_CNode_CapData_t d,
                                                                    seL4_Uint64 v)
{
    d.words[0] = seL4_bf_set_(d.words[0], SEL4_CD_GUARDSIZE, v);
    return d;
}

#endif
