/* PNG through libpng's full (not simplified) read API.
 *
 * Why not png_image (the simplified API), which needs no setjmp: it composites alpha onto a
 * background in linear light and applies gamma when reducing 16-bit samples, so its pixels differ
 * from what PIL (and so torchvision's ImageFolder) gave the model in training. The full API lets
 * us choose PIL's conversions: drop alpha, ignore gAMA. */
#include "hil_image_decode.h"
#include "decode_internal.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* Everything the error path must clean up lives here, in the caller's frame, not in locals of
 * the function that calls setjmp: those are indeterminate after longjmp unless volatile. */
struct png_job {
    const uint8_t *data;
    size_t size;
    size_t offset;
    png_structp png;
    png_infop info;
    uint8_t *pixels;
    png_bytep *rows;
    hil_decoded_image *image;
    hil_decode_status status; /* what a longjmp means: CORRUPT unless set otherwise first */
    char *message;
    size_t message_capacity;
};

static void read_from_memory(png_structp png, png_bytep out, size_t length) {
    struct png_job *job = png_get_io_ptr(png);
    if (length > job->size - job->offset) {
        png_error(png, "the file ends early (truncated)");
    }
    memcpy(out, job->data + job->offset, length);
    job->offset += length;
}

/* libpng's default prints to stderr and, without a jmp_buf, aborts; ours records and returns to
 * the setjmp in run_png. It must not return. */
static void on_error(png_structp png, png_const_charp text) {
    struct png_job *job = png_get_error_ptr(png);
    hil_decode_set_message(job->message, job->message_capacity, text);
    png_longjmp(png, 1);
}

/* Warnings concern ancillary data (a bad iCCP profile, a bad CRC on a text chunk): the pixels are
 * fine, so they are not worth a word in a dataset report. Silence, not stderr. */
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

/* Returns only normally on success; any libpng error comes back here through longjmp. */
static int run_png(struct png_job *job) {
    if (setjmp(png_jmpbuf(job->png))) return 0;

    png_set_read_fn(job->png, job, read_from_memory);
    png_read_info(job->png, job->info);

    png_uint_32 width = png_get_image_width(job->png, job->info);
    png_uint_32 height = png_get_image_height(job->png, job->info);
    int bit_depth = png_get_bit_depth(job->png, job->info);
    int color_type = png_get_color_type(job->png, job->info);
    if ((uint64_t)width * height > HIL_DECODE_MAX_PIXELS) {
        job->status = HIL_DECODE_TOO_LARGE;
        hil_decode_set_message(job->message, job->message_capacity, "image too large");
        return 0;
    }

    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(job->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(job->png);
    if (bit_depth == 16) png_set_scale_16(job->png);
    /* Unconditional: palette expansion may add an alpha channel from tRNS. */
    png_set_strip_alpha(job->png);
    png_set_interlace_handling(job->png);
    png_read_update_info(job->png, job->info);

    png_byte channels = png_get_channels(job->png, job->info);
    size_t row_bytes = png_get_rowbytes(job->png, job->info);
    if ((channels != 1 && channels != 3) || png_get_bit_depth(job->png, job->info) != 8
        || row_bytes != (size_t)width * channels) {
        job->status = HIL_DECODE_UNSUPPORTED;
        hil_decode_set_message(job->message, job->message_capacity,
                               "a pixel format libpng did not reduce to 8-bit gray or RGB");
        return 0;
    }

    job->pixels = malloc(row_bytes * height);
    job->rows = malloc(sizeof(png_bytep) * height);
    if (job->pixels == NULL || job->rows == NULL) {
        job->status = HIL_DECODE_NO_MEMORY;
        hil_decode_set_message(job->message, job->message_capacity, "out of memory");
        return 0;
    }
    for (png_uint_32 y = 0; y < height; y++) job->rows[y] = job->pixels + (size_t)y * row_bytes;
    png_read_image(job->png, job->rows);
    /* Reads up to IEND, so a file cut after its last IDAT is refused too, not silently accepted. */
    png_read_end(job->png, NULL);

    job->image->pixels = job->pixels;
    job->image->width = width;
    job->image->height = height;
    job->image->channels = channels;
    job->pixels = NULL; /* now owned by the image */
    return 1;
}

hil_decode_status hil_decode_png(const uint8_t *data, size_t size, hil_decoded_image *image,
                                 char *message, size_t message_capacity) {
    memset(image, 0, sizeof *image);
    hil_decode_set_message(message, message_capacity, "");
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        hil_decode_set_message(message, message_capacity, "no PNG signature");
        return HIL_DECODE_CORRUPT;
    }
    struct png_job job = {
        .data = data, .size = size, .image = image, .status = HIL_DECODE_CORRUPT,
        .message = message, .message_capacity = message_capacity,
    };
    job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    if (job.png == NULL) {
        hil_decode_set_message(message, message_capacity, "out of memory");
        return HIL_DECODE_NO_MEMORY;
    }
    job.info = png_create_info_struct(job.png);
    if (job.info == NULL) {
        png_destroy_read_struct(&job.png, NULL, NULL);
        hil_decode_set_message(message, message_capacity, "out of memory");
        return HIL_DECODE_NO_MEMORY;
    }
    int ok = run_png(&job);
    png_destroy_read_struct(&job.png, &job.info, NULL);
    free(job.rows);
    free(job.pixels);
    return ok ? HIL_DECODE_OK : job.status;
}
