// The interface between a compiled graph and the runtime. A Backend turns a graph (and the
// weights its constants name) into an Executable; the runtime owns the KV cache and threads.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "runtime/kv_cache.h"
#include "runtime/thread_pool.h"

namespace q3c {

// Which rows of the graph output a run must produce: every token's, or only the last token's
// (a prefill needs the next-token logits only; a backend may then skip the others' lm_head).
enum class OutputRows { All, Last };

// The instruction a prefill's products run on, whose peak `q3c bench` holds it against.
enum class PrefillUnit {
  FloatDot,   // the float dot: FMA, or vdpbf16ps on bf16 activations
  AmxBf16,    // AMX tiles (tdpbf16ps)
  AmxInt8,    // AMX-INT8 tiles (tdpbssd) of quantized weights
  IntDot,     // integer tiles on the int8 dot: vpdpbusd, or AVX2's vpmaddwd (int16 codes)
  BytePairs,  // AVX2's int4 tiles on vpmaddubsw (32 multiply-adds an instruction against
              // vpmaddwd's 16); where some products take them, the whole prefill is judged by it
};

// The time one kernel took over the runs made while profiling was on (Executable::setProfiling).
struct KernelTime {
  std::string kernel;        // readable name, e.g. "matmul_add_q4_9728x2560_int4g32"
  int64_t calls = 0;         // calls to kernels of that name
  double seconds = 0;        // wall time of those calls, all threads' parts together
  double weightBytes = 0;    // weight bytes the calls streamed (weight products; 0 for other kernels)
  double flops = 0;          // 2 per weight and row of the products (0 for other kernels)
  // The threads' time in the calls' parts, and what they had (wall time x pool threads): their
  // ratio is how busy the threads kept; the rest is waiting for the slowest part, dispatch, or
  // a kernel that runs on one thread.
  double busySeconds = 0, threadSeconds = 0;
};

class Executable {
 public:
  virtual ~Executable() = default;
  // Processes T new tokens at positions kv.length() .. kv.length()+T-1, appends their keys and
  // values, advances kv.length() by T, and returns the graph output (logits, [T, vocab]; with
  // OutputRows::Last, the last token's row), valid until the next call. Kernels that split
  // into parts run on `pool` when given.
  virtual const float* run(const int32_t* ids, int64_t T, KvCache& kv, ThreadPool* pool = nullptr,
                           OutputRows rows = OutputRows::All) = 0;
  // A named value of the last run as f32 (for tests and debugging); empty when the backend
  // does not keep it.
  virtual std::vector<float> valueOf(const std::string& name) const { return {}; }
  // One line on what was compiled and how long it took (empty for the interpreter).
  virtual std::string describe() const { return ""; }
  // What the matmuls round their input activations to (--precision, resolved).
  virtual ir::DType activationPrecision() const { return ir::DType::F32; }
  // What the prefill products run on: `q3c bench` judges the prefill against its peak.
  virtual PrefillUnit prefillUnit() const { return PrefillUnit::FloatDot; }
  // Per-kernel wall time (`q3c bench --profile`): on, each run times every kernel call and its
  // parts (two clock reads each) and adds them to profile(); switching it on clears the counts.
  // Backends without kernels count nothing.
  virtual void setProfiling(bool on) {}
  virtual std::vector<KernelTime> profile() const { return {}; }
};

struct BackendOptions {
  std::string isa = "native";   // native, avx512bf16 (no AMX), avx512, avx2: caps the ISA
  std::string kernelCacheDir;   // where compiled kernels are kept between runs; empty: none
  // auto, f32 or bf16: what the matmuls round activations to (jit backend). auto: bf16 when
  // every matmul weight is bf16, else f32.
  std::string precision = "auto";
  bool microkernels = false;    // matmuls on the Xbyak dot tiles (set by the jit backend)
  // jit: copy the weights into huge-page memory at load (false: read them where mapped).
  bool residentWeights = true;
};

// The default kernel cache: $Q3C_KERNEL_CACHE, else $XDG_CACHE_HOME/q3c/kernels, else
// ~/.cache/q3c/kernels.
std::string defaultKernelCacheDir();

class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::string name() const = 0;
  // Whether the pass pipeline runs before this backend unless the user says otherwise. The
  // reference interpreter runs the graph as built.
  virtual bool runsPassesByDefault() const { return true; }
  virtual std::unique_ptr<Executable> compile(const ir::Graph& g, const WeightStore& weights) = 0;
};

// "interp" (the reference), "llvm" (every kernel from LLVM IR), or "jit" (the llvm backend
// with the matmuls on Xbyak microkernels: the default). Throws q3c::Error listing the known names.
std::unique_ptr<Backend> createBackend(const std::string& name, const BackendOptions& opt = {});
std::vector<std::string> backendNames();

}  // namespace q3c
