/* A server that cannot run on this machine, for the runner's tests: like echo-uring
 * where io_uring is disabled, it says why and exits 69 (EX_UNAVAILABLE) before any
 * ready line. bench must record the model as unavailable, not failed. */
#include <stdio.h>

int main(void)
{
    fprintf(stderr, "unavailable_server: the facility this model needs is not available here "
                    "(a test)\n");
    return 69;
}
