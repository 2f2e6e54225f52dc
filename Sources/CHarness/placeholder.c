/* Replaced by the harness's implementation files. */
#include "hil_harness.h"
