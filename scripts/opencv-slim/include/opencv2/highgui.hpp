// camstream's slim OpenCV build (see opencv_modules.hpp beside this file): replaces
// OpenCV's highgui.hpp for @u4/opencv4nodejs's io binding, which includes it for its
// window functions. It brings the headers io really uses (imgcodecs, videoio) and
// defines the window functions inline, so nothing links against libopencv_highgui (and
// Qt). They do nothing: there is no window to show on a headless camera. (Throwing is
// no option: the binding calls them outside any try, so an exception aborts Node.)
#ifndef CAMSTREAM_SLIM_HIGHGUI_HPP
#define CAMSTREAM_SLIM_HIGHGUI_HPP

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

namespace cv {

inline void imshow(const String&, InputArray) {}
/** No window has focus, so no key is ever pressed: -1, as OpenCV answers on a timeout. */
inline int waitKey(int = 0) { return -1; }
inline int waitKeyEx(int = 0) { return -1; }
inline void destroyWindow(const String&) {}
inline void destroyAllWindows() {}

}  // namespace cv

#endif
