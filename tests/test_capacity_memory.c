/* Unit tests of the capacity scenario's memory estimate (bench/capacity_verdict.c,
 * capacity_memory_each_kib): what a connection of a held step costs, the server's and
 * the kernel's or the machine's, and when the machine's fall of MemAvailable counts. */
#include "capacity.h"
#include "check.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#define ALLOWANCE_KIB (64.0 * 1024)

/* A held step's capacity object as bench writes it: held connections, the tree's bytes
 * per connection, the kernel's own memory's rise and its TCP buffers in KiB, and the
 * machine's fall of MemAvailable in KiB. */
static json_t *held_step(double held, double per_bytes, double kernel_kib, double tcp_kib,
                         double fall_kib)
{
    json_t *c = json_object();
    json_object_set_new(c, "held", json_real(held));
    json_object_set_new(c, "memory_per_connection_bytes", json_real(per_bytes));
    json_object_set_new(c, "kernel_memory_kib", json_real(kernel_kib));
    json_object_set_new(c, "kernel_tcp_kib", json_real(tcp_kib));
    json_object_set_new(c, "machine_memory_kib", json_real(fall_kib));
    json_object_set_new(c, "machine_memory_per_connection_bytes",
                        json_real(fall_kib * 1024 / held));
    json_object_set_new(c, "machine_memory_allowance_kib", json_real(ALLOWANCE_KIB));
    return c;
}

static double each_of(json_t *c, char *basis, size_t len)
{
    double each = capacity_memory_each_kib(c, basis, len);
    json_decref(c);
    return each;
}

/* CI's failure: 116 connections of select (706 B each) while other tests took 33 MiB of
 * MemAvailable. The fall is within the allowance, and so is the kernel's 0.7 MiB: the
 * server's counts, not 300,000 B a connection. */
static void case_small_step(void)
{
    char basis[400];
    double each = each_of(held_step(116, 706, 116.0 * 6, 0, 33.0 * 1024), basis, sizeof(basis));
    CHECK(fabs(each - 706.0 / 1024) < 1e-9, "%.3f KiB each", each);
    CHECK(strstr(basis, "706 B each in the server, and 6.00 KiB in the kernel's own memory and "
                        "0.00 KiB in its TCP buffers, less the 64 MiB left to the rest of the "
                        "machine (the machine's MemAvailable fell 33.0 MiB, within the 64 MiB left "
                        "to the rest of the machine)"),
          "%s", basis);
}

/* Another process's 3,000 threads during a small step: 24 MiB more of the kernel's own
 * memory (their stacks) at 116 connections, within the allowance, not 215 KiB a
 * connection. */
static void case_kernel_noise(void)
{
    char basis[400];
    double each = each_of(held_step(116, 706, 24916, 0, 63.0 * 1024), basis, sizeof(basis));
    CHECK(fabs(each - 706.0 / 1024) < 1e-9, "%.3f KiB each: %s", each, basis);
}

/* The kernel's own memory past the allowance counts less it: 10,016 connections of
 * echo-thread at 13 KiB in the tree and 26 KiB in the kernel. */
static void case_kernel_counts(void)
{
    char basis[400];
    double each = each_of(held_step(10016, 13.0 * 1024, 10016.0 * 26, 0, 0), basis, sizeof(basis));
    CHECK(fabs(each - (13.0 + (10016.0 * 26 - ALLOWANCE_KIB) / 10016)) < 1e-9, "%.3f: %s", each,
          basis);
}

/* Past the allowance the fall counts less the allowance, where it is the larger: thread at
 * 10,016 with a 400 MiB fall, 336 MiB past it. */
static void case_machine_counts(void)
{
    char basis[400];
    double each =
        each_of(held_step(10016, 13.0 * 1024, 10016.0 * 10, 0, 400.0 * 1024), basis, sizeof(basis));
    CHECK(fabs(each - 336.0 * 1024 / 10016) < 1e-9, "%.3f KiB each", each);
    CHECK(strstr(basis, "its fall of 400.0 MiB less the 64 MiB left to the rest of the machine); "
                        "the larger, the machine's, counts"),
          "%s", basis);
}

/* The rule is smooth: a fall just past the allowance adds little, not all of it. */
static void case_just_past(void)
{
    char basis[400];
    double each = each_of(held_step(116, 706, 0, 0, ALLOWANCE_KIB + 116), basis, sizeof(basis));
    CHECK(fabs(each - 1.0) < 1e-9, "%.3f KiB each: %s", each, basis);
}

/* Past the allowance but smaller than the server's and the kernel's: those count. */
static void case_machine_smaller(void)
{
    char basis[400];
    double each = each_of(held_step(10016, 100.0 * 1024, 10016.0 * 10, 10016.0, 300.0 * 1024),
                          basis, sizeof(basis));
    double want = 100.0 + (10016.0 * 10 + 10016.0 - ALLOWANCE_KIB) / 10016;
    CHECK(fabs(each - want) < 1e-9 && strstr(basis, "the server's and kernel's, counts"),
          "%.3f KiB each: %s", each, basis);
}

/* MemAvailable rose (the step before's sockets freed): said so, and nothing of it counts;
 * a kernel's memory that fell counts as none. */
static void case_rose(void)
{
    char basis[400];
    double each = each_of(held_step(1016, 1024, -2048, 0, -11.0 * 1024), basis, sizeof(basis));
    CHECK(each == 1.0 && strstr(basis, "the machine's MemAvailable rose 11.0 MiB"), "%.3f: %s",
          each, basis);
}

/* The tree's figure unknown: no estimate. The kernel's and the machine's unknown (a
 * record from before them): the tree's. */
static void case_unknown(void)
{
    char basis[400];
    json_t *c = held_step(100, 1000, 0, 0, 1);
    json_object_set_new(c, "memory_per_connection_bytes", json_null());
    CHECK(isnan(capacity_memory_each_kib(c, basis, sizeof(basis))));
    json_object_set_new(c, "memory_per_connection_bytes", json_real(2048));
    json_object_del(c, "kernel_memory_kib");
    json_object_set_new(c, "machine_memory_kib", json_null());
    double each = each_of(c, basis, sizeof(basis));
    CHECK(each == 2.0 && strcmp(basis, "2048 B each in the server, and 0.00 KiB in the kernel's "
                                       "own memory and 0.00 KiB in its TCP buffers, less the 64 "
                                       "MiB left to the rest of the machine") == 0,
          "%.3f: %s", each, basis);
}

/* A basis too short for its text: the estimate is the same. */
static void case_short_basis(void)
{
    char basis[8];
    double each = each_of(held_step(10016, 1024, 0, 0, 400.0 * 1024), basis, sizeof(basis));
    CHECK(fabs(each - 336.0 * 1024 / 10016) < 1e-9, "%.3f KiB each", each);
}

TEST_CASES({"small_step", case_small_step}, {"kernel_noise", case_kernel_noise},
           {"kernel_counts", case_kernel_counts}, {"machine_counts", case_machine_counts},
           {"just_past", case_just_past}, {"machine_smaller", case_machine_smaller},
           {"rose", case_rose}, {"unknown", case_unknown}, {"short_basis", case_short_basis});
TEST_MAIN()
