// The LLVM backend against the oracles: transformers' logits (golden files) and the reference
// interpreter on the same graph, at every ISA this machine can run, fused and unfused, and on
// shapes the golden files do not have.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "codegen/backend.h"
#include "codegen/llvm/target.h"
#include "frontend/error.h"
#include "frontend/synth.h"
#include "passes/pass_manager.h"
#include "runtime/session.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

constexpr double kTolerance = 1e-4;  // relative to max |logit|, the bound
// --precision bf16 rounds every matmul input to bf16 (8 bits of mantissa, relative error up to
// 2^-9 per element) before a dot of K terms; the golden models' logits then move by up to ~1e-2
// of max |logit| (llama.cpp's bf16 path lands at about 1e-2 on them). See docs/kernels.md.
constexpr double kBf16Tolerance = 2e-2;

ir::Graph pipeline(const ir::Graph& g, std::vector<std::string> passes = {}) {
  passes::PipelineOptions opt;
  opt.passes = std::move(passes);
  std::ostringstream log;
  return passes::runPipeline(g, opt, log);
}

std::unique_ptr<Backend> llvmBackend(const std::string& isa, const std::string& cache = "", const std::string& name = "llvm",
                                     const std::string& precision = "f32") {
  BackendOptions opt;
  opt.isa = isa;
  opt.kernelCacheDir = cache;
  opt.precision = precision;
  return createBackend(name, opt);
}

// The pure LLVM kernels and the jit's (matmuls on the Xbyak tiles), both in f32.
const char* const kBackends[] = {"llvm", "jit"};

using test::run;  // logits of a prefill, then decode steps

// The --isa caps this CPU can run: avx512 only where the host has it (an AVX2-only machine,
// such as some CI hosts, runs native and avx2).
std::vector<std::string> isas() {
  std::vector<std::string> out = {"native", "avx2"};
  try {
    llvmgen::Target::detect("avx512");
    out.push_back("avx512");
  } catch (const Error&) {
  }
  return out;
}

TEST(LlvmBackend, MatchesTransformersOnEveryGoldenCaseAtEveryIsa) {
  for (const std::string& name : test::goldenModels()) {
    std::string dir = (test::goldenDir() / name).string();
    Model m = Model::load(dir);
    ir::Graph fused = pipeline(m.graph);
    WeightStore ref = WeightStore::open(dir + "/reference.safetensors");
    for (const std::string& isa : isas())
      for (const char* backendName : kBackends) {
      auto backend = llvmBackend(isa, "", backendName);
      for (int len : {1, 3, 5, 9, 37, 50, 64, 160, 200, 240}) {
        const TensorView* idsT = ref.find("L" + std::to_string(len) + ".input_ids");
        if (!idsT) continue;
        std::vector<int32_t> ids = test::tensorI32(*idsT);
        std::vector<float> want = test::tensorF32(*ref.find("L" + std::to_string(len) + ".logits"));
        Session s(m, *backend, len, &fused);
        const float* p = s.forward(ids);
        double err = test::relativeError(std::vector<float>(p, p + want.size()), want);
        EXPECT_LE(err, kTolerance) << name << " L" << len << " --isa " << isa << " " << backendName;
        if (isa == "native") std::printf("[ %s ] %s L%d logits rel err %.3g\n", backendName, name.c_str(), len, err);

        // Greedy continuation up to the first near-tie, with the KV cache.
        std::vector<int32_t> greedy = test::tensorI32(*ref.find("L" + std::to_string(len) + ".greedy"));
        std::vector<float> margin = test::tensorF32(*ref.find("L" + std::to_string(len) + ".greedy_margin"));
        Session g(m, *backend, len + 24, &fused);
        GenerateOptions opt;
        opt.maxNew = 24;
        opt.stopAtEos = false;
        std::vector<int32_t> got = generateGreedy(g, ids, m.eosIds, opt);
        for (size_t i = 0; i < greedy.size() && margin[i] > kTolerance * test::maxAbs(want); ++i)
          ASSERT_EQ(got[i], greedy[i]) << name << " L" << len << " step " << i << " --isa " << isa << " " << backendName;
      }
    }
  }
}

TEST(JitBackend, Bf16PrecisionStaysWithinItsToleranceOfTransformers) {
  for (const std::string& name : test::goldenModels()) {
    std::string dir = (test::goldenDir() / name).string();
    Model m = Model::load(dir);
    ir::Graph fused = pipeline(m.graph);
    WeightStore ref = WeightStore::open(dir + "/reference.safetensors");
    for (const std::string& isa : isas()) {
      auto backend = llvmBackend(isa, "", "jit", "bf16");
      double worst = 0;
      for (int len : {1, 3, 5, 9, 37, 50, 64, 160, 200, 240}) {
        const TensorView* idsT = ref.find("L" + std::to_string(len) + ".input_ids");
        if (!idsT) continue;
        std::vector<float> want = test::tensorF32(*ref.find("L" + std::to_string(len) + ".logits"));
        Session s(m, *backend, len, &fused);
        const float* p = s.forward(test::tensorI32(*idsT));
        std::vector<float> got(p, p + want.size());
        const double err = test::relativeError(got, want);
        worst = std::max(worst, err);
        EXPECT_LE(err, kBf16Tolerance) << name << " L" << len << " --isa " << isa;
        // And the top token of the last position agrees unless transformers' own margin is tiny.
        const int64_t V = m.config.vocabSize;
        auto last = [&](const std::vector<float>& v) { return std::max_element(v.end() - V, v.end()) - (v.end() - V); };
        std::vector<float> sorted(want.end() - V, want.end());
        std::sort(sorted.rbegin(), sorted.rend());
        if (sorted[0] - sorted[1] > 2 * kBf16Tolerance * test::maxAbs(want)) {
          EXPECT_EQ(last(got), last(want)) << name << " L" << len << " --isa " << isa;
        }
      }
      std::printf("[ jit bf16 ] %s --isa %s worst logits rel err %.3g\n", name.c_str(), isa.c_str(), worst);
    }
  }
}

TEST(LlvmBackend, MatchesTheInterpreterFusedUnfusedAndPassByPass) {
  auto interp = createBackend("interp");
  std::vector<int32_t> ids = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7};
  std::vector<int32_t> next = {9, 3, 2};
  for (const std::string& name : test::goldenModels()) {
    Model m = Model::load((test::goldenDir() / name).string());
    std::vector<float> want = run(m, *interp, m.graph, ids, next);
    std::vector<std::pair<std::string, ir::Graph>> graphs = {{"unfused", m.graph}, {"default pipeline", pipeline(m.graph)}};
    for (const passes::PassInfo& p : passes::allPasses()) graphs.push_back({p.name, pipeline(m.graph, {p.name})});
    for (std::string isa : {"native", "avx2"})
      for (const char* backendName : kBackends) {
      auto backend = llvmBackend(isa, "", backendName);
      for (const auto& [what, g] : graphs)
        EXPECT_LE(test::relativeError(run(m, *backend, g, ids, next), want), kTolerance)
            << name << " " << what << " " << isa << " " << backendName;
    }
  }
}

TEST(LlvmBackend, OddShapesAndLongPromptsMatchTheInterpreter) {
  // Multi-query, head_dim 40 (not a power of two, nor a multiple of the vector width), hidden !=
  // heads x head_dim, K and N not multiples of 16, YaRN x8.
  test::TempDir tmp;
  SynthShape s{"odd", 515, 100, 212, 2, 6, 1, 40, 4096, false, 1};
  s.ropeType = "yarn";
  s.ropeFactor = 8.0;
  s.ropeOriginalMax = 128;
  Model m = test::synthesizedModel(s, tmp);
  std::vector<int32_t> ids(1050);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 7919 + 13) % 515);
  auto interp = createBackend("interp");
  std::vector<float> want = run(m, *interp, m.graph, ids, {1, 2, 3});
  for (std::string isa : isas())
    for (const char* backendName : kBackends) {
      auto backend = llvmBackend(isa, "", backendName);
      double err = test::relativeError(run(m, *backend, pipeline(m.graph), ids, {1, 2, 3}), want);
      EXPECT_LE(err, kTolerance) << isa << " " << backendName;
      EXPECT_LE(test::relativeError(run(m, *backend, m.graph, ids, {1, 2, 3}), want), kTolerance)
          << "unfused " << isa << " " << backendName;
    }
  // bf16 activations: the same shapes, every tile edge, against the bound of the bf16 tests.
  for (std::string isa : isas()) {
    double err = test::relativeError(run(m, *llvmBackend(isa, "", "jit", "bf16"), pipeline(m.graph), ids, {1, 2, 3}), want);
    std::printf("[ jit bf16 ] odd shapes --isa %s rel err %.3g\n", isa.c_str(), err);
    EXPECT_LE(err, kBf16Tolerance) << isa;
  }
}

TEST(JitBackend, VectorizedAttentionOnLongPromptsMatchesTheInterpreter) {
  // head_dim 48 (vectorized attention: whole vectors, not a power of two), 6 query heads on 2 KV
  // heads, a 700-token prompt (query blocks of 32 and key blocks of 64 with partial ends) in
  // chunks, then decode steps (segments of positions across parts, merged).
  test::TempDir tmp;
  SynthShape s{"gqa48", 300, 96, 160, 2, 6, 2, 48, 4096, false, 1};
  Model m = test::synthesizedModel(s, tmp);
  std::vector<int32_t> ids(700);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 7919 + 3) % 300);
  auto interp = createBackend("interp");
  std::vector<float> want = run(m, *interp, m.graph, ids, {4, 5, 6});
  for (std::string isa : isas()) {
    auto backend = llvmBackend(isa, "", "jit");
    EXPECT_NE(backend->compile(pipeline(m.graph), m.weights)->describe().find("matmuls on xbyak"), std::string::npos);
    EXPECT_LE(test::relativeError(run(m, *backend, pipeline(m.graph), ids, {4, 5, 6}), want), kTolerance) << isa;
  }
  // Decode at 700+ positions takes 3 segments of 256 positions per KV head (attention_kernel.cpp):
  // parts take whole (segment, KV head) items, merged in segment order by the last part done,
  // so 1, 2 and 3 threads give the same bits.
  auto backend = llvmBackend("native", "", "jit");
  const ir::Graph g = pipeline(m.graph);
  std::vector<std::vector<float>> decoded;
  for (int threads : {1, 2, 3}) decoded.push_back(run(m, *backend, g, ids, {4, 5, 6}, threads));
  EXPECT_EQ(decoded[0], decoded[1]);
  EXPECT_EQ(decoded[0], decoded[2]);
}

// Prefill of `m` (700 tokens) on the jit under `--isa isa` at bf16, where its description names
// `panels`: against the interpreter within the bf16 bound; and rows do not interact in the
// tiles, so the prompt prefilled in two pieces of 350 (both on packed panels) gives the same
// bits as at once. Skipped where the ISA or the panels are not there.
void checkPackedPanelPrefill(const Model& m, const std::string& isa, const std::string& panels) {
  const int64_t V = m.config.vocabSize;
  std::vector<int32_t> ids(700);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = static_cast<int32_t>((i * 7919 + 5) % V);
  auto backend = llvmBackend(isa, "", "jit", "bf16");
  const ir::Graph g = pipeline(m.graph);
  std::unique_ptr<Executable> exe;
  try {
    exe = backend->compile(g, m.weights);
  } catch (const std::exception& e) {
    GTEST_SKIP() << "--isa " << isa << ": " << e.what();
  }
  const std::string describe = exe->describe();
  if (describe.find(panels) == std::string::npos) GTEST_SKIP() << "no " << panels << " here: " << describe;
  EXPECT_EQ(exe->prefillUnit() == PrefillUnit::AmxBf16, panels.find("AMX") != std::string::npos);  // what q3c bench judges the prefill by
  auto interp = createBackend("interp");
  const std::vector<float> want = run(m, *interp, m.graph, ids, {7, 8});
  const std::vector<float> got = run(m, *backend, g, ids, {7, 8});
  const double err = test::relativeError(got, want);
  std::printf("[ jit bf16 ] %s --isa %s rel err %.3g\n", panels.c_str(), isa.c_str(), err);
  EXPECT_LE(err, kBf16Tolerance);
  Session pieces(m, *backend, static_cast<int64_t>(ids.size()), &g);
  pieces.forward(std::vector<int32_t>(ids.begin(), ids.begin() + 350));
  const float* p = pieces.forward(std::vector<int32_t>(ids.begin() + 350, ids.end()));
  EXPECT_EQ(test::relativeError(std::vector<float>(p, p + 350 * V), std::vector<float>(got.begin() + 350 * V, got.begin() + 700 * V)),
            0.0);
}

TEST(JitBackend, PackedPanelPrefillMatchesTheInterpreterAndItself) {
  // Blocks of 128 rows or more take the packed panels (codegen/llvm/packed_panels.cpp, the bf16
  // panel tiles): K = 256 and 384 (one and two chunks of 256), an lm_head of 515 rows (a short
  // last panel), 700 rows (two M blocks, 352 and 348 rows: 8-row tiles and a 4-row edge; the
  // pieces of 350 a 6-row edge).
  // --isa avx512bf16: the vdpbf16ps panels also where the CPU has AMX.
  test::TempDir tmp;
  Model m = test::synthesizedModel(SynthShape{"panels", 515, 256, 384, 2, 4, 2, 64, 4096, true, 1}, tmp);
  checkPackedPanelPrefill(m, "avx512bf16", "vdpbf16ps packed panels");
}

TEST(JitBackend, AmxPanelPrefillMatchesTheInterpreterAndItself) {
  // Where the CPU has AMX-BF16 (else skipped: this project's CI), --isa native takes the AMX
  // panel tiles from 16 rows: K = 256 and 1280 (one chunk of 1024 and one of 256, resumed), an
  // lm_head of 515 rows (8 panels of 64 and a short one of 3), 700 rows (M blocks of 352 and
  // 348: 32-row tiles and a 28-row edge; the pieces of 350 a 30-row edge).
  test::TempDir tmp;
  Model m = test::synthesizedModel(SynthShape{"amx-panels", 515, 256, 1280, 2, 4, 2, 64, 4096, true, 1}, tmp);
  checkPackedPanelPrefill(m, "native", "AMX tdpbf16ps packed panels");
}

TEST(JitBackend, MappedAndResidentWeightsGiveTheSameBits) {
  // --mapped-weights reads the weights where the files are mapped; the default copies them
  // into huge-page memory first. Same kernels, same bytes: the same logits to the bit.
  Model m = Model::load((test::goldenDir() / "tiny-bf16-untied").string());
  ir::Graph g = pipeline(m.graph);
  std::vector<std::vector<float>> results;
  for (bool resident : {true, false}) {
    BackendOptions opt;
    opt.residentWeights = resident;
    auto backend = createBackend("jit", opt);
    const std::string d = backend->compile(g, m.weights)->describe();
    EXPECT_NE(d.find(resident ? "in huge-page memory" : "mapped"), std::string::npos) << d;
    results.push_back(run(m, *backend, g, {3, 1, 4, 1, 5, 9, 2, 6}, {5, 3}));
  }
  EXPECT_EQ(results[0], results[1]);
}

TEST(LlvmBackend, ThreadsSplitTheWorkWithoutChangingOneBit) {
  // Parts own disjoint output columns and heads, so every sum is the same on 1 and 3 threads.
  Model m = Model::load((test::goldenDir() / "tiny-bf16-untied").string());
  ir::Graph g = pipeline(m.graph);
  std::vector<int32_t> ids = {7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5, 9};
  for (const char* backendName : {"llvm", "jit"})
  for (const char* precision : {"f32", "bf16"}) {
  if (std::string(backendName) == "llvm" && std::string(precision) == "bf16") continue;
  auto backend = llvmBackend("native", "", backendName, precision);
  std::vector<std::vector<float>> results;
  for (int threads : {1, 2, 3}) {
    Session s(m, *backend, 16, &g, threads);
    EXPECT_EQ(s.threads(), threads);
    const float* prefill = s.forward(ids);
    std::vector<float> out(prefill, prefill + ids.size() * m.config.vocabSize);
    const float* decode = s.forward({3});
    out.insert(out.end(), decode, decode + m.config.vocabSize);
    results.push_back(std::move(out));
  }
  EXPECT_EQ(results[0], results[1]) << backendName << " " << precision;
  EXPECT_EQ(results[0], results[2]) << backendName << " " << precision;
  }
}

TEST(LlvmBackend, LayersShareKernelsAndTheDiskCacheSkipsCompilation) {
  test::TempDir cache;
  Model m = Model::load((test::goldenDir() / "tiny-f32-tied").string());
  ir::Graph g = pipeline(m.graph);
  auto first = llvmBackend("native", cache.path().string())->compile(g, m.weights);
  // 3 layers x 5 kernels (qkv_rope_kv, flash_attention, o_proj+residual, gate/up+swiglu,
  // down+residual) + embed + lm_head = 17 calls; the layers share theirs: 7 distinct kernels.
  EXPECT_NE(first->describe().find("17 kernel calls, 7 distinct kernels (7 compiled, 0 from cache)"), std::string::npos)
      << first->describe();
  auto second = llvmBackend("native", cache.path().string())->compile(g, m.weights);
  EXPECT_NE(second->describe().find("(0 compiled, 7 from cache)"), std::string::npos) << second->describe();
  // Another ISA is another kernel.
  auto avx2 = llvmBackend("avx2", cache.path().string())->compile(g, m.weights);
  EXPECT_NE(avx2->describe().find("(7 compiled, 0 from cache)"), std::string::npos) << avx2->describe();
}

TEST(JitBackend, ProfileCountsEveryKernelCallWithItsBytesAndFlops) {
  // `q3c bench --profile` divides each kernel's weight bytes and FLOPs by its time: both must
  // count exactly what the calls did. tiny-f32-tied: 17 kernel calls per run (see below), f32
  // weights, so a product call streams 4 bytes and does 2 FLOPs per weight and row.
  Model m = Model::load((test::goldenDir() / "tiny-f32-tied").string());
  ir::Graph g = pipeline(m.graph);
  auto exe = llvmBackend("native", "", "jit")->compile(g, m.weights);
  double productWeights = 0;  // elements of the weights the products read
  for (const ir::Node& n : g.nodes())
    if (ir::isWeightProduct(n.op)) productWeights += static_cast<double>(g.value(n.operands[1]).type.numel(1, 0));
  KvCache kv(m.config.numLayers, m.config.numKvHeads, m.config.headDim, 16);
  const std::vector<int32_t> prompt = {3, 1, 4, 1, 5};
  exe->run(prompt.data(), 5, kv);  // not profiled
  EXPECT_TRUE(exe->profile().empty() || exe->profile()[0].calls == 0);
  for (int64_t T : {5, 1}) {
    kv.clear();
    exe->setProfiling(true);  // also clears the last counts
    exe->run(prompt.data(), T, kv);
    exe->run(prompt.data(), T, kv);
    exe->setProfiling(false);
    exe->run(prompt.data(), T, kv);  // not counted
    const std::vector<KernelTime> p = exe->profile();
    int64_t calls = 0;
    double bytes = 0, flops = 0;
    std::set<std::string> names;
    for (const KernelTime& k : p) {
      calls += k.calls;
      bytes += k.weightBytes;
      flops += k.flops;
      names.insert(k.kernel.substr(0, k.kernel.find('_')));
      EXPECT_GT(k.seconds, 0) << k.kernel;
      if (k.kernel.rfind("matmul", 0) == 0 || k.kernel.rfind("qkv", 0) == 0) {
        EXPECT_GT(k.weightBytes, 0) << k.kernel;
      } else {
        EXPECT_EQ(k.weightBytes, 0) << k.kernel;
      }
      EXPECT_EQ(k.flops, k.weightBytes / 4 * 2 * static_cast<double>(T)) << k.kernel;
    }
    EXPECT_EQ(calls, 2 * 17) << "T=" << T;
    EXPECT_EQ(bytes, 2 * 4 * productWeights) << "T=" << T;
    EXPECT_EQ(flops, 2 * 2 * productWeights * static_cast<double>(T)) << "T=" << T;
    EXPECT_EQ(names, (std::set<std::string>{"embed", "qkv", "flash", "matmul"})) << "T=" << T;
  }
  // On a pool: the threads' time is the wall time times the threads, and their busy time (the
  // parts' times added) lies within it.
  ThreadPool pool(2);
  kv.clear();
  exe->setProfiling(true);
  exe->run(prompt.data(), 5, kv, &pool);
  exe->run(prompt.data(), 1, kv, &pool);
  exe->setProfiling(false);
  for (const KernelTime& k : exe->profile()) {
    EXPECT_EQ(k.threadSeconds, 2 * k.seconds) << k.kernel;
    EXPECT_GT(k.busySeconds, 0) << k.kernel;
    EXPECT_LE(k.busySeconds, k.threadSeconds) << k.kernel;
  }
}

}  // namespace
}  // namespace q3c
