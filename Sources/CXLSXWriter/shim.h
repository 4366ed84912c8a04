#ifndef SHINCHOKU_CXLSXWRITER_SHIM_H
#define SHINCHOKU_CXLSXWRITER_SHIM_H
// The include path comes from pkg-config (xlsxwriter.pc); no absolute paths here.
#include <xlsxwriter.h>
#endif
