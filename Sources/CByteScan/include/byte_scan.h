#ifndef DUBBO_INSPECT_BYTE_SCAN_H
#define DUBBO_INSPECT_BYTE_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

// Scans that run over every byte of payload text, sixteen bytes per step where the CPU has SSE2. In C because
// Swift 6.3's SIMD comparisons compile to a byte-by-byte loop on Linux (measured 13x slower than eight-byte
// integer tricks). Inline, so Swift callers pay no call for the many short strings of a record. No byte outside
// [bytes, bytes + count) is ever read: short and trailing pieces are loaded as overlapping halves or chunks.
//
// Each scan is a pair: what one byte needs (the portable rule) and the same rule over sixteen bytes (SSE2).

static inline int dubbo_json_needs_look(uint8_t byte) {
    return byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x7F || byte == 0xC2 || byte == 0xE2;
}

static inline int dubbo_terminal_needs_look(uint8_t byte) {
    return byte < 0x20 || byte == 0x7F || byte == 0xC2 || byte == 0xE2;
}

static inline int dubbo_csv_needs_look(uint8_t byte) {
    return byte == ',' || byte == '"' || byte == '\n' || byte == '\r';
}

static inline int dubbo_printable_needs_look(uint8_t byte) {
    return byte < 0x20 || byte >= 0x7F;
}

static inline int dubbo_ascii_needs_look(uint8_t byte) {
    return byte >= 0x80;
}

#if defined(__SSE2__)
/// Bytes below 0x20. SSE2 compares bytes as signed: flipping the top bit turns an unsigned compare into a signed one.
static inline __m128i dubbo_below_space(__m128i chunk) {
    return _mm_cmplt_epi8(_mm_xor_si128(chunk, _mm_set1_epi8((char)0x80)), _mm_set1_epi8((char)(0x20 ^ 0x80)));
}

static inline __m128i dubbo_equal(__m128i chunk, uint8_t byte) {
    return _mm_cmpeq_epi8(chunk, _mm_set1_epi8((char)byte));
}

/// Bit i set when byte i needs a look from a JSON string writer (`dubbo_json_needs_look`).
static inline unsigned dubbo_json_look_mask(__m128i chunk) {
    __m128i look = _mm_or_si128(dubbo_below_space(chunk), dubbo_equal(chunk, 0x22));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0x5C));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0x7F));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0xC2));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0xE2));
    return (unsigned)_mm_movemask_epi8(look);
}

/// Bit i set when byte i may be, or start, a control character for a terminal (`dubbo_terminal_needs_look`).
static inline unsigned dubbo_terminal_look_mask(__m128i chunk) {
    __m128i look = _mm_or_si128(dubbo_below_space(chunk), dubbo_equal(chunk, 0x7F));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0xC2));
    look = _mm_or_si128(look, dubbo_equal(chunk, 0xE2));
    return (unsigned)_mm_movemask_epi8(look);
}

/// Bit i set when byte i makes a CSV cell need quotes (`dubbo_csv_needs_look`).
static inline unsigned dubbo_csv_look_mask(__m128i chunk) {
    __m128i look = _mm_or_si128(dubbo_equal(chunk, ','), dubbo_equal(chunk, '"'));
    look = _mm_or_si128(look, dubbo_equal(chunk, '\n'));
    look = _mm_or_si128(look, dubbo_equal(chunk, '\r'));
    return (unsigned)_mm_movemask_epi8(look);
}

/// Bit i set when byte i is not printable ASCII (`dubbo_printable_needs_look`).
static inline unsigned dubbo_printable_look_mask(__m128i chunk) {
    __m128i flipped = _mm_xor_si128(chunk, _mm_set1_epi8((char)0x80));
    __m128i look = _mm_cmplt_epi8(flipped, _mm_set1_epi8((char)(0x20 ^ 0x80)));
    look = _mm_or_si128(look, _mm_cmpgt_epi8(flipped, _mm_set1_epi8((char)(0x7E ^ 0x80))));
    return (unsigned)_mm_movemask_epi8(look);
}

/// Bit i set when byte i is at or above 0x80 (`dubbo_ascii_needs_look`).
static inline unsigned dubbo_ascii_look_mask(__m128i chunk) {
    return (unsigned)_mm_movemask_epi8(chunk);
}
#endif

/// Index of the first byte the rule picks (`look` sixteen at a time, `needs` one at a time); `count` if none.
#if defined(__SSE2__)
static inline size_t dubbo_byte_scan(
    const uint8_t *bytes, size_t count, unsigned (*look)(__m128i), int (*needs)(uint8_t)
) {
    if (count >= 16) {
        size_t index = 0;
        for (; index + 16 <= count; index += 16) {
            unsigned mask = look(_mm_loadu_si128((const __m128i *)(bytes + index)));
            if (mask != 0) return index + (size_t)__builtin_ctz(mask);
        }
        if (index == count) return count;
        // The last sixteen bytes, overlapping bytes already found plain (whose bits are therefore clear).
        unsigned mask = look(_mm_loadu_si128((const __m128i *)(bytes + count - 16)));
        return mask != 0 ? count - 16 + (size_t)__builtin_ctz(mask) : count;
    }
    // Under sixteen: the first and the last `half` bytes side by side (they overlap when count < 2 * half); lane j
    // from `half` up is byte j + count - 2 * half. Lanes past 2 * half repeat the pair and are ignored.
    __m128i chunk;
    size_t half;
    if (count >= 8) {
        uint64_t first, last;
        memcpy(&first, bytes, 8);
        memcpy(&last, bytes + count - 8, 8);
        chunk = _mm_set_epi64x((long long)last, (long long)first);
        half = 8;
    } else if (count >= 4) {
        uint32_t first, last;
        memcpy(&first, bytes, 4);
        memcpy(&last, bytes + count - 4, 4);
        chunk = _mm_set_epi32((int)last, (int)first, (int)last, (int)first);
        half = 4;
    } else {
        for (size_t index = 0; index < count; index++) {
            if (needs(bytes[index])) return index;
        }
        return count;
    }
    unsigned mask = look(chunk) & ((1u << (2 * half)) - 1);
    if (mask == 0) return count;
    size_t lane = (size_t)__builtin_ctz(mask);
    return lane < half ? lane : lane + count - 2 * half;
}
#define DUBBO_BYTE_SCAN(bytes, count, rule) dubbo_byte_scan(bytes, count, dubbo_##rule##_look_mask, dubbo_##rule##_needs_look)
#else
static inline size_t dubbo_byte_scan(const uint8_t *bytes, size_t count, int (*needs)(uint8_t)) {
    for (size_t index = 0; index < count; index++) {
        if (needs(bytes[index])) return index;
    }
    return count;
}
#define DUBBO_BYTE_SCAN(bytes, count, rule) dubbo_byte_scan(bytes, count, dubbo_##rule##_needs_look)
#endif

/// Index of the first byte a JSON string must look at: below 0x20, `"`, `\`, DEL, or 0xC2 / 0xE2 (the lead bytes
/// of the only non-ASCII characters that are escaped: U+0080...U+009F, U+2028, U+2029); `count` if none.
static inline size_t dubbo_byte_scan_json_plain(const uint8_t *bytes, size_t count) {
    return DUBBO_BYTE_SCAN(bytes, count, json);
}

/// Index of the first byte that may be, or start, a control character for a terminal: below 0x20, DEL, or 0xC2 /
/// 0xE2, the lead bytes of every non-ASCII one (C1 controls, U+2028/U+2029, bidirectional overrides).
static inline size_t dubbo_byte_scan_terminal_plain(const uint8_t *bytes, size_t count) {
    return DUBBO_BYTE_SCAN(bytes, count, terminal);
}

/// Index of the first `,`, `"`, LF or CR (what makes a CSV cell need quotes); `count` if none.
static inline size_t dubbo_byte_scan_csv_special(const uint8_t *bytes, size_t count) {
    return DUBBO_BYTE_SCAN(bytes, count, csv);
}

/// Index of the first byte that is not printable ASCII (below 0x20, or DEL and up); `count` if none.
static inline size_t dubbo_byte_scan_printable_ascii(const uint8_t *bytes, size_t count) {
    return DUBBO_BYTE_SCAN(bytes, count, printable);
}

/// Index of the first byte at or above 0x80; `count` if every byte is ASCII.
static inline size_t dubbo_byte_scan_ascii(const uint8_t *bytes, size_t count) {
    return DUBBO_BYTE_SCAN(bytes, count, ascii);
}

#endif
