# Third-party libraries from Debian 12 packages (installed by `make deps`).
# Imported as SYSTEM so that their headers' warnings do not count as ours.

find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(CURL REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(prometheus-cpp REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS unit_test_framework)

# Pistache is only for the evidence test (tests/evidence): the HTTP front is Boost.Asio/Beast.
pkg_check_modules(PISTACHE IMPORTED_TARGET libpistache)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(LIBJWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(LIBEDIT REQUIRED IMPORTED_TARGET libedit)
pkg_check_modules(UUID REQUIRED IMPORTED_TARGET uuid)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)

# CAF 0.17 and SOCI 4.0 ship neither CMake configs nor pkg-config files.
function(tasks_import_library target header)
  cmake_parse_arguments(ARG "" "" "LIBS;DEPS" ${ARGN})
  find_path(${target}_INCLUDE_DIR ${header} REQUIRED)
  set(libs "")
  foreach(lib IN LISTS ARG_LIBS)
    find_library(${target}_${lib}_LIBRARY ${lib} REQUIRED)
    list(APPEND libs ${${target}_${lib}_LIBRARY})
  endforeach()
  add_library(${target} INTERFACE IMPORTED)
  target_include_directories(${target} SYSTEM INTERFACE ${${target}_INCLUDE_DIR})
  target_link_libraries(${target} INTERFACE ${libs} ${ARG_DEPS})
endfunction()

tasks_import_library(caf::core caf/all.hpp LIBS caf_core DEPS Threads::Threads)
tasks_import_library(soci::all soci/soci.h LIBS soci_core soci_sqlite3 soci_postgresql
                     DEPS PkgConfig::LIBPQ PkgConfig::SQLITE3 ${CMAKE_DL_LIBS})
