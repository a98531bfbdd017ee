// The q3c command line as a user meets it: --help everywhere, end-to-end results that match the
// golden files, and every malformed input answered with one line on stderr and a non-zero exit.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>

#include "codegen/xbyak/cpu.h"
#include "frontend/weight_store.h"
#include "ir/graph.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

namespace fs = std::filesystem;
using test::expectCleanFailure;
using test::runQ3c;

std::string golden(const std::string& model) { return (test::goldenDir() / model).string(); }

// Bytes of the model's tensors of `rank` dimensions (2: the matrices, 1: the norm vectors).
double tensorBytesOfRank(const WeightStore& w, size_t rank) {
  double bytes = 0;
  for (const auto& [name, view] : w.tensors())
    if (view->shape.size() == rank) bytes += static_cast<double>(view->bytes);
  return bytes;
}

std::string idsOf(const std::string& model, const std::string& key) {
  WeightStore ref = WeightStore::open(golden(model) + "/reference.safetensors");
  std::string s;
  for (int32_t id : test::tensorI32(*ref.find(key))) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

TEST(Cli, HelpOnEveryCommand) {
  for (const char* cmd : {"", "eval", "generate", "dump-ir", "synth"}) {
    test::RunResult r = runQ3c(std::string(cmd) + " --help");
    EXPECT_EQ(r.exitCode, 0) << cmd;
    EXPECT_NE(r.out.find("Usage:"), std::string::npos) << cmd;
  }
}

TEST(Cli, GenerateMatchesTransformersGreedy) {
  // tiny-f32-tied L37: every step's margin is far above the interpreter's error.
  test::RunResult r = runQ3c("generate " + golden("tiny-f32-tied") + " --ids \"" + idsOf("tiny-f32-tied", "L37.input_ids") +
                             "\" --max-new 24 --print-ids");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  EXPECT_EQ(r.out, idsOf("tiny-f32-tied", "L37.greedy") + "\n");
  EXPECT_NE(r.err.find("tok/s"), std::string::npos);
}

TEST(Cli, EvalWritesLogitsThatMatchTransformers) {
  test::TempDir tmp;
  std::ofstream(tmp / "ids.txt") << idsOf("tiny-yarn", "L50.input_ids");
  WeightStore ref = WeightStore::open(golden("tiny-yarn") + "/reference.safetensors");
  // --precision f32 to the 1e-4; the default for this bf16 model (auto: bf16 where the
  // CPU has the bf16 dot, else f32) to the bf16 bound of docs/kernels.md.
  for (auto [precision, bound] : {std::pair<std::string, double>{" --precision f32", 1e-4}, {"", 2e-2}}) {
    test::RunResult r = runQ3c("eval " + golden("tiny-yarn") + " --ids-file " + tmp / "ids.txt" + " --out " +
                               tmp / "o.safetensors" + precision);
    ASSERT_EQ(r.exitCode, 0) << r.err;
    auto out = SafetensorsFile::open(tmp / "o.safetensors");
    const TensorView& logits = out->tensors().at("logits");
    EXPECT_EQ(logits.shape, (std::vector<int64_t>{50, 2048}));
    EXPECT_LE(test::relativeError(test::tensorF32(logits), test::tensorF32(*ref.find("L50.logits"))), bound) << precision;
  }
}

TEST(Cli, BenchJsonHasEveryFigureAndItsBound) {
  test::RunResult r = runQ3c("bench " + golden("tiny-bf16-untied") + " -p 40 -n 4 -r 1 --json");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const char* key : {"prefill_tokens_per_s", "decode_tokens_per_s", "bandwidth_gb_s", "weight_bytes_per_token",
                          "peak_gflops", "decode_bound_tokens_per_s", "prefill_bound_tokens_per_s", "startup_s",
                          "plain_read_fraction_of_bound"})
    EXPECT_GT(j.at(key).get<double>(), 0) << key;
  // auto on a bf16 model: bf16 where the CPU has the bf16 dot, else f32 (nothing would use bf16).
  EXPECT_EQ(j.at("precision"), xbyak::hostCpu().avx512bf16 ? "bf16" : "f32");
  // Decode reads every weight once per token, but only one row of the untied embedding.
  WeightStore w = WeightStore::open(golden("tiny-bf16-untied"));
  const TensorView* table = w.find("model.embed_tokens.weight");
  EXPECT_EQ(j.at("weight_bytes_per_token").get<double>(),
            static_cast<double>(w.totalBytes() - table->bytes + table->bytes / table->shape[0]));
}

TEST(Cli, BenchProfileTimesEveryKernelCallOfOneMoreRun) {
  // --profile adds one prefill of -p tokens and -n decode steps with every kernel call timed;
  // tiny-f32-tied makes 17 calls a step (3 layers x 5 kernels, the embedding and the lm_head).
  test::RunResult r = runQ3c("bench " + golden("tiny-f32-tied") + " -p 8 -n 3 -r 1 --json --profile");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  const auto& p = j.at("profile");
  int64_t decodeCalls = 0;
  double decodeSeconds = 0, decodeBytes = 0;
  for (const auto& k : p.at("decode")) {
    EXPECT_LE(k.at("busy_seconds").get<double>(), k.at("thread_seconds").get<double>());
    decodeCalls += k.at("calls").get<int64_t>();
    decodeSeconds += k.at("seconds").get<double>();
    decodeBytes += k.at("weight_bytes").get<double>();
  }
  EXPECT_EQ(decodeCalls, 3 * 17);
  EXPECT_GT(decodeSeconds, 0);
  EXPECT_LE(decodeSeconds, p.at("decode_seconds").get<double>());  // the kernels within the run's wall time
  // Each step streams every product's weight once: what bench divides by for decode, less the
  // embedding's row and the norm vectors, which no product reads.
  WeightStore w = WeightStore::open(golden("tiny-f32-tied"));
  const TensorView* table = w.find("model.embed_tokens.weight");
  const double vectors = tensorBytesOfRank(w, 1);
  const double perToken = j.at("weight_bytes_per_token").get<double>();
  EXPECT_LE(decodeBytes, 3 * perToken);
  EXPECT_GE(decodeBytes, 3 * (perToken - static_cast<double>(table->bytes / table->shape[0]) - vectors));
  int64_t prefillCalls = 0;
  for (const auto& k : p.at("prefill")) prefillCalls += k.at("calls").get<int64_t>();
  EXPECT_GE(prefillCalls, 17);  // one chunk or more
  // The table names the same kernels.
  test::RunResult text = runQ3c("bench " + golden("tiny-f32-tied") + " -p 8 -n 3 -r 1 --profile");
  ASSERT_EQ(text.exitCode, 0) << text.err;
  for (const char* line : {"decode profile: 3 tokens", "prefill profile: 8 tokens", "qkv_rope_kv_", "(outside the kernels)"})
    EXPECT_NE(text.out.find(line), std::string::npos) << line << "\n" << text.out;
}

TEST(Cli, BenchCountsTheWholeTiedTableThatTheLmHeadReads) {
  // Tied embeddings are one matrix: the embedding reads a row of it, the lm_head all of it, so a
  // decode step reads every byte of the model (an earlier count took the embedding's one row).
  test::RunResult r = runQ3c("bench " + golden("tiny-f32-tied") + " -p 8 -n 2 -r 1 --json");
  ASSERT_EQ(r.exitCode, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("precision"), "f32");
  // Every matrix is read whole, the table included; the norm vectors that the fusion passes
  // fold into the matrices after them are not read, and the embedding may read its row from
  // the unscaled table while the lm_head reads a copy scaled by the final norm.
  WeightStore w = WeightStore::open(golden("tiny-f32-tied"));
  const TensorView* table = w.find("model.embed_tokens.weight");
  const double matrices = tensorBytesOfRank(w, 2);
  const double read = j.at("weight_bytes_per_token").get<double>();
  EXPECT_GE(read, matrices);
  EXPECT_LE(read, static_cast<double>(w.totalBytes() + table->bytes / table->shape[0]));
}

TEST(Cli, PrecisionIsCheckedAndOnlyForTheJit) {
  test::expectCleanFailure(runQ3c("eval " + golden("tiny-yarn") + " --ids 1 --out /dev/null --precision f16"), "precision",
                           "unknown precision");
  test::expectCleanFailure(runQ3c("eval " + golden("tiny-yarn") + " --ids 1 --out /dev/null --backend llvm --precision bf16"),
                           "needs --backend jit", "bf16 on the llvm backend");
}

TEST(Cli, DumpIrPrintsAParsableGraph) {
  test::RunResult r = runQ3c("dump-ir " + golden("tiny-bf16-untied"));
  ASSERT_EQ(r.exitCode, 0) << r.err;
  ir::Graph g = ir::parse(r.out);
  EXPECT_EQ(ir::print(g), r.out);
  EXPECT_GE(g.findValue("logits"), 0);
}

TEST(Cli, SynthThenGenerate) {
  test::TempDir tmp;
  test::RunResult s = runQ3c("synth --preset tiny --dtype f32 --seed 3 -o " + tmp / "m");
  ASSERT_EQ(s.exitCode, 0) << s.err;
  test::RunResult g = runQ3c("generate " + tmp / "m" + " --ids \"151644 872 198\" -n 5 --print-ids");
  ASSERT_EQ(g.exitCode, 0) << g.err;
  int count = 0;
  for (std::istringstream in(g.out); in >> s.out;) ++count;
  EXPECT_EQ(count, 5);
}

TEST(Cli, BadInputsFailWithOneClearLine) {
  test::TempDir tmp;
  const std::string m = golden("tiny-f32-tied");
  const std::string out = " --out " + tmp / "o.safetensors";
  expectCleanFailure(runQ3c("eval " + m + " --ids \"1 2 4096\"" + out), "token id 4096 is outside the vocabulary", "id");
  expectCleanFailure(runQ3c("eval " + m + " --ids \"1 x 3\"" + out), "bad token id 'x'", "bad id");
  expectCleanFailure(runQ3c("eval " + m + out), "no prompt", "no ids");
  expectCleanFailure(runQ3c("eval /nonexistent --ids 1" + out), "/nonexistent", "no dir");
  expectCleanFailure(runQ3c("generate " + m + " --ids 1 --backend warp"), "unknown backend 'warp'", "backend");
  expectCleanFailure(runQ3c("synth --preset qwen3-70b -o " + tmp / "x"), "unknown preset", "preset");
  expectCleanFailure(runQ3c("generate " + m + " --ids 1 --max-new 0"), "max-new", "max-new 0");
  expectCleanFailure(runQ3c("frobnicate"), "frobnicate", "unknown command");

  // Broken model directories, one per kind of damage.
  auto brokenCopy = [&](const std::string& name) {
    fs::path d = tmp.path() / name;
    fs::create_directories(d);
    for (const char* f : {"config.json", "model.safetensors"}) fs::copy_file(fs::path(m) / f, d / f);
    return d;
  };
  std::string weights = test::readFile(m + "/model.safetensors");
  fs::path truncated = brokenCopy("truncated");
  test::writeFile((truncated / "model.safetensors").string(), weights.substr(0, weights.size() / 2));
  expectCleanFailure(runQ3c("generate " + truncated.string() + " --ids 1"), "run past the end", "truncated");

  fs::path hugeHeader = brokenCopy("huge-header");
  std::string h = weights;
  h[7] = 0x7f;  // header length ~ 9e18
  test::writeFile((hugeHeader / "model.safetensors").string(), h);
  expectCleanFailure(runQ3c("generate " + hugeHeader.string() + " --ids 1"), "larger than the file", "header length");

  fs::path badJson = brokenCopy("bad-json");
  std::string b = weights;
  b[8] = '[';
  b[9] = '[';
  test::writeFile((badJson / "model.safetensors").string(), b);
  expectCleanFailure(runQ3c("generate " + badJson.string() + " --ids 1"), "JSON", "header JSON");

  fs::path badConfig = brokenCopy("bad-config");
  test::writeFile((badConfig / "config.json").string(), "{\"model_type\": \"qwen3\", \"hidden_size\": 128}");
  expectCleanFailure(runQ3c("generate " + badConfig.string() + " --ids 1"), "missing field", "config");
}

}  // namespace
}  // namespace q3c
