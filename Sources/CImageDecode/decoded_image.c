#include "hil_image_decode.h"
#include "decode_internal.h"

#include <stdlib.h>
#include <string.h>

void hil_decode_set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    size_t length = strlen(text);
    if (length >= capacity) length = capacity - 1;
    memcpy(message, text, length);
    message[length] = '\0';
}

void hil_decoded_image_free(hil_decoded_image *image) {
    if (image == NULL) return;
    free(image->pixels);
    image->pixels = NULL;
}
