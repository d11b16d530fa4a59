// OpenBLAS's CBLAS interface (Debian: libopenblas-dev; pkg-config adds its include folder).
#include <cblas.h>
#include <openblas_config.h>
