// Runs a compiled graph: one generated kernel call per run-time node, every activation at its
// place in one arena (the memory plan's offsets, scaled by T), the KV cache owned by the
// runtime. A decode step allocates nothing.
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <map>
#include <thread>
#include <tuple>

#include "codegen/constants.h"
#include "codegen/llvm/jit.h"
#include "codegen/llvm/kernels.h"
#include "codegen/xbyak/amx_int8_panel_tile.h"
#include "codegen/xbyak/amx_panel_tile.h"
#include "codegen/xbyak/bf16_panel_tile.h"
#include "codegen/xbyak/int16_tile.h"
#include "codegen/xbyak/int4_madd_tile.h"
#include "codegen/xbyak/int8_tile.h"
#include "codegen/llvm/llvm_backend.h"
#include "codegen/xbyak/dot_tile.h"
#include "frontend/error.h"

namespace q3c {

namespace {

using ir::OpKind;
using llvmgen::ArgRef;

struct Location {
  enum Kind { Arena, Constant, Alias, Cache, Ids } kind = Arena;
  int64_t offsetPerToken = 0;  // Arena: bytes per token of T
  ir::ValueId alias = -1;
  int64_t layer = 0;
  int slot = 0;
};

struct Step {
  llvmgen::KernelFn fn;
  std::vector<ArgRef> args;
  std::vector<void*> ptrs;
  bool splits;
  // The product that computes the graph output from a [T, K] input (ptrs[0]) into a [T, N]
  // output (ptrs[1]): for OutputRows::Last it runs on the last input row alone.
  int64_t lastRowInputBytes = 0;
  int decodePartsPerThread = 0;  // KernelPlan::decodePartsPerThread
  size_t profileSlot = 0;        // its kernel's entry in profile_
  double weightBytes = 0;        // what one call streams of its weight (products), for the profile
  double weightParams = 0;       // the weight's elements (products)
};

// Parts per thread of each decode kernel (see run()). The pool runs a thread's share of the
// parts in order and then steals from the back of the other's (PartRanges), so more parts
// shorten the time one thread streams alone at the end of a kernel (one Zen 5 core reads ~30
// GB/s, two ~55) without breaking a thread's stream. bf16 4B on 2 vCPUs, parts alternating
// every 4 tokens in one process, three runs each: 16 against the old 4 claimed in turn 0.94-
// 0.98x the time per token, 32 like 16, 64 1.01-1.02x. What every part needs alike (an input
// row's norm, bf16 rounding or int8 codes, RoPE's tables) a thread prepares once per call, in
// the first part it runs (KernelBuilder), into its own scratch (docs/kernels.md, "Work done
// once per thread"). A kernel may ask for other parts per thread: KernelPlan::decodePartsPerThread.
constexpr int kDecodePartsPerThread = 16;

// Bytes between two threads' "prepared" flags: a cache line each.
constexpr size_t kFlagStride = 64;

// What a thread of the pool needs to run its part of one kernel call.
struct Call {
  const Step* step;
  int64_t T, past;
  uint8_t* prepared;              // per thread, kFlagStride apart: zero until its first part of this call
  double* partSeconds = nullptr;  // when profiling: each part's time, by part
  static void run(void* self, int part, int parts, int thread) {
    const Call& c = *static_cast<const Call*>(self);
    const auto start = c.partSeconds ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    uint8_t& prepared = c.prepared[static_cast<size_t>(thread) * kFlagStride];
    const int64_t prepare = prepared ? 0 : 1;
    prepared = 1;
    c.step->fn(const_cast<void**>(c.step->ptrs.data()), c.T, c.past, part, parts, thread, prepare);
    if (c.partSeconds) c.partSeconds[part] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
};

class LlvmExecutable : public Executable {
 public:
  LlvmExecutable(const ir::Graph& g, const WeightStore& weights, const BackendOptions& opt)
      : g_(verified(g)),
        resident_(opt.microkernels && opt.residentWeights ? residentCopy(g_, weights) : WeightStore()),
        constants_(g_, resident_.residentBytes() ? resident_ : weights, /*contiguous=*/false, &weights) {
    auto start = std::chrono::steady_clock::now();
    llvmgen::Target target = llvmgen::Target::detect(opt.isa);
    jit_ = std::make_unique<llvmgen::Jit>(target, opt.kernelCacheDir);
    llvmgen::Jit& jit = *jit_;
    locate();
    const llvmgen::TileOptions tiles = tileOptions(opt);
    activations_ = tiles.activations;
    // Distinct kernels by name and key: their requests compile side by side after the loop.
    std::map<std::string, size_t> byKey;
    std::vector<llvmgen::KernelRequest> requests;
    std::vector<size_t> stepKernel;  // each step's request
    std::map<std::pair<ir::DType, ir::DType>, int64_t> tileSetIndex;
    std::map<llvmgen::PackedTileRequest, int64_t> packedSetIndex;  // by KernelPlan::packedTiles
    int kernelNodes = 0;
    int64_t sharedFloats = 0;
    for (const ir::Node& n : g_.nodes()) {
      if (!needsKernel(n)) continue;
      llvmgen::KernelPlan plan = llvmgen::planKernel(g_, n, constants_, tiles);
      if (plan.tiles) {
        auto [it, added] = tileSetIndex.try_emplace({plan.tiles->a, plan.tiles->w}, tileSets_.size());
        if (added) tileSets_.push_back(std::make_unique<xbyak::DotTileSet>(tiles.isa, plan.tiles->a, plan.tiles->w));
        for (ArgRef& a : plan.args)
          if (a.kind == ArgRef::Tiles) a.layer = it->second;
      }
      if (plan.packedTiles) {
        auto [it, added] = packedSetIndex.try_emplace(*plan.packedTiles, packedTables_.size());
        if (added) packedTables_.push_back(makePackedTiles(*plan.packedTiles));
        for (ArgRef& a : plan.args)
          if (a.kind == ArgRef::PackedTiles) a.layer = it->second;
      }
      auto [known, added] = byKey.try_emplace(plan.name + "\n" + plan.key, requests.size());
      if (added)
        requests.push_back({"q3c_" + plan.name, plan.key, [target, emit = plan.emit](llvm::Module& m, const std::string& symbol) {
                              llvmgen::KernelBuilder kb(m, symbol, target);
                              emit(kb);
                            }});
      stepKernel.push_back(known->second);
      scratchPerToken_ = std::max(scratchPerToken_, plan.scratchFloatsPerToken);
      scratchPerThread_ = std::max(scratchPerThread_, plan.scratchFloatsPerThread);
      sharedFloats = std::max(sharedFloats, plan.sharedFloats);
      steps_.push_back({nullptr, plan.args, std::vector<void*>(plan.args.size()), plan.splits});
      steps_.back().decodePartsPerThread = plan.decodePartsPerThread;
      steps_.back().profileSlot = profileEntry(plan.name);
      if (ir::isWeightProduct(n.op) && constants_.has(n.operands[1])) {
        for (const ConstantPart& p : constants_.at(n.operands[1]).parts)
          steps_.back().weightBytes += static_cast<double>(p.rows * constants_.rowBytes(n.operands[1]));
        steps_.back().weightParams = static_cast<double>(g_.value(n.operands[1]).type.numel(1, 0));
      }
      if (n.op == OpKind::MatMul && n.result == g_.outputs()[0] && plan.args[0].kind == ArgRef::Value &&
          plan.args[1].kind == ArgRef::Value && plan.args[1].value == n.result)
        steps_.back().lastRowInputBytes = g_.value(n.operands[0]).type.numel(1, 0) * 4;
      ++kernelNodes;
    }
    const std::vector<llvmgen::KernelFn> fns = jit.kernels(requests);
    for (size_t i = 0; i < steps_.size(); ++i) steps_[i].fn = fns[stepKernel[i]];
    if (sharedFloats > 0) shared_ = mapHugePages(static_cast<size_t>(sharedFloats) * 4, "the kernels' shared area");
    const llvmgen::JitStats& s = jit.stats();
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "%s %s (%s): %d kernel calls, %zu distinct kernels (%d compiled, %d from cache) in %.0f ms",
                  tiles.enabled ? "jit" : "llvm", target.isa.c_str(), target.cpu.c_str(), kernelNodes, byKey.size(), s.compiled, s.fromCache, ms);
    summary_ = buf;
    if (tiles.enabled) {
      std::snprintf(buf, sizeof buf, "; matmuls on xbyak %s dot tiles (%zu sets), precision %s; weights: %.1f MB %s, %.1f MB rounded to bf16, %.1f MB quantized",
                    xbyak::isaName(tiles.isa), tileSets_.size(), ir::dtypeName(tiles.activations),
                    resident_.residentBytes() * 1e-6, resident_.residentBytes() ? "in huge-page memory" : "mapped", packedBytes_ * 1e-6,
                    constants_.quantizedBytes() * 1e-6);
      summary_ += buf;
      if (!int8TileSets_.empty()) summary_ += "; prefill of quantized weights on vpdpbusd packed panels";
      if (!int16TileSets_.empty()) summary_ += "; prefill of int8 weights on vpmaddwd packed panels (int16 activations)";
      if (!int4MaddTileSets_.empty()) summary_ += "; prefill of int4 weights on vpmaddubsw packed panels (int8 activations)";
      if (!bf16PanelSets_.empty()) summary_ += "; prefill of bf16 weights on vdpbf16ps packed panels";
      if (!amxPanelSets_.empty()) summary_ += "; prefill of bf16 weights on AMX tdpbf16ps packed panels";
      if (!amxInt8PanelSets_.empty()) summary_ += "; prefill of quantized weights on AMX tdpbssd packed panels";
    }
  }

  const float* run(const int32_t* ids, int64_t T, KvCache& kv, ThreadPool* pool, OutputRows rows) override {
    const int64_t past = kv.length(), C = past + T;
    if (C > kv.capacity())
      throw Error("context full: " + std::to_string(C) + " positions needed, the KV cache holds " +
                  std::to_string(kv.capacity()));
    // Decode splits each kernel into more parts than threads: its work is a few microseconds to
    // a few milliseconds per kernel, 182 kernels per token, and on a shared machine a thread
    // the host stalls would otherwise keep the other waiting at every one of them.
    const int parts = !pool ? 1 : pool->size() * (T == 1 ? kDecodePartsPerThread : 1);
    reserve(T, pool ? pool->size() : 1);
    bool lastOnly = false;
    for (Step& s : steps_) {
      for (size_t i = 0; i < s.args.size(); ++i) s.ptrs[i] = resolve(s.args[i], ids, T, kv);
      int64_t stepT = T;
      if (rows == OutputRows::Last && s.lastRowInputBytes > 0 && T > 1) {
        s.ptrs[0] = static_cast<uint8_t*>(s.ptrs[0]) + (T - 1) * s.lastRowInputBytes;
        stepT = 1;
        lastOnly = true;
      }
      const auto start = profiling_ ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
      int stepParts = 1;
      if (s.splits && parts > 1) {
        stepParts = T == 1 && s.decodePartsPerThread > 0 ? pool->size() * s.decodePartsPerThread : parts;
        if (profiling_) partSeconds_.assign(static_cast<size_t>(stepParts), 0.0);  // allocates only while profiling
        std::fill(prepared_.begin(), prepared_.end(), 0);
        Call call{&s, stepT, past, prepared_.data(), profiling_ ? partSeconds_.data() : nullptr};
        pool->run(&Call::run, &call, stepParts);
      } else {
        s.fn(s.ptrs.data(), stepT, past, 0, 1, 0, 1);
      }
      if (profiling_) {
        KernelTime& k = profile_[s.profileSlot];
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        k.seconds += wall;
        k.threadSeconds += wall * (pool ? pool->size() : 1);
        if (stepParts > 1)
          for (double p : partSeconds_) k.busySeconds += p;
        else
          k.busySeconds += wall;
        k.calls += 1;
        k.weightBytes += s.weightBytes;
        k.flops += 2 * s.weightParams * static_cast<double>(stepT);
      }
    }
    kv.setLength(C);
    lastT_ = lastOnly ? 1 : T;
    const float* out = static_cast<const float*>(resolve({ArgRef::Value, g_.outputs()[0]}, ids, T, kv));
    if (rows == OutputRows::Last && !lastOnly) out += (T - 1) * g_.value(g_.outputs()[0]).type.numel(1, 0);
    return out;
  }

  std::vector<float> valueOf(const std::string& name) const override {
    ir::ValueId v = g_.findValue(name);
    if (v < 0 || v != g_.outputs()[0] || !arena_) return {};  // other values may share arena space
    const float* p = reinterpret_cast<const float*>(arena_.get() + loc_[v].offsetPerToken * lastT_);
    return std::vector<float>(p, p + g_.value(v).type.numel(lastT_, 0));
  }

  std::string describe() const override { return summary_; }
  ir::DType activationPrecision() const override { return activations_; }
  PrefillUnit prefillUnit() const override {
    if (!amxPanelSets_.empty()) return PrefillUnit::AmxBf16;
    if (!amxInt8PanelSets_.empty()) return PrefillUnit::AmxInt8;
    if (!int4MaddTileSets_.empty()) return PrefillUnit::BytePairs;
    if (!int8TileSets_.empty() || !int16TileSets_.empty()) return PrefillUnit::IntDot;
    return PrefillUnit::FloatDot;
  }
  void setProfiling(bool on) override {
    profiling_ = on;
    if (!on) return;
    for (KernelTime& k : profile_) k = KernelTime{k.kernel};
  }
  std::vector<KernelTime> profile() const override { return profile_; }

 private:
  ir::Graph g_;
  WeightStore resident_;  // the graph's weights in huge-page memory (jit), else empty
  ConstantTable constants_;
  std::unique_ptr<llvmgen::Jit> jit_;  // owns the code the steps call
  std::vector<std::unique_ptr<xbyak::DotTileSet>> tileSets_;  // the Xbyak code they call
  std::vector<std::unique_ptr<xbyak::Int8TileSet>> int8TileSets_;  // packed-panel tiles
  std::vector<std::unique_ptr<xbyak::Int16TileSet>> int16TileSets_;
  std::vector<std::unique_ptr<xbyak::Int4MaddTileSet>> int4MaddTileSets_;
  std::vector<std::unique_ptr<xbyak::Bf16PanelSet>> bf16PanelSets_;
  std::vector<std::unique_ptr<xbyak::AmxPanelSet>> amxPanelSets_;
  std::vector<std::unique_ptr<xbyak::AmxInt8PanelSet>> amxInt8PanelSets_;
  std::vector<const void*> packedTables_;  // their tables, as ArgRef::PackedTiles indexes them
  int64_t packedBytes_ = 0;
  ir::DType activations_ = ir::DType::F32;
  std::vector<Location> loc_;
  std::vector<Step> steps_;
  int64_t arenaPerToken_ = 0, scratchPerToken_ = 0, scratchPerThread_ = 0;
  std::shared_ptr<uint8_t> arena_, scratch_;  // mapHugePages
  std::shared_ptr<uint8_t> shared_;  // the kernels' Shared area (KernelPlan::sharedFloats), one for all: they run one at a time
  int64_t reservedT_ = 0, lastT_ = 0;
  int reservedThreads_ = 0;
  std::vector<uint8_t> prepared_;  // Call::prepared, for reservedThreads_
  std::string summary_;
  bool profiling_ = false;
  std::vector<KernelTime> profile_;  // one entry per kernel name, in the order of first use
  std::vector<double> partSeconds_;  // the current call's parts (profiling)

  size_t profileEntry(const std::string& kernel) {
    for (size_t i = 0; i < profile_.size(); ++i)
      if (profile_[i].kernel == kernel) return i;
    profile_.push_back({kernel});
    return profile_.size() - 1;
  }

  // The tile set a plan's PackedTiles argument asks for, kept by this executable; its table.
  const void* makePackedTiles(const llvmgen::PackedTileRequest& r) {
    using K = llvmgen::PackedPanels;
    switch (r.kind) {
      case K::Int8: return int8TileSets_.emplace_back(std::make_unique<xbyak::Int8TileSet>(r.param))->table();
      case K::Int16: return int16TileSets_.emplace_back(std::make_unique<xbyak::Int16TileSet>(r.param))->table();
      case K::Int4Madd:
        return int4MaddTileSets_.emplace_back(std::make_unique<xbyak::Int4MaddTileSet>(r.param, r.zeroPoints))->table();
      case K::AmxBf16:
        return amxPanelSets_.emplace_back(std::make_unique<xbyak::AmxPanelSet>(static_cast<int>(r.param)))->table();
      case K::Bf16: return bf16PanelSets_.emplace_back(std::make_unique<xbyak::Bf16PanelSet>())->table();
      case K::AmxInt8: {
        const int ld = static_cast<int>(llvmgen::packedPanelTiling(K::AmxInt8, 0).nr);
        return amxInt8PanelSets_.emplace_back(std::make_unique<xbyak::AmxInt8PanelSet>(ld, r.param))->table();
      }
      default: throw Error("internal error: packed tiles without a kind");
    }
  }

  static WeightStore residentCopy(const ir::Graph& g, const WeightStore& weights) {
    // Weights only a quantize node reads are read once, at load, where they are mapped.
    std::vector<bool> readAtRunTime(g.values().size(), false);
    for (const ir::Node& n : g.nodes())
      if (n.op != OpKind::Quantize)
        for (ir::ValueId v : n.operands) readAtRunTime[v] = true;
    std::vector<std::string> names;
    for (const ir::Node& n : g.nodes())
      if (n.op == OpKind::Weight && readAtRunTime[n.result]) names.push_back(n.attrString("name"));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    if (names.empty()) return WeightStore();
    return weights.residentCopy(names, static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u)));
  }

  static const ir::Graph& verified(const ir::Graph& g) {
    ir::verify(g);
    if (g.outputs().size() != 1) throw Error("llvm runs graphs with one output");
    return g;
  }

  // The dot tiles' ISA and precision; with bf16 activations, every product weight packed to
  // bf16 (a no-op for bf16 weights, which the tiles read where they are mapped).
  llvmgen::TileOptions tileOptions(const BackendOptions& opt) {
    llvmgen::TileOptions t;
    if (!opt.microkernels) return t;
    t.enabled = true;
    t.isa = xbyak::selectIsa(opt.isa);
    const bool uncapped = opt.isa == "native" || opt.isa == "avx512bf16";
    t.vnni = uncapped && t.isa == xbyak::Isa::Avx512Bf16 && xbyak::hostCpu().avx512vnni;
    t.amx = t.isa == xbyak::Isa::Avx512Bf16 && xbyak::amxPanelsAllowed(opt.isa);
    t.amxInt8 = t.isa == xbyak::Isa::Avx512Bf16 && xbyak::amxInt8PanelsAllowed(opt.isa);
    bool allBf16 = true;
    for (const ir::Node& n : g_.nodes())
      if (ir::isWeightProduct(n.op) && constants_.has(n.operands[1])) {
        // Quantized weights are dequantized to the activation type: bf16 suits them as it does bf16 weights.
        const ir::DType w = constants_.at(n.operands[1]).dtype;
        allBf16 = allBf16 && (w == ir::DType::BF16 || ir::isQuantized(w));
      }
    // auto takes bf16 activations where the bf16 dot (vdpbf16ps, AMX) uses them. Without it
    // (AVX2, AVX-512 without BF16) bf16 only costs rounding and widening both operands of every
    // FMA: f32 activations prefilled the bf16 4B 14-18% faster on an AVX2 Zen 3, and quantized
    // models' dequantized panels likewise (docs/kernels.md). Decode's int8 dot quantizes the
    // activations of either type, so auto keeps it (f32 is the fp32-accumulate path).
    if (opt.precision == "bf16" || (opt.precision == "auto" && allBf16 && t.isa == xbyak::Isa::Avx512Bf16))
      t.activations = ir::DType::BF16;
    else if (opt.precision != "f32" && opt.precision != "auto")
      throw Error("unknown --precision '" + opt.precision + "' (auto, f32, bf16)");
    t.integerDots = opt.precision != "f32";
    if (t.activations == ir::DType::BF16)
      for (const ir::Node& n : g_.nodes())
        if (ir::isWeightProduct(n.op) && constants_.has(n.operands[1])) packedBytes_ += constants_.packBf16(n.operands[1]);
    return t;
  }

  bool needsKernel(const ir::Node& n) const {
    const Location& l = loc_[n.result];
    return n.op == OpKind::KvAppend || (l.kind == Location::Arena);
  }

  void locate() {
    loc_.assign(g_.values().size(), {});
    bool planned = g_.attrs.count("arena_bytes_per_token") != 0;
    int64_t next = 0;
    for (const ir::Node& n : g_.nodes()) {
      Location& l = loc_[n.result];
      if (n.op == OpKind::Input) l.kind = Location::Ids;
      else if (constants_.has(n.result) || n.op == OpKind::Weight || n.op == OpKind::ScaleCols || n.op == OpKind::ConcatRows ||
               n.op == OpKind::Quantize)
        l.kind = Location::Constant;
      else if (n.op == OpKind::Reshape) l = {Location::Alias, 0, n.operands[0]};
      else if (n.op == OpKind::KvAppend || n.op == OpKind::KvRead)
        l = {Location::Cache, 0, -1, n.attrInt("layer"), n.attrString("slot") == "k" ? 0 : 1};
      else {
        const ir::TensorType& t = g_.value(n.result).type;
        int64_t bytes = (t.numel(1, 0) * 4 + 63) / 64 * 64;
        if (t.shape.empty() || t.shape[0].kind != ir::Dim::T) throw Error("llvm: %" + g_.value(n.result).name + " is not [T, ...]");
        if (planned && n.hasAttr("arena_offset")) {
          l.offsetPerToken = n.attrInt("arena_offset");
        } else {  // no memory plan: every value its own place
          l.offsetPerToken = next;
        }
        next += bytes;
        arenaPerToken_ = std::max(arenaPerToken_, l.offsetPerToken + bytes);
      }
    }
  }

  // Activations for T tokens and scratch for `threads` threads; grows only, so a decode step
  // after a prefill allocates nothing.
  void reserve(int64_t T, int threads) {
    if (T <= reservedT_ && threads <= reservedThreads_) return;
    T = std::max(T, reservedT_);
    threads = std::max(threads, reservedThreads_);
    prepared_.assign(static_cast<size_t>(threads) * kFlagStride, 0);
    // Huge pages: a prefill's kernels write and read rows megabytes apart.
    const std::string what = "the activations of " + std::to_string(T) + " tokens";
    arena_ = mapHugePages(static_cast<size_t>(arenaPerToken_ * T + 64), what);
    scratch_ = mapHugePages(static_cast<size_t>(((scratchPerToken_ * T + scratchPerThread_) * threads + 16) * 4), what);
    reservedT_ = T;
    reservedThreads_ = threads;
  }

  void* resolve(const ArgRef& a, const int32_t* ids, int64_t T, KvCache& kv) const {
    switch (a.kind) {
      case ArgRef::Ids: return const_cast<int32_t*>(ids);
      case ArgRef::Scratch: return scratch_.get();
      case ArgRef::Shared: return shared_.get();
      case ArgRef::KCache: return kv.slot(a.layer, 0);
      case ArgRef::VCache: return kv.slot(a.layer, 1);
      case ArgRef::ConstantPart: return const_cast<uint8_t*>(constants_.at(a.value).parts[a.layer].data);
      case ArgRef::Tiles: return const_cast<xbyak::DotTileFn*>(tileSets_[a.layer]->table());
      case ArgRef::PackedTiles: return const_cast<void*>(packedTables_[a.layer]);
      case ArgRef::Value: break;
    }
    const Location& l = loc_[a.value];
    switch (l.kind) {
      case Location::Arena: return arena_.get() + l.offsetPerToken * T;
      case Location::Constant: return const_cast<uint8_t*>(constants_.contiguous(a.value));
      case Location::Alias: return resolve({ArgRef::Value, l.alias}, ids, T, kv);
      case Location::Cache: return kv.slot(l.layer, l.slot);
      case Location::Ids: return const_cast<int32_t*>(ids);
    }
    return nullptr;
  }
};

}  // namespace

std::unique_ptr<Executable> LlvmBackend::compile(const ir::Graph& g, const WeightStore& weights) {
  return std::make_unique<LlvmExecutable>(g, weights, opt_);
}

}  // namespace q3c
