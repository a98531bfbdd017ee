#include "codegen/backend.h"
#include <cstdlib>

#include "codegen/interp/interpreter.h"
#include "codegen/llvm/llvm_backend.h"
#include "frontend/error.h"

namespace q3c {

std::vector<std::string> backendNames() { return {"interp", "llvm", "jit"}; }

std::string defaultKernelCacheDir() {
  if (const char* dir = std::getenv("Q3C_KERNEL_CACHE")) return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/q3c/kernels";
  if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/q3c/kernels";
  return "";
}

std::unique_ptr<Backend> createBackend(const std::string& name, const BackendOptions& opt) {
  if (name == "interp") return std::make_unique<InterpBackend>();
  if (name != "jit" && opt.precision != "auto" && opt.precision != "f32")
    throw Error("--precision " + opt.precision + " needs --backend jit (" + name + " computes in f32)");
  if (name == "llvm") return std::make_unique<LlvmBackend>(opt, "llvm");
  if (name == "jit") {
    BackendOptions jit = opt;
    jit.microkernels = true;
    return std::make_unique<LlvmBackend>(jit, "jit");
  }
  std::string known;
  for (const std::string& n : backendNames()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown backend '" + name + "' (known: " + known + ")");
}

}  // namespace q3c
