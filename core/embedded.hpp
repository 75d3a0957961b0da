#pragma once

// Files compiled into the binary by cmake/EmbedFile.cmake.

#include <string_view>

namespace tasks::embedded {

// openapi.yaml at the repository root, byte for byte (served at GET /openapi.yaml).
std::string_view openapi_yaml();

}  // namespace tasks::embedded
