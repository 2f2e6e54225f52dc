/* Replaced by the runtime's implementation files. */
#include "hil_runtime.h"
