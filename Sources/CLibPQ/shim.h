#ifndef SHINCHOKU_CLIBPQ_SHIM_H
#define SHINCHOKU_CLIBPQ_SHIM_H
// The include path comes from pkg-config (libpq.pc); no absolute paths here.
#include <libpq-fe.h>
#endif
