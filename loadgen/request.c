/* What each request carries, and checking its echo. */
#include "loadgen.h"

#include <string.h>

#define PATTERN_SPAN 65536 /* offsets into the pattern, which is twice as long */

void request_make(struct lg_request *r, const char *pattern, unsigned line_bytes, uint32_t index,
                  uint64_t seq)
{
    static const char hex[] = "0123456789abcdef";
    size_t payload = line_bytes - 1;
    size_t hdr = payload < sizeof(r->hdr) ? payload : sizeof(r->hdr);

    /* The sequence number's lowest digit first, so that even a 2-byte line differs
     * from the one before it. */
    for (int i = 0; i < 8; i++)
        r->hdr[i] = hex[(seq >> (4 * i)) & 0xf];
    for (int i = 0; i < 8; i++)
        r->hdr[8 + i] = hex[(index >> (4 * i)) & 0xf];
    uint64_t offset = ((uint64_t)index * 2654435761u + seq * 40503u) % PATTERN_SPAN;

    r->part[0] = r->hdr;
    r->len[0] = hdr;
    r->part[1] = pattern + offset;
    r->len[1] = payload - hdr;
    r->part[2] = "\n";
    r->len[2] = 1;
}

bool request_matches(const struct lg_request *r, size_t from, const char *data, size_t n)
{
    for (int i = 0; i < 3 && n > 0; i++) {
        if (from >= r->len[i]) {
            from -= r->len[i];
            continue;
        }
        size_t take = r->len[i] - from;
        if (take > n)
            take = n;
        if (memcmp(r->part[i] + from, data, take) != 0)
            return false;
        data += take;
        n -= take;
        from = 0;
    }
    return n == 0; /* anything past the end of the request is wrong */
}
