// The one exception type for bad input (model files, configs, command-line values). Its message
// is complete and meant for the user: the tools print it as one line and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace q3c {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace q3c
