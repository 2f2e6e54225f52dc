#ifndef HIL_CPNG_SHIM_H
#define HIL_CPNG_SHIM_H
#include <png.h>
#endif
