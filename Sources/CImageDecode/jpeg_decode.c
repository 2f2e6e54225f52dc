/* JPEG through libjpeg(-turbo)'s decompression API, with an error manager that never prints and
 * never exits: fatal errors and pixel-corrupting warnings longjmp back to run_jpeg. */
#include "hil_image_decode.h"
#include "decode_internal.h"

/* jpeglib.h needs size_t and FILE declared first. */
#include <stdio.h>
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

/* As for PNG: what the error path cleans up lives in the caller's frame (see png_decode.c).
 * `errors` comes first so that libjpeg's j_common_ptr->err can be cast back to the job. */
struct jpeg_job {
    struct jpeg_error_mgr errors;
    jmp_buf jump;
    struct jpeg_decompress_struct cinfo;
    const uint8_t *data;
    size_t size;
    uint8_t *pixels;
    hil_decoded_image *image;
    hil_decode_status status;
    char *message;
    size_t message_capacity;
};

static void record(j_common_ptr cinfo) {
    struct jpeg_job *job = (struct jpeg_job *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    hil_decode_set_message(job->message, job->message_capacity, text);
}

/* Replaces libjpeg's default, which prints and calls exit(). Must not return. */
static void on_error_exit(j_common_ptr cinfo) {
    record(cinfo);
    longjmp(((struct jpeg_job *)cinfo->err)->jump, 1);
}

/* Warnings after which the decoder goes on with made-up data: a truncated file decodes with its
 * missing part gray. A dataset sample like that is wrong, so these end decoding. Others (unknown
 * JFIF revision, extraneous bytes between markers, a bad ICC marker) leave the pixels intact. */
static int invents_pixels(int code) {
    switch (code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC:
    case JWRN_NOT_SEQUENTIAL:
        return 1;
    default:
        return 0;
    }
}

/* level -1 is a warning, 0 and above are trace messages (off by default). Never prints. */
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0 && invents_pixels(cinfo->err->msg_code)) on_error_exit(cinfo);
}

static void on_output_message(j_common_ptr cinfo) {
    (void)cinfo;
}

static int run_jpeg(struct jpeg_job *job) {
    if (setjmp(job->jump)) return 0;
    struct jpeg_decompress_struct *cinfo = &job->cinfo;
    jpeg_create_decompress(cinfo);
    jpeg_mem_src(cinfo, job->data, (unsigned long)job->size);
    if (jpeg_read_header(cinfo, TRUE) != JPEG_HEADER_OK) {
        hil_decode_set_message(job->message, job->message_capacity, "it holds tables but no image");
        return 0;
    }
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE:
        cinfo->out_color_space = JCS_GRAYSCALE;
        break;
    case JCS_YCbCr:
    case JCS_RGB:
        cinfo->out_color_space = JCS_RGB;
        break;
    case JCS_CMYK:
    case JCS_YCCK:
        job->status = HIL_DECODE_UNSUPPORTED;
        hil_decode_set_message(job->message, job->message_capacity,
                               cinfo->jpeg_color_space == JCS_CMYK ? "CMYK" : "YCCK (Adobe CMYK)");
        return 0;
    default:
        job->status = HIL_DECODE_UNSUPPORTED;
        hil_decode_set_message(job->message, job->message_capacity, "an unknown colour space");
        return 0;
    }
    if ((uint64_t)cinfo->image_width * cinfo->image_height > HIL_DECODE_MAX_PIXELS) {
        job->status = HIL_DECODE_TOO_LARGE;
        hil_decode_set_message(job->message, job->message_capacity, "image too large");
        return 0;
    }
    jpeg_start_decompress(cinfo);
    size_t row_bytes = (size_t)cinfo->output_width * (size_t)cinfo->output_components;
    job->pixels = malloc(row_bytes * cinfo->output_height);
    if (job->pixels == NULL) {
        job->status = HIL_DECODE_NO_MEMORY;
        hil_decode_set_message(job->message, job->message_capacity, "out of memory");
        return 0;
    }
    while (cinfo->output_scanline < cinfo->output_height) {
        JSAMPROW row = job->pixels + (size_t)cinfo->output_scanline * row_bytes;
        jpeg_read_scanlines(cinfo, &row, 1);
    }
    /* Reads on to EOI, so a file missing its end is refused (JWRN_JPEG_EOF above). */
    jpeg_finish_decompress(cinfo);

    job->image->pixels = job->pixels;
    job->image->width = cinfo->output_width;
    job->image->height = cinfo->output_height;
    job->image->channels = (uint32_t)cinfo->output_components;
    job->pixels = NULL;
    return 1;
}

hil_decode_status hil_decode_jpeg(const uint8_t *data, size_t size, hil_decoded_image *image,
                                  char *message, size_t message_capacity) {
    memset(image, 0, sizeof *image);
    hil_decode_set_message(message, message_capacity, "");
    struct jpeg_job job;
    memset(&job, 0, sizeof job);
    job.data = data;
    job.size = size;
    job.image = image;
    job.status = HIL_DECODE_CORRUPT;
    job.message = message;
    job.message_capacity = message_capacity;
    job.cinfo.err = jpeg_std_error(&job.errors);
    job.errors.error_exit = on_error_exit;
    job.errors.emit_message = on_emit_message;
    job.errors.output_message = on_output_message;

    int ok = run_jpeg(&job);
    /* Safe in every state, including after a longjmp out of jpeg_create_decompress. */
    jpeg_destroy_decompress(&job.cinfo);
    free(job.pixels);
    return ok ? HIL_DECODE_OK : job.status;
}
