/* FaceIndex's C ABI over dlib 19.24: HOG frontal face detector, 68-point shape predictor, face chips.
 *
 * Conventions:
 * - Every function returning int returns FI_OK (0) or a negative FI_E_* code; after an error,
 *   fi_last_error() gives a message for the calling thread (valid until its next call into this library).
 * - No C++ exception crosses this boundary.
 * - Images are 8-bit RGB, row-major, 3 bytes a pixel; stride is the byte distance between rows (>= 3 * width).
 *   The library never writes into an input image and never keeps a pointer to it after a call returns.
 * - A detector is NOT thread-safe: use one per thread (fi_detector_clone is cheap).
 *   A predictor is immutable after loading and may be shared by any number of threads.
 */
#ifndef FACEINDEX_DLIB_H
#define FACEINDEX_DLIB_H

#include <stdint.h>

#if defined(FACEINDEX_DLIB_BUILDING)
#define FI_API __attribute__((visibility("default")))
#else
#define FI_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

enum
{
    FI_OK = 0,
    FI_E_ARGUMENT = -1,  /* a null pointer, a bad size or stride, a bad parameter */
    FI_E_IO = -2,        /* a model file could not be opened or read */
    FI_E_FORMAT = -3,    /* a model file is not what was expected */
    FI_E_MEMORY = -4,    /* out of memory */
    FI_E_INTERNAL = -5   /* any other error raised inside dlib */
};

typedef struct fi_detector fi_detector;
typedef struct fi_predictor fi_predictor;

/* A dlib rectangle: right and bottom inclusive. */
typedef struct fi_rect
{
    int32_t left, top, right, bottom;
} fi_rect;

typedef struct fi_point
{
    int32_t x, y;
} fi_point;

/* One detection: the box, dlib's detection confidence, and which of the detector's filters fired. */
typedef struct fi_detection
{
    fi_rect rect;
    double score;
    int32_t weight_index;
    int32_t reserved;
} fi_detection;

/* dlib's chip_details: the rotated source rectangle, the angle in radians, the chip size. */
typedef struct fi_chip_details
{
    double left, top, right, bottom;
    double angle;
    int32_t rows, cols;
} fi_chip_details;

/* The ABI version (bumped on any incompatible change) and the dlib version compiled in, "19.24.0". */
FI_API int32_t fi_abi_version(void);
FI_API const char* fi_dlib_version(void);

/* The calling thread's last error message; never null. */
FI_API const char* fi_last_error(void);

/* dlib's get_frontal_face_detector(). */
FI_API int fi_detector_create(fi_detector** out);
/* A copy of a detector for another thread (a few hundred kB). src must not be scanning at the time. */
FI_API int fi_detector_clone(const fi_detector* src, fi_detector** out);
FI_API void fi_detector_destroy(fi_detector* detector);

/* Detects faces as dlib's Python detector.run(img, upsample, adjust_threshold) does: the image is doubled
 * upsample times with pyramid_up, scanned, and the boxes mapped back. Detections are sorted by score,
 * best first. Writes at most capacity of them to out (which may be null when capacity is 0) and the total
 * to *count; all of them stay in the detector until its next detect, for fi_detector_results. */
FI_API int fi_detector_detect(fi_detector* detector, const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                              int32_t upsample, double adjust_threshold, fi_detection* out, int32_t capacity,
                              int32_t* count);
/* Copies the last detect's detections (up to capacity) to out; *count gets how many were copied. */
FI_API int fi_detector_results(const fi_detector* detector, fi_detection* out, int32_t capacity, int32_t* count);

/* Deserializes a shape_predictor .dat file (path in UTF-8). */
FI_API int fi_predictor_load(const char* path, fi_predictor** out);
FI_API void fi_predictor_destroy(fi_predictor* predictor);
FI_API int fi_predictor_num_parts(const fi_predictor* predictor, int32_t* parts);
/* Places the predictor's parts inside box; out must hold num_parts points. Thread-safe. */
FI_API int fi_predictor_predict(const fi_predictor* predictor, const uint8_t* rgb, int32_t width, int32_t height,
                                int32_t stride, const fi_rect* box, fi_point* out, int32_t capacity);

/* dlib's get_face_chip_details(shape, size, padding) for a 5- or 68-point shape. */
FI_API int fi_face_chip_details(const fi_point* points, int32_t num_points, int32_t size, double padding,
                                fi_chip_details* out);
/* dlib's extract_image_chip(img, details, chip) into out (details->rows x details->cols RGB, out_stride bytes a row). */
FI_API int fi_extract_image_chip(const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                                 const fi_chip_details* details, uint8_t* out, int32_t out_stride);
/* Both of the above: dlib's Python get_face_chip(img, shape, size, padding); out is size x size RGB. */
FI_API int fi_get_face_chip(const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                            const fi_point* points, int32_t num_points, int32_t size, double padding, uint8_t* out,
                            int32_t out_stride);

#ifdef __cplusplus
}
#endif

#endif
