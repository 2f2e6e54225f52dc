#ifndef HIL_CLIBPQ_SHIM_H
#define HIL_CLIBPQ_SHIM_H
// libpq, PostgreSQL's client library, as Debian's libpq-dev installs it
// (pkg-config adds -I/usr/include/postgresql).
#include <libpq-fe.h>
#endif
