#include <chrono>
#include <cmath>
#include <cstdlib>
#include <charconv>
#include <fstream>
#include <sstream>

#include <iostream>

#include "frontend/error.h"
#include "passes/pass_manager.h"
#include "tools/commands.h"

namespace q3c::tools {

void IdsInput::addOptions(CLI::App& cmd) {
  auto* a = cmd.add_option("--ids", ids, "prompt token ids, e.g. \"1 2 3\"");
  auto* b = cmd.add_option("--ids-file", file, "file with the prompt token ids (whitespace or comma separated)");
  a->excludes(b);
}

std::vector<int32_t> IdsInput::read() const {
  std::string text = ids;
  if (!file.empty()) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw Error(file + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  } else if (ids.empty()) {
    throw Error("no prompt: give --ids \"1 2 3\" or --ids-file FILE");
  }
  std::vector<int32_t> out;
  size_t i = 0;
  while (i < text.size()) {
    if (isspace(static_cast<unsigned char>(text[i])) || text[i] == ',') { ++i; continue; }
    size_t j = i;
    while (j < text.size() && !isspace(static_cast<unsigned char>(text[j])) && text[j] != ',') ++j;
    int64_t v;
    auto r = std::from_chars(text.data() + i, text.data() + j, v);
    if (r.ec != std::errc() || r.ptr != text.data() + j || v < INT32_MIN || v > INT32_MAX)
      throw Error("bad token id '" + text.substr(i, j - i) + "'" + (file.empty() ? "" : " in " + file));
    out.push_back(static_cast<int32_t>(v));
    i = j;
  }
  if (out.empty()) throw Error("the prompt has no token ids");
  return out;
}

void BackendFlags::addOptions(CLI::App& cmd) {
  std::string names;
  for (const auto& n : backendNames()) names += (names.empty() ? "" : ", ") + n;
  cmd.add_option("--backend", backend, "backend: " + names + " (interp: the fp32 reference, unfused)")->capture_default_str();
  cmd.add_option("--isa", isa, "cap the generated code: native, avx512bf16 (native without AMX), avx512, avx2")->capture_default_str();
  cmd.add_option("--precision", precision,
                 "matmul activations for the jit backend: f32 (bf16 weights widened in registers; quantized weights "
                 "on the fp32-accumulate paths), bf16 (rounded for the bf16 dot), or auto (bf16 when all matmul "
                 "weights are bf16 or quantized and the CPU has the bf16 dot, else f32; quantized decode on the int8 "
                 "dot, quantized prefill on AVX2 on vpmaddwd (int8 weights, int16 activations) and vpmaddubsw (int4 "
                 "weights, int8 activations) tiles)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "f32", "bf16"}));
  cmd.add_flag("--mapped-weights", mappedWeights,
               "jit: read the weights where the files are mapped instead of copying them into huge-page memory at "
               "load (starts faster and shares the page cache; decode is slower where clean file pages are reclaimed)");
  cmd.add_option("-t,--threads", threads, "threads that run the kernels (default: one per physical core)")
      ->check(nonNegativeInteger());
  cmd.add_option("--kernel-cache", kernelCache,
                 "directory of compiled kernels kept between runs, or 'none' (default: $Q3C_KERNEL_CACHE, "
                 "else ~/.cache/q3c/kernels)");
}

std::unique_ptr<Backend> BackendFlags::create() const {
  BackendOptions opt;
  opt.isa = isa;
  opt.precision = precision;
  opt.residentWeights = !mappedWeights;
  opt.kernelCacheDir = kernelCache == "none" ? "" : kernelCache.empty() ? defaultKernelCacheDir() : kernelCache;
  return createBackend(backend, opt);
}

void PipelineFlags::addOptions(CLI::App& cmd) {
  cmd.add_option("--passes", passes, "run exactly these passes, comma-separated, in this order");
  cmd.add_option("--disable-pass", disable, "skip these passes (comma-separated)");
  cmd.add_option("--print-after", printAfter, "print the IR after these passes (comma-separated, or 'all') on stderr");
  cmd.add_option("--print-before", printBefore, "print the IR before these passes (or 'all') on stderr");
  cmd.add_flag("--no-passes", noPasses, "run no pass: the unfused graph");
  cmd.add_flag("--time-passes", timePasses, "print the time each pass takes on stderr");
  cmd.add_option("--quant", quant,
                 "weight-only quantization at load (the quantize-weights pass): none, int8, int4 (symmetric), "
                 "int4zp (with zero points)")
      ->capture_default_str()
      ->check(CLI::IsMember({"none", "int8", "int4", "int4zp"}));
  cmd.add_option("--group", group, "weights per scale along K: 32 or 128 (default: 128 for int8, 32 for int4)")
      ->check(CLI::IsMember({"32", "128"}));
  cmd.add_option("--quant-head", quantHead, "format of the embedding table and lm_head under --quant (default int8)")
      ->check(CLI::IsMember({"none", "int8", "int4", "int4zp"}));
}

ir::Graph PipelineFlags::apply(const ir::Graph& source, bool byDefault) const {
  if (noPasses && !passes.empty()) throw Error("--no-passes and --passes exclude each other");
  ir::Graph g = source;
  const bool quantize = quant != "none";
  if (quantize) {
    if (noPasses) throw Error("--quant needs the quantize-weights pass: it cannot go with --no-passes");
    g.attrs["quant"] = quant;
    g.attrs["quant_group"] = group ? group : quant == "int8" ? int64_t{128} : int64_t{32};
    if (!quantHead.empty()) g.attrs["quant_head"] = quantHead;
  } else if (!quantHead.empty() || group) {
    throw Error("--group and --quant-head apply to --quant int8, int4 or int4zp");
  }
  if (noPasses) return g;
  if (!byDefault && passes.empty()) {
    if (!quantize) return g;
    passes::PipelineOptions only;  // the reference runs the graph as built, quantized
    only.passes = {"quantize-weights"};
    return passes::runPipeline(g, only, std::cerr);
  }
  auto names = [](const std::string& list) {
    std::set<std::string> out;
    if (list == "all") return std::set<std::string>{"all"};
    for (const std::string& n : passes::parsePassList(list)) out.insert(n);
    return out;
  };
  passes::PipelineOptions opt;
  opt.passes = passes::parsePassList(passes);
  opt.disabled = names(disable);
  opt.printAfter = names(printAfter);
  opt.printBefore = names(printBefore);
  opt.timePasses = timePasses;
  return passes::runPipeline(g, opt, std::cerr);
}

namespace {
CLI::Validator integerAtLeast(int64_t least, const std::string& what) {
  return CLI::Validator(
      [least, what](std::string& text) -> std::string {
        int64_t v;
        auto r = std::from_chars(text.data(), text.data() + text.size(), v);
        if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < least)
          return "must be " + what + ", got '" + text + "'";
        return "";
      },
      what == "a positive integer" ? "POSITIVE" : "NON-NEGATIVE");
}
}  // namespace

CLI::Validator realAbove(double least, bool inclusive, const std::string& what) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        double v = std::strtod(text.c_str(), &end);
        if (text.empty() || *end != '\0' || !(inclusive ? v >= least : v > least) || !std::isfinite(v))
          return "must be " + what + ", got '" + text + "'";
        return "";
      },
      inclusive ? "NON-NEGATIVE" : "POSITIVE");
}

CLI::Validator nonNegativeNumber() { return realAbove(0, true, "a number >= 0"); }
CLI::Validator positiveNumber() { return realAbove(0, false, "a number > 0"); }

CLI::Validator positiveInteger() { return integerAtLeast(1, "a positive integer"); }
CLI::Validator nonNegativeInteger() { return integerAtLeast(0, "a non-negative integer"); }

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
double secondsSince(int64_t startNs) { return static_cast<double>(nowNs() - startNs) * 1e-9; }

}  // namespace q3c::tools
