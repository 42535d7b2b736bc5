// FaceIndex's C ABI over dlib 19.24 (see faceindex_dlib.h for the contract).
// Every entry point catches everything: no C++ exception may unwind into the .NET runtime.
#include "faceindex_dlib.h"

#include <dlib/image_processing.h>
#include <dlib/image_processing/frontal_face_detector.h>
#include <dlib/image_transforms.h>
#include <dlib/revision.h>
#include <dlib/serialize.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <fstream>
#include <new>
#include <string>
#include <vector>

namespace faceindex
{
// A read-only view of the caller's RGB8 buffer in dlib's generic image interface, so dlib reads the pixels
// where they are instead of from a copy (dlib::rgb_pixel is three packed bytes, red first).
struct rgb_view
{
    const unsigned char* data;
    long rows;
    long cols;
    long stride;
};

inline long num_rows(const rgb_view& img) { return img.rows; }
inline long num_columns(const rgb_view& img) { return img.cols; }
inline long width_step(const rgb_view& img) { return img.stride; }
inline const void* image_data(const rgb_view& img) { return img.data; }
// dlib's image_view wants a mutable pointer even for inputs it only reads; nothing here writes through it.
inline void* image_data(rgb_view& img) { return const_cast<unsigned char*>(img.data); }
} // namespace faceindex

namespace dlib
{
template <> struct image_traits<faceindex::rgb_view>
{
    typedef rgb_pixel pixel_type;
};
} // namespace dlib

static_assert(sizeof(dlib::rgb_pixel) == 3, "rgb_pixel must be three packed bytes to view RGB8 buffers in place");

struct fi_detector
{
    dlib::frontal_face_detector detector;
    std::vector<dlib::rect_detection> results;
    // Kept between calls: at upsample 1 a 250x250 photo needs a 750 kB buffer, which malloc would otherwise map
    // and fault in afresh on every call.
    dlib::array2d<dlib::rgb_pixel> upsampled;
};

struct fi_predictor
{
    dlib::shape_predictor predictor;
};

namespace
{
thread_local std::string last_error;

struct fi_error
{
    int code;
    std::string message;
};

[[noreturn]] void fail(int code, std::string message) { throw fi_error{code, std::move(message)}; }

int set_error(int code, const std::string& message)
{
    try
    {
        last_error = message;
    }
    catch (...)
    {
        // Out of memory while recording the message: the code still tells the caller what happened.
    }
    return code;
}

// Runs body, turning any exception into a return code and the thread's last-error message.
template <typename Body> int guarded(const char* where, Body&& body) noexcept
{
    try
    {
        body();
        return FI_OK;
    }
    catch (const fi_error& e)
    {
        return set_error(e.code, std::string(where) + ": " + e.message);
    }
    catch (const dlib::serialization_error& e)
    {
        return set_error(FI_E_FORMAT, std::string(where) + ": " + e.what());
    }
    catch (const std::bad_alloc&)
    {
        return set_error(FI_E_MEMORY, std::string(where) + ": out of memory");
    }
    catch (const std::exception& e)
    {
        return set_error(FI_E_INTERNAL, std::string(where) + ": " + e.what());
    }
    catch (...)
    {
        return set_error(FI_E_INTERNAL, std::string(where) + ": unknown C++ exception");
    }
}

void require(bool condition, const char* message)
{
    if (!condition)
    {
        fail(FI_E_ARGUMENT, message);
    }
}

faceindex::rgb_view view_of(const uint8_t* rgb, int32_t width, int32_t height, int32_t stride)
{
    require(rgb != nullptr, "the image pointer is null");
    require(width > 0 && height > 0, "the image is empty (width and height must be positive)");
    require(stride >= 3 * static_cast<int64_t>(width), "the image stride is smaller than 3 * width");
    return faceindex::rgb_view{rgb, height, width, stride};
}

dlib::full_object_detection shape_of(const fi_point* points, int32_t num_points)
{
    require(points != nullptr, "the points pointer is null");
    require(num_points == 68 || num_points == 5, "a face chip needs a 68- or 5-point shape");
    std::vector<dlib::point> parts(static_cast<size_t>(num_points));
    for (int32_t i = 0; i < num_points; ++i)
    {
        parts[i] = dlib::point(points[i].x, points[i].y);
    }
    return dlib::full_object_detection(dlib::rectangle(), parts);
}

void copy_chip(const dlib::array2d<dlib::rgb_pixel>& chip, uint8_t* out, int32_t out_stride)
{
    const size_t row_bytes = static_cast<size_t>(chip.nc()) * 3;
    for (long r = 0; r < chip.nr(); ++r)
    {
        std::memcpy(out + static_cast<size_t>(r) * static_cast<size_t>(out_stride), &chip[r][0], row_bytes);
    }
}

fi_chip_details to_abi(const dlib::chip_details& d)
{
    return fi_chip_details{d.rect.left(), d.rect.top(),   d.rect.right(), d.rect.bottom(),
                           d.angle,       static_cast<int32_t>(d.rows), static_cast<int32_t>(d.cols)};
}

void extract_chip(const faceindex::rgb_view& img, const dlib::chip_details& details, uint8_t* out, int32_t out_stride)
{
    require(out != nullptr, "the output pointer is null");
    require(details.rows > 0 && details.cols > 0 && details.rows <= 65536 && details.cols <= 65536,
            "the chip size must be between 1 and 65536");
    require(out_stride >= 3 * static_cast<int64_t>(details.cols), "the output stride is smaller than 3 * chip columns");
    dlib::array2d<dlib::rgb_pixel> chip;
    dlib::extract_image_chip(img, details, chip);
    copy_chip(chip, out, out_stride);
}
} // namespace

extern "C" {

FI_API int32_t fi_abi_version(void) { return 1; }

#define FI_STR2(x) #x
#define FI_STR(x) FI_STR2(x)
FI_API const char* fi_dlib_version(void)
{
    return FI_STR(DLIB_MAJOR_VERSION) "." FI_STR(DLIB_MINOR_VERSION) "." FI_STR(DLIB_PATCH_VERSION);
}

FI_API const char* fi_last_error(void) { return last_error.c_str(); }

FI_API int fi_detector_create(fi_detector** out)
{
    return guarded("fi_detector_create", [&] {
        require(out != nullptr, "out is null");
        *out = nullptr;
        auto* d = new fi_detector();
        d->detector = dlib::get_frontal_face_detector();
        *out = d;
    });
}

FI_API int fi_detector_clone(const fi_detector* src, fi_detector** out)
{
    return guarded("fi_detector_clone", [&] {
        require(src != nullptr && out != nullptr, "src or out is null");
        *out = nullptr;
        auto* d = new fi_detector();
        d->detector = src->detector;
        *out = d;
    });
}

FI_API void fi_detector_destroy(fi_detector* detector) { delete detector; }

// Writes the first min(count, capacity) detections to out; returns how many were written.
static int32_t copy_detections(const std::vector<dlib::rect_detection>& dets, fi_detection* out, int32_t capacity)
{
    const auto n = std::min(static_cast<int32_t>(dets.size()), capacity);
    for (int32_t i = 0; i < n; ++i)
    {
        const auto& d = dets[i];
        out[i] = fi_detection{{static_cast<int32_t>(d.rect.left()), static_cast<int32_t>(d.rect.top()),
                               static_cast<int32_t>(d.rect.right()), static_cast<int32_t>(d.rect.bottom())},
                              d.detection_confidence,
                              static_cast<int32_t>(d.weight_index),
                              0};
    }
    return n;
}

FI_API int fi_detector_detect(fi_detector* detector, const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                              int32_t upsample, double adjust_threshold, fi_detection* out, int32_t capacity,
                              int32_t* count)
{
    return guarded("fi_detector_detect", [&] {
        require(detector != nullptr && count != nullptr, "detector or count is null");
        require(capacity >= 0 && (capacity == 0 || out != nullptr), "out is null or capacity is negative");
        require(upsample >= 0 && upsample <= 8, "upsample must be between 0 and 8");
        *count = 0;
        const auto img = view_of(rgb, width, height, stride);
        auto& dets = detector->results;
        dets.clear();
        if (upsample == 0)
        {
            detector->detector(img, dets, adjust_threshold);
        }
        else
        {
            // As dlib's Python binding: pyramid_up into a buffer, again in place for each further level, then
            // map the boxes back with the same pyramid.
            dlib::pyramid_down<2> pyr;
            auto& up = detector->upsampled;
            dlib::pyramid_up(img, up, pyr);
            for (int32_t level = 1; level < upsample; ++level)
            {
                dlib::pyramid_up(up);
            }
            detector->detector(up, dets, adjust_threshold);
            for (auto& d : dets)
            {
                d.rect = pyr.rect_down(d.rect, static_cast<unsigned int>(upsample));
            }
        }
        const auto n = static_cast<int32_t>(dets.size());
        copy_detections(dets, out, capacity);
        *count = n;
    });
}

FI_API int fi_detector_results(const fi_detector* detector, fi_detection* out, int32_t capacity, int32_t* count)
{
    return guarded("fi_detector_results", [&] {
        require(detector != nullptr && count != nullptr, "detector or count is null");
        require(capacity >= 0 && (capacity == 0 || out != nullptr), "out is null or capacity is negative");
        const auto& dets = detector->results;
        *count = copy_detections(dets, out, capacity);
    });
}

FI_API int fi_predictor_load(const char* path, fi_predictor** out)
{
    return guarded("fi_predictor_load", [&] {
        require(path != nullptr && out != nullptr, "path or out is null");
        *out = nullptr;
        {
            std::ifstream probe(path, std::ios::binary);
            if (!probe)
            {
                fail(FI_E_IO, std::string("cannot open '") + path + "' for reading");
            }
        }
        auto* p = new fi_predictor();
        try
        {
            dlib::deserialize(path) >> p->predictor;
        }
        catch (const dlib::serialization_error& e)
        {
            delete p;
            fail(FI_E_FORMAT, std::string("'") + path + "' is not a dlib shape_predictor file: " + e.what());
        }
        catch (...)
        {
            delete p;
            throw;
        }
        if (p->predictor.num_parts() == 0)
        {
            delete p;
            fail(FI_E_FORMAT, std::string("'") + path + "' holds a shape_predictor with no parts");
        }
        *out = p;
    });
}

FI_API void fi_predictor_destroy(fi_predictor* predictor) { delete predictor; }

FI_API int fi_predictor_num_parts(const fi_predictor* predictor, int32_t* parts)
{
    return guarded("fi_predictor_num_parts", [&] {
        require(predictor != nullptr && parts != nullptr, "predictor or parts is null");
        *parts = static_cast<int32_t>(predictor->predictor.num_parts());
    });
}

FI_API int fi_predictor_predict(const fi_predictor* predictor, const uint8_t* rgb, int32_t width, int32_t height,
                                int32_t stride, const fi_rect* box, fi_point* out, int32_t capacity)
{
    return guarded("fi_predictor_predict", [&] {
        require(predictor != nullptr && box != nullptr && out != nullptr, "predictor, box or out is null");
        const auto parts = static_cast<int32_t>(predictor->predictor.num_parts());
        require(capacity >= parts, "out holds fewer points than the predictor's parts");
        const auto img = view_of(rgb, width, height, stride);
        const dlib::rectangle rect(box->left, box->top, box->right, box->bottom);
        const auto shape = predictor->predictor(img, rect);
        for (int32_t i = 0; i < parts; ++i)
        {
            const auto& p = shape.part(static_cast<unsigned long>(i));
            out[i] = fi_point{static_cast<int32_t>(p.x()), static_cast<int32_t>(p.y())};
        }
    });
}

FI_API int fi_face_chip_details(const fi_point* points, int32_t num_points, int32_t size, double padding,
                                fi_chip_details* out)
{
    return guarded("fi_face_chip_details", [&] {
        require(out != nullptr, "out is null");
        require(size > 0 && size <= 65536, "size must be between 1 and 65536");
        require(padding >= 0 && padding <= 100, "padding must be between 0 and 100");
        *out = to_abi(dlib::get_face_chip_details(shape_of(points, num_points), static_cast<unsigned long>(size), padding));
    });
}

FI_API int fi_extract_image_chip(const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                                 const fi_chip_details* details, uint8_t* out, int32_t out_stride)
{
    return guarded("fi_extract_image_chip", [&] {
        require(details != nullptr, "details is null");
        require(details->rows > 0 && details->cols > 0, "the chip size must be positive");
        const auto img = view_of(rgb, width, height, stride);
        const dlib::chip_details d(dlib::drectangle(details->left, details->top, details->right, details->bottom),
                                   dlib::chip_dims(static_cast<unsigned long>(details->rows),
                                                   static_cast<unsigned long>(details->cols)),
                                   details->angle);
        extract_chip(img, d, out, out_stride);
    });
}

FI_API int fi_get_face_chip(const uint8_t* rgb, int32_t width, int32_t height, int32_t stride,
                            const fi_point* points, int32_t num_points, int32_t size, double padding, uint8_t* out,
                            int32_t out_stride)
{
    return guarded("fi_get_face_chip", [&] {
        require(size > 0 && size <= 65536, "size must be between 1 and 65536");
        require(padding >= 0 && padding <= 100, "padding must be between 0 and 100");
        const auto img = view_of(rgb, width, height, stride);
        const auto details =
            dlib::get_face_chip_details(shape_of(points, num_points), static_cast<unsigned long>(size), padding);
        extract_chip(img, details, out, out_stride);
    });
}

} // extern "C"
