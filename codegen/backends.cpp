#include "codegen/backend.h"
#include "codegen/interp/interpreter.h"
#include "frontend/error.h"

namespace q3c {

std::vector<std::string> backendNames() { return {"interp"}; }

std::unique_ptr<Backend> createBackend(const std::string& name) {
  if (name == "interp") return std::make_unique<InterpBackend>();
  std::string known;
  for (const std::string& n : backendNames()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown backend '" + name + "' (known: " + known + ")");
}

}  // namespace q3c
