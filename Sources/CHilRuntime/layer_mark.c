/* The default per-layer mark: nothing. A firmware that times layers defines its own (a strong
 * symbol replaces this weak one at link time). */
#include "hil_runtime.h"

__attribute__((weak)) void hil_layer_mark(uint16_t boundary) { (void)boundary; }
