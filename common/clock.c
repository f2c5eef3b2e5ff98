/* Clocks. */
#include "clock.h"

#include <errno.h>

void clock_sleep_ns(uint64_t ns)
{
    struct timespec left = {.tv_sec = (time_t)(ns / NS_PER_S), .tv_nsec = (long)(ns % NS_PER_S)};

    while (nanosleep(&left, &left) < 0 && errno == EINTR)
        ; /* a handler ran; sleep what is left */
}
