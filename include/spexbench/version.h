/* spexbench public API: version.  CMakeLists.txt reads the three numbers below
 * (the single source of the project version), so they are the version of the
 * headers, of the library and of the Python package alike. */
#ifndef SPEXBENCH_VERSION_H
#define SPEXBENCH_VERSION_H

#define SPEXBENCH_VERSION_MAJOR 0
#define SPEXBENCH_VERSION_MINOR 1
#define SPEXBENCH_VERSION_PATCH 0

#define SPEXBENCH_VERSION_STRINGIFY_(x) #x
#define SPEXBENCH_VERSION_STRINGIFY(x) SPEXBENCH_VERSION_STRINGIFY_(x)
/* "0.1.0" */
#define SPEXBENCH_VERSION_STRING                           \
  SPEXBENCH_VERSION_STRINGIFY(SPEXBENCH_VERSION_MAJOR) "." \
  SPEXBENCH_VERSION_STRINGIFY(SPEXBENCH_VERSION_MINOR) "." \
  SPEXBENCH_VERSION_STRINGIFY(SPEXBENCH_VERSION_PATCH)
/* 0xMMmmpp: compare with spexbench_version_number() to check the library a
 * program runs against is at least the one it was compiled with. */
#define SPEXBENCH_VERSION_HEX                                              \
  ((SPEXBENCH_VERSION_MAJOR << 16) | (SPEXBENCH_VERSION_MINOR << 8) | \
   SPEXBENCH_VERSION_PATCH)

#endif
