/* The entry point of every echo-MODEL executable; SERVER_MODEL names the model's
 * descriptor, set by the build. */
#include "server.h"

#ifndef SERVER_MODEL
#error "SERVER_MODEL must name a struct server_model"
#endif

extern const struct server_model SERVER_MODEL;

int main(int argc, char **argv)
{
    return server_main(&SERVER_MODEL, argc, argv);
}
