// libudev, for the udev watcher in Sources/Discovery. Nothing else includes it.
#include <libudev.h>
