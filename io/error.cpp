#include "io/error.hpp"

#include <cstring>

namespace sluice::io {

std::string describe_errno(int error_number) {
  char buffer[256];
  // GNU strerror_r returns the message pointer (which may not be buffer).
  const char* text = strerror_r(error_number, buffer, sizeof buffer);
  return text;
}

}  // namespace sluice::io
