// camstream's slim OpenCV build (see opencv_modules.hpp beside this file): replaces
// OpenCV's highgui.hpp for @u4/opencv4nodejs's io binding, which includes it for the
// window functions. It brings the headers io really uses (imgcodecs, videoio) and
// defines the window functions inline so nothing links against libopencv_highgui
// (and Qt): calling them from JavaScript throws a cv::Exception saying why.
#ifndef CAMSTREAM_SLIM_HIGHGUI_HPP
#define CAMSTREAM_SLIM_HIGHGUI_HPP

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>
#include <string>

namespace cv {

[[noreturn]] inline void camstreamNoHighgui(const char* fn) {
  cv::error(cv::Error::StsNotImplemented,
            std::string(fn) + ": camstream builds the OpenCV bindings without highgui (no windows)",
            fn, __FILE__, __LINE__);
}
inline void imshow(const String&, InputArray) { camstreamNoHighgui("imshow"); }
inline int waitKey(int = 0) { camstreamNoHighgui("waitKey"); }
inline int waitKeyEx(int = 0) { camstreamNoHighgui("waitKeyEx"); }
inline void destroyWindow(const String&) { camstreamNoHighgui("destroyWindow"); }
inline void destroyAllWindows() { camstreamNoHighgui("destroyAllWindows"); }

}  // namespace cv

#endif
