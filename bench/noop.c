/* creation-noop: the trivial program creation-cost starts with posix_spawn. Linked
 * statically where it can be, so that what is measured is creating a process and
 * running a program, not the dynamic loader. */
int main(void)
{
    return 0;
}
