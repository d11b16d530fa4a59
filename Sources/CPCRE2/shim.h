// PCRE2 with 8-bit code units (UTF-8). The width must be defined before pcre2.h is included,
// so it lives here in the shim rather than in each Swift file.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
