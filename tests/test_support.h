// Helpers shared by the tests: where the golden data is, temporary directories, comparisons.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "codegen/backend.h"
#include "frontend/safetensors.h"
#include "frontend/synth.h"
#include "runtime/model.h"

namespace q3c::test {

std::filesystem::path sharedDir();
std::filesystem::path goldenDir();
std::vector<std::string> goldenModels();  // folder names under goldenDir(), sorted

// A fresh directory under the system temp dir, removed when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// A model of random weights in shape s (bf16 unless `dtype` says f32), written into `dir` and loaded.
Model synthesizedModel(const SynthShape& s, const TempDir& dir, ir::DType dtype = ir::DType::BF16);

// The f32 (or i32 widened) contents of a tensor.
std::vector<float> tensorF32(const TensorView& t);
std::vector<int32_t> tensorI32(const TensorView& t);

// max |a - b| / max |b|; fails the current test if sizes differ.
double relativeError(const std::vector<float>& got, const std::vector<float>& want);
double maxAbs(const std::vector<float>& v);

// Logits [ids + next, vocab] of a prefill of `ids` then one decode step per id of `next`, with
// graph `g` compiled by `b`, on `threads` threads (0: the session's default).
std::vector<float> run(const Model& m, Backend& b, const ir::Graph& g, const std::vector<int32_t>& ids,
                       const std::vector<int32_t>& next, int threads = 0);

void writeFile(const std::string& path, const std::string& bytes);
std::string readFile(const std::string& path);

// Runs the built q3c with `args` (already shell-quoted); captures stdout and stderr.
struct RunResult {
  int exitCode = -1;   // -1 when killed by a signal
  int signal = 0;
  std::string out, err;
};
RunResult runQ3c(const std::string& args);

// A failure as a user should see it: non-zero exit, no signal, exactly one line on stderr,
// "q3c: error: ..." containing `needle`. `what` names the case in messages.
void expectCleanFailure(const RunResult& r, const std::string& needle, const std::string& what);

}  // namespace q3c::test
