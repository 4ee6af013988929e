// camstream's slim OpenCV build (see ../../env.sh): stands in for Debian's generated
// opencv_modules.hpp, which lists every module Debian built (33) whether or not its
// headers and libraries are installed. @u4/opencv4nodejs compiles a binding for each
// HAVE_OPENCV_* defined here, so this lists only the modules camstream calls:
//   core       Mat, Point2, Vec3, flip, rotate
//   imgproc    drawRectangle, putText (test pattern, NO SIGNAL frames)
//   imgcodecs  imencode(Async), imdecode
//   videoio    VideoCapture, VideoWriter.fourcc (V4L2 cameras, GStreamer, video files)
#define HAVE_OPENCV_CORE
#define HAVE_OPENCV_IMGPROC
#define HAVE_OPENCV_IMGCODECS
#define HAVE_OPENCV_VIDEOIO
// opencv4nodejs builds its io binding (imencode, imdecode, VideoCapture) only when
// highgui is there too, for imshow/waitKey. camstream opens no windows and highgui
// pulls Qt onto the SD card, so io is switched on directly; highgui.hpp beside this
// file supplies the window functions as stubs that throw.
#define HAVE_IO
