#ifndef HIL_DECODE_INTERNAL_H
#define HIL_DECODE_INTERNAL_H
/* Shared by the PNG and JPEG decoders; not part of the module's public header. */
#include <stddef.h>

/* Copy text into a caller's buffer, truncating and always NUL-terminating; a NULL buffer or a
 * capacity of 0 means the caller does not want the message. */
void hil_decode_set_message(char *message, size_t capacity, const char *text);

#endif
