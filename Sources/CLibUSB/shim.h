#ifndef HIL_CLIBUSB_SHIM_H
#define HIL_CLIBUSB_SHIM_H
// libusb-1.0 as Debian's libusb-1.0-0-dev installs it (pkg-config adds -I/usr/include/libusb-1.0).
#include <libusb.h>
#endif
