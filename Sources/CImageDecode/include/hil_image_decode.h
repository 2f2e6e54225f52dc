#ifndef HIL_IMAGE_DECODE_H
#define HIL_IMAGE_DECODE_H
/*
 * PNG and JPEG decoding for dataset loading, through libpng and libjpeg-turbo.
 *
 * Why C: both libraries report fatal errors by calling a handler that must not return (libjpeg's
 * error_exit; libpng's error function); the only way back is longjmp to a setjmp in the caller,
 * which Swift cannot do. These functions keep setjmp, longjmp and every libpng/libjpeg type on
 * this side, never print, never exit(), and return a status with the library's message.
 *
 * No libpng or libjpeg header is included here, so no C type of theirs leaks into Swift.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Images larger than this many pixels are refused before any pixel memory is allocated:
 * a corrupt header must not make us allocate gigabytes. 100 MP is far above any dataset image. */
#define HIL_DECODE_MAX_PIXELS 100000000u

typedef enum {
    HIL_DECODE_OK = 0,
    HIL_DECODE_CORRUPT = 1,     /* the library refused the data (truncated, bad CRC, bad Huffman code, ...) */
    HIL_DECODE_UNSUPPORTED = 2, /* well-formed but of a kind we do not convert (CMYK/YCCK JPEG) */
    HIL_DECODE_TOO_LARGE = 3,   /* width * height above HIL_DECODE_MAX_PIXELS */
    HIL_DECODE_NO_MEMORY = 4,
} hil_decode_status;

/* A decoded image: 8 bits per sample, rows top to bottom, samples interleaved, no padding.
 * channels is 1 (gray) or 3 (RGB); alpha is never returned. */
typedef struct {
    uint8_t *pixels; /* width * height * channels bytes, owned: release with hil_decoded_image_free */
    uint32_t width;
    uint32_t height;
    uint32_t channels;
} hil_decoded_image;

/* Decode a whole PNG held in memory. On failure image->pixels is NULL and, when message_capacity
 * is not 0, message holds a NUL-terminated reason (libpng's words, or ours). Conversions:
 * palette -> RGB; gray of 1, 2, 4 bits -> 8 bits; 16 bits -> 8 bits by round(v * 255 / 65535)
 * (png_set_scale_16); alpha (and tRNS transparency) dropped, not composited; gAMA, cHRM, iCCP
 * ignored, as PIL does. Interlaced (Adam7) images are de-interlaced. */
hil_decode_status hil_decode_png(const uint8_t *data, size_t size, hil_decoded_image *image,
                                 char *message, size_t message_capacity);

/* Decode a whole baseline, progressive or arithmetic-coded JPEG held in memory with libjpeg's
 * defaults (islow DCT, fancy upsampling, as PIL). Gray stays gray; YCbCr and RGB give RGB;
 * CMYK and YCCK are HIL_DECODE_UNSUPPORTED. Warnings that mean pixels were invented (premature
 * end of file, bad Huffman or arithmetic code, premature end of data segment, resync) are
 * HIL_DECODE_CORRUPT; other warnings are ignored. */
hil_decode_status hil_decode_jpeg(const uint8_t *data, size_t size, hil_decoded_image *image,
                                  char *message, size_t message_capacity);

/* Free the pixels of a decoded image (safe on a failed or already freed one). */
void hil_decoded_image_free(hil_decoded_image *image);

#ifdef __cplusplus
}
#endif
#endif
