// GGUF import and export: round trips from a Hugging Face directory (config, tensors, tokenizer,
// chat template, logits), the lossless repacking of every block type against a dequantizer
// written here from the format's description, and malformed files, each a q3c::Error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <optional>
#include <random>
#include <set>

#include "codegen/backend.h"
#include "frontend/error.h"
#include "frontend/gguf.h"
#include "frontend/gguf_model.h"
#include "frontend/gguf_writer.h"
#include "frontend/quantize.h"
#include "frontend/synth.h"
#include "frontend/tokenizer/chat_template.h"
#include "frontend/tokenizer/tokenizer.h"
#include "runtime/session.h"
#include "tests/test_support.h"

namespace q3c {
namespace {

namespace fs = std::filesystem;

// ---------- helpers ----------

std::vector<float> widen(const TensorView& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  for (size_t i = 0; i < v.size(); ++i) {
    uint16_t h;
    switch (t.dtype) {
      case ir::DType::F32: std::memcpy(&v[i], t.data + 4 * i, 4); break;
      case ir::DType::BF16: std::memcpy(&h, t.data + 2 * i, 2); v[i] = ir::floatFromBf16(h); break;
      case ir::DType::F16: std::memcpy(&h, t.data + 2 * i, 2); v[i] = floatFromF16(h); break;
      default: {
        const int64_t K = t.shape.back();
        dequantizeRows(t.data, t.numel() / K, K, t.quant, v.data());
        return v;
      }
    }
  }
  return v;
}

bool sameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * 4) == 0;
}

// A small model (the real vocabulary size, so the real tokenizer fits) written by synth.
std::string synthModel(const test::TempDir& tmp, ir::DType dtype, bool tokenizer, bool tied = true) {
  SynthOptions opt;
  opt.shape = {"gguf-test", 151936, 64, 96, 2, 4, 2, 16, 4096, tied, 1};
  opt.dtype = dtype;
  opt.seed = 5;
  opt.outDir = tmp / "hf";
  if (tokenizer) opt.tokenizerDir = Q3C_TOKENIZER_DIR;
  synthesizeModel(opt);
  return opt.outDir;
}

std::string exportTo(const test::TempDir& tmp, const std::string& dir, GgufExportType type) {
  const std::string out = tmp / (std::string("m-") + ggufExportTypeName(type) + ".gguf");
  exportGguf(dir, out, type);
  return out;
}

void expectSameConfig(const ModelConfig& a, const ModelConfig& b) {
  EXPECT_EQ(a.vocabSize, b.vocabSize);
  EXPECT_EQ(a.hiddenSize, b.hiddenSize);
  EXPECT_EQ(a.intermediateSize, b.intermediateSize);
  EXPECT_EQ(a.numLayers, b.numLayers);
  EXPECT_EQ(a.numHeads, b.numHeads);
  EXPECT_EQ(a.numKvHeads, b.numKvHeads);
  EXPECT_EQ(a.headDim, b.headDim);
  EXPECT_EQ(a.maxPositionEmbeddings, b.maxPositionEmbeddings);
  EXPECT_EQ(a.rmsNormEps, b.rmsNormEps);
  EXPECT_EQ(a.tieWordEmbeddings, b.tieWordEmbeddings);
  EXPECT_EQ(a.rope.theta, b.rope.theta);
  EXPECT_EQ(a.rope.scaling, b.rope.scaling);
  EXPECT_EQ(a.rope.factor, b.rope.factor);
  EXPECT_EQ(a.rope.originalMaxPosition, b.rope.originalMaxPosition);
  EXPECT_EQ(a.rope.attentionFactor, b.rope.attentionFactor);
}

// Every tensor of the directory is in the GGUF store under its name with the same values.
void expectSameTensors(const WeightStore& hf, const WeightStore& gguf, bool sameDtype2D) {
  EXPECT_EQ(hf.tensors().size(), gguf.tensors().size());
  for (const auto& [name, t] : hf.tensors()) {
    SCOPED_TRACE(name);
    const TensorView* g = gguf.find(name);
    ASSERT_NE(g, nullptr);
    EXPECT_EQ(g->shape, t->shape);
    if (sameDtype2D && t->shape.size() == 2) {
      EXPECT_EQ(g->dtype, t->dtype);
    }
    if (t->shape.size() == 1) {
      EXPECT_EQ(g->dtype, ir::DType::F32);  // norms are always f32
    }
    EXPECT_TRUE(sameBits(widen(*g), widen(*t)));
  }
}

std::vector<float> logitsOf(const Model& model, const std::vector<int32_t>& ids) {
  auto backend = createBackend("interp");
  Session s(model, *backend, static_cast<int64_t>(ids.size()));
  const float* l = s.forward(ids);
  return std::vector<float>(l, l + ids.size() * model.config.vocabSize);
}

// ---------- round trips ----------

TEST(GgufRoundTrip, F32ExportHasTheSameConfigAndTensors) {
  test::TempDir tmp;
  const std::string dir = synthModel(tmp, ir::DType::F32, false, /*tied=*/false);
  const std::string path = exportTo(tmp, dir, GgufExportType::F32);
  expectSameConfig(ggufModelConfig(*GgufFile::open(path)), ModelConfig::load(dir));
  expectSameTensors(WeightStore::open(dir), WeightStore::open(path), true);
}

TEST(GgufRoundTrip, Bf16ExportKeepsBf16WeightsInPlace) {
  test::TempDir tmp;
  const std::string dir = synthModel(tmp, ir::DType::BF16, false);
  const std::string path = exportTo(tmp, dir, GgufExportType::BF16);
  const WeightStore gguf = WeightStore::open(path);
  expectSameTensors(WeightStore::open(dir), gguf, true);
  EXPECT_EQ(gguf.find("model.embed_tokens.weight")->dtype, ir::DType::BF16);
  EXPECT_EQ(gguf.find("lm_head.weight"), nullptr);  // tied
}

TEST(GgufRoundTrip, ModelLoadGivesBitIdenticalLogits) {
  for (GgufExportType type : {GgufExportType::F32, GgufExportType::BF16}) {
    SCOPED_TRACE(ggufExportTypeName(type));
    test::TempDir tmp;
    const std::string dir = synthModel(tmp, type == GgufExportType::F32 ? ir::DType::F32 : ir::DType::BF16, false, false);
    const std::string path = exportTo(tmp, dir, type);
    const std::vector<int32_t> ids = {1, 500, 151643, 42, 7, 99999, 3};
    EXPECT_TRUE(sameBits(logitsOf(Model::load(path), ids), logitsOf(Model::load(dir), ids)));
  }
}

TEST(GgufRoundTrip, GoldenModelsWithYarnAndUntiedHeadsGiveBitIdenticalLogits) {
  for (const char* name : {"tiny-yarn", "tiny-bf16-untied", "tiny-f32-tied"}) {
    SCOPED_TRACE(name);
    test::TempDir tmp;
    const std::string dir = (test::goldenDir() / name).string();
    const std::string path = exportTo(tmp, dir, GgufExportType::BF16);
    Model fromGguf = Model::load(path), fromDir = Model::load(dir);
    expectSameConfig(fromGguf.config, fromDir.config);
    if (std::string(name) == "tiny-f32-tied") continue;  // bf16 export of f32 weights rounds them
    const std::vector<int32_t> ids = {5, 6, 7, 100, 2, 9, 1000, 11, 12};
    EXPECT_TRUE(sameBits(logitsOf(fromGguf, ids), logitsOf(fromDir, ids)));
  }
}

TEST(GgufRoundTrip, Q8AndQ4ExportsRepackToTheirBlocksValues) {
  test::TempDir tmp;
  const std::string dir = (test::goldenDir() / "tiny-bf16-untied").string();  // down_proj rows: 200, not 32-blocks
  const WeightStore hf = WeightStore::open(dir);
  for (GgufExportType type : {GgufExportType::Q8_0, GgufExportType::Q4_0}) {
    SCOPED_TRACE(ggufExportTypeName(type));
    const std::string path = exportTo(tmp, dir, type);
    const WeightStore gguf = WeightStore::open(path);
    const TensorView& q = *gguf.find("model.layers.0.self_attn.q_proj.weight");
    EXPECT_EQ(q.dtype, type == GgufExportType::Q8_0 ? ir::DType::Q8 : ir::DType::Q4);
    EXPECT_EQ(q.quant.group, 32);
    EXPECT_EQ(gguf.find("model.layers.0.mlp.down_proj.weight")->dtype, ir::DType::BF16);  // kept as it was
    // Every weight within half a step of its block's scale of the original.
    const std::vector<float> got = widen(q), want = widen(*hf.find(q.name));
    for (size_t b = 0; b < want.size() / 32; ++b) {
      float amax = 0;
      for (size_t i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(want[32 * b + i]));
      // Q8_0: half a step; Q4_0: a whole one on the side opposite the extreme (code 16 clamps to 15).
      const float bound = type == GgufExportType::Q8_0 ? 0.5f * amax / 127.0f : amax / 8.0f;
      for (size_t i = 32 * b; i < 32 * b + 32; ++i) ASSERT_LE(std::fabs(got[i] - want[i]), bound * 1.01f + 1e-7f) << i;
    }
    Model model = Model::load(path);  // the graph builds on quantized weights
    EXPECT_EQ(model.config.vocabSize, 3000);
  }
}

TEST(GgufRoundTrip, ResidentCopyOfAGgufStoreHasTheSameBytes) {
  test::TempDir tmp;
  const std::string path = exportTo(tmp, (test::goldenDir() / "tiny-bf16-untied").string(), GgufExportType::Q8_0);
  const WeightStore mapped = WeightStore::open(path);
  const WeightStore copy = mapped.residentCopy({}, 3);
  for (const auto& [name, t] : mapped.tensors()) {
    const TensorView* c = copy.find(name);
    ASSERT_NE(c, nullptr) << name;
    ASSERT_EQ(c->bytes, t->bytes) << name;
    EXPECT_EQ(std::memcmp(c->data, t->data, t->bytes), 0) << name;
    EXPECT_EQ(c->quant, t->quant) << name;
  }
}

// ---------- tokenizer and chat template ----------

class GgufTokenizer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new test::TempDir;
    dir_ = synthModel(*tmp_, ir::DType::BF16, true);
    path_ = exportTo(*tmp_, dir_, GgufExportType::Q8_0);
  }
  static void TearDownTestSuite() { delete tmp_; }
  static test::TempDir* tmp_;
  static std::string dir_, path_;
};
test::TempDir* GgufTokenizer::tmp_ = nullptr;
std::string GgufTokenizer::dir_, GgufTokenizer::path_;

TEST_F(GgufTokenizer, EncodesAndDecodesLikeTokenizerJson) {
  const Tokenizer real = Tokenizer::load(dir_, {.useCache = false});
  const Tokenizer rebuilt = Tokenizer::fromJson(ggufTokenizerJson(*GgufFile::open(path_)), path_);
  EXPECT_EQ(rebuilt.vocabSize(), real.vocabSize());
  for (const std::string text :
       {"Hello world! It's 2024, isn't it?", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
        "héllo wörld — 世界 🙂 naïve café", "  leading spaces\n\n\ttabs   and\r\nnewlines  ", "x=1234567+89; f(a,b)->c",
        "<tool_call>{\"name\": \"f\"}</tool_call><|endoftext|>", "日本語のテキストと한국어"}) {
    SCOPED_TRACE(text);
    const std::vector<int32_t> ids = real.encode(text);
    EXPECT_EQ(rebuilt.encode(text), ids);
    EXPECT_EQ(rebuilt.decode(ids), real.decode(ids));
    EXPECT_EQ(rebuilt.decode(ids, true), real.decode(ids, true));
  }
  for (int32_t id : {151643, 151645, 151657, 151667, 0, 1000})
    EXPECT_EQ(rebuilt.isSpecial(id), real.isSpecial(id)) << id;
}

TEST_F(GgufTokenizer, ChatTemplateAndEosMatchTheDirectory) {
  auto file = GgufFile::open(path_);
  const ChatTemplate real = ChatTemplate::load(dir_);
  const ChatTemplate rebuilt = ChatTemplate::fromConfig(ggufTokenizerConfig(*file), path_);
  const nlohmann::ordered_json messages = nlohmann::ordered_json::parse(
      R"([{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"<think>\nok\n</think>\n\nHello"},{"role":"user","content":"Again"}])");
  for (bool gen : {false, true})
    for (std::optional<bool> think : {std::optional<bool>(), std::optional<bool>(false)}) {
      ChatOptions o;
      o.addGenerationPrompt = gen;
      o.enableThinking = think;
      EXPECT_EQ(rebuilt.render(messages, o), real.render(messages, o));
    }
  EXPECT_EQ(ggufEosIds(*file), (std::vector<int32_t>{151645, 151643}));
  EXPECT_EQ(Model::load(path_).eosIds, (std::vector<int32_t>{151645, 151643}));
}

// ---------- repacking ----------

// A random finite f16 (any exponent but infinity/NaN's).
uint16_t randomHalf(std::mt19937& rng) {
  uint16_t h = static_cast<uint16_t>(rng());
  if (((h >> 10) & 31) == 31) h &= static_cast<uint16_t>(~0x4000);
  return h;
}

std::vector<uint8_t> randomBlocks(uint32_t type, int64_t rows, int64_t K, std::mt19937& rng, std::vector<size_t> halfAt) {
  const GgmlTypeTraits& t = *ggmlTypeTraits(type);
  std::vector<uint8_t> b(static_cast<size_t>(rows * K / t.blockSize * t.blockBytes));
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  for (size_t blk = 0; blk < b.size() / t.blockBytes; ++blk)
    for (size_t at : halfAt) {
      const uint16_t h = randomHalf(rng);
      std::memcpy(&b[blk * t.blockBytes + at], &h, 2);
    }
  return b;
}

float half(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return floatFromF16(h);
}

// Dequantizers written from the GGUF block descriptions, one block at a time.
void refQ8_0(const uint8_t* b, float* y) {
  for (int i = 0; i < 32; ++i) y[i] = half(b) * static_cast<float>(static_cast<int8_t>(b[2 + i]));
}

void refQ4_0(const uint8_t* b, float* y) {
  for (int j = 0; j < 16; ++j) {
    y[j] = static_cast<float>((b[2 + j] & 0xF) - 8) * half(b);
    y[j + 16] = static_cast<float>((b[2 + j] >> 4) - 8) * half(b);
  }
}

void refQ4_K(const uint8_t* b, float* y) {
  const float d = half(b), dmin = half(b + 2);
  const uint8_t* s = b + 4;
  for (int j = 0; j < 8; ++j) {
    const int sc = j < 4 ? s[j] & 63 : (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    const int m = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
    const uint8_t* q = b + 16 + 32 * (j / 2);
    for (int l = 0; l < 32; ++l) {
      const int v = j % 2 ? q[l] >> 4 : q[l] & 0xF;
      y[32 * j + l] = d * static_cast<float>(sc) * static_cast<float>(v) - dmin * static_cast<float>(m);
    }
  }
}

void refQ6_K(const uint8_t* b, float* y) {
  const uint8_t *ql = b, *qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  const float d = half(b + 208);
  for (int n = 0; n < 2; ++n, ql += 64, qh += 32, sc += 8, y += 128)
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * q1;
      y[l + 32] = d * sc[is + 2] * q2;
      y[l + 64] = d * sc[is + 4] * q3;
      y[l + 96] = d * sc[is + 6] * q4;
    }
}

void expectLosslessRepack(GgmlType type, std::vector<size_t> halves, const std::function<void(const uint8_t*, float*)>& ref) {
  std::mt19937 rng(static_cast<uint32_t>(type) + 11);
  const uint32_t t = static_cast<uint32_t>(type);
  const GgmlTypeTraits& traits = *ggmlTypeTraits(t);
  const int64_t rows = 5, K = 768;
  const std::vector<uint8_t> src = randomBlocks(t, rows, K, rng, halves);
  std::vector<float> want(static_cast<size_t>(rows * K));
  for (size_t blk = 0; blk < want.size() / traits.blockSize; ++blk)
    ref(src.data() + blk * traits.blockBytes, want.data() + blk * traits.blockSize);
  ir::QuantFormat f;
  ASSERT_TRUE(ggufRepackFormat(t, f));
  const int64_t rowBytes = ir::quantRowBytes(f, K), srcRow = K / traits.blockSize * traits.blockBytes;
  std::vector<uint8_t> packed(static_cast<size_t>(rows * rowBytes));
  for (int64_t r = 0; r < rows; ++r) repackGgufRow(t, src.data() + r * srcRow, K, packed.data() + r * rowBytes);
  std::vector<float> got(want.size());
  dequantizeRows(packed.data(), rows, K, f, got.data());
  for (size_t i = 0; i < want.size(); ++i) {
    uint32_t a, b;
    std::memcpy(&a, &got[i], 4);
    std::memcpy(&b, &want[i], 4);
    ASSERT_EQ(a, b) << traits.name << " element " << i << ": " << got[i] << " vs " << want[i];
  }
}

TEST(GgufRepack, Q8_0IsLossless) { expectLosslessRepack(GgmlType::Q8_0, {0}, refQ8_0); }
TEST(GgufRepack, Q4_0IsLossless) { expectLosslessRepack(GgmlType::Q4_0, {0}, refQ4_0); }
TEST(GgufRepack, Q4_KIsLossless) { expectLosslessRepack(GgmlType::Q4_K, {0, 2}, refQ4_K); }
TEST(GgufRepack, Q6_KIsLossless) { expectLosslessRepack(GgmlType::Q6_K, {208}, refQ6_K); }

TEST(GgufRepack, FormatsAreTheDocumentedOnes) {
  ir::QuantFormat f;
  ASSERT_TRUE(ggufRepackFormat(static_cast<uint32_t>(GgmlType::Q4_K), f));
  EXPECT_EQ(f, (ir::QuantFormat{ir::QuantScheme::Int4Zp, 32}));
  ASSERT_TRUE(ggufRepackFormat(static_cast<uint32_t>(GgmlType::Q6_K), f));
  EXPECT_EQ(f, (ir::QuantFormat{ir::QuantScheme::Int8, 16}));
  EXPECT_FALSE(ggufRepackFormat(static_cast<uint32_t>(GgmlType::BF16), f));
  EXPECT_FALSE(ggufRepackFormat(13, f));  // Q5_K
}

TEST(GgufRepack, HalfConversionRoundTripsEveryFiniteHalf) {
  for (uint32_t h = 0; h < 65536; ++h) {
    if (((h >> 10) & 31) == 31) continue;
    ASSERT_EQ(f16FromFloat(floatFromF16(static_cast<uint16_t>(h))), h) << h;
  }
  EXPECT_EQ(f16FromFloat(1.0f), 0x3C00);
  EXPECT_EQ(f16FromFloat(1.0f + 1.0f / 4096), 0x3C00);  // a tie rounds to even
  EXPECT_EQ(f16FromFloat(1e6f), 0x7C00);
}

TEST(GgufExport, QuantizersFollowTheStatedRules) {
  float x[32];
  for (int i = 0; i < 32; ++i) x[i] = static_cast<float>(i - 10) * 0.37f;
  uint8_t q8[34], q4[18];
  quantizeQ8_0Row(x, 32, q8);
  quantizeQ4_0Row(x, 32, q4);
  const float d8 = half(q8), d4 = half(q4);
  EXPECT_EQ(d8, floatFromF16(f16FromFloat(21 * 0.37f / 127)));
  EXPECT_EQ(d4, floatFromF16(f16FromFloat(21 * 0.37f / -8)));
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(static_cast<int8_t>(q8[2 + i]), static_cast<int>(std::nearbyint(x[i] * (1.0f / d8)))) << i;
    const int code = i < 16 ? q4[2 + i] & 0xF : q4[2 + i - 16] >> 4;
    EXPECT_EQ(code, std::clamp(static_cast<int>(std::nearbyint(x[i] * (1.0f / d4))) + 8, 0, 15)) << i;
  }
}

// ---------- malformed files ----------

// Opening (or, with `asModel`, loading as a model) fails with a one-line q3c::Error that names
// the file and contains `needle`.
void expectError(const std::string& bytes, const std::string& needle, bool asModel = false) {
  test::TempDir tmp;
  const std::string path = tmp / "bad.gguf";
  test::writeFile(path, bytes);
  try {
    if (asModel) Model::load(path);
    else GgufFile::open(path);
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find(needle), std::string::npos) << "wanted '" << needle << "' in: " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return;
  }
  ADD_FAILURE() << "no error; wanted '" << needle << "'";
}

// A valid tiny Qwen3 (hidden 32, 2 heads of 16, 1 KV head, 1 layer, vocab 64) with its metadata
// and tensors changed by the hooks, as file bytes.
struct TinySpec {
  std::function<void(GgufMetadata&)> extraMeta = {};
  std::set<std::string> dropKeys = {};
  std::string arch = "qwen3";
  std::function<void(std::vector<GgufTensorSpec>&)> tensors = {};
};

std::string tinyQwen3(const TinySpec& s = {}) {
  GgufMetadata m;
  auto u32 = [&](const std::string& k, uint32_t v) { if (!s.dropKeys.count(k)) m.setU32(k, v); };
  m.setString("general.architecture", s.arch);
  u32("qwen3.block_count", 1);
  u32("qwen3.context_length", 256);
  u32("qwen3.embedding_length", 32);
  u32("qwen3.feed_forward_length", 64);
  u32("qwen3.attention.head_count", 2);
  u32("qwen3.attention.head_count_kv", 1);
  u32("qwen3.attention.key_length", 16);
  if (!s.dropKeys.count("qwen3.attention.layer_norm_rms_epsilon")) m.setF32("qwen3.attention.layer_norm_rms_epsilon", 1e-6f);
  if (s.extraMeta) s.extraMeta(m);
  const uint32_t f32 = 0;
  std::vector<GgufTensorSpec> t = {{"token_embd.weight", f32, {32, 64}}, {"output_norm.weight", f32, {32}}};
  for (const auto& [name, dims] : std::vector<std::pair<std::string, std::vector<int64_t>>>{
           {"attn_norm", {32}}, {"ffn_norm", {32}}, {"attn_q", {32, 32}}, {"attn_k", {32, 16}}, {"attn_v", {32, 16}},
           {"attn_output", {32, 32}}, {"attn_q_norm", {16}}, {"attn_k_norm", {16}}, {"ffn_gate", {32, 64}},
           {"ffn_up", {32, 64}}, {"ffn_down", {64, 32}}})
    t.push_back({"blk.0." + name + ".weight", f32, dims});
  if (s.tensors) s.tensors(t);
  test::TempDir tmp;
  {
    GgufWriter w(tmp / "t.gguf", m, t);
    for (const GgufTensorSpec& spec : t) {
      std::vector<uint8_t> zeros(ggufTensorBytes(spec));
      w.write(zeros.data(), zeros.size());
    }
    w.finish();
  }
  return test::readFile(tmp / "t.gguf");
}

TEST(GgufMalformed, TheTinyModelIsValid) {
  test::TempDir tmp;
  test::writeFile(tmp / "ok.gguf", tinyQwen3());
  Model m = Model::load(tmp / "ok.gguf");
  EXPECT_EQ(m.config.vocabSize, 64);
  EXPECT_EQ(m.config.rmsNormEps, 1e-6);
  EXPECT_TRUE(m.config.tieWordEmbeddings);
}

TEST(GgufMalformed, HeaderProblems) {
  expectError("GGU", "too short");
  expectError("GGML" + std::string(20, '\0'), "bad magic");
  expectError(GgufBytes().header(7, 0, 0).bytes(), "unsupported GGUF version 7");
  expectError(GgufBytes().header(1, 0, 0).bytes(), "unsupported GGUF version 1");
  expectError(GgufBytes().header(0x03000000u, 0, 0).bytes(), "big-endian");
  expectError(tinyQwen3().substr(0, 40), "the file may be truncated");
  for (size_t cut : {60, 200, 300, 500, 700}) expectError(tinyQwen3().substr(0, cut), "the file may be truncated");
  expectError(tinyQwen3().substr(0, 30), "the file may be truncated");
  expectError(GgufBytes().header(3, 1000000000000ull, 0).bytes(), "tensor count 1000000000000");
  expectError(GgufBytes().header(3, 0, 1ull << 40).bytes(), "metadata count");
  test::TempDir tmp;  // version 2 and a file without tensors are fine
  test::writeFile(tmp / "v2.gguf", GgufBytes().header(2, 0, 0).bytes());
  EXPECT_NO_THROW(GgufFile::open(tmp / "v2.gguf"));
}

TEST(GgufMalformed, MetadataProblems) {
  expectError(GgufBytes().header(3, 0, 1).u64(1ull << 60).u64(0).bytes(), "has length 1152921504606846976");
  expectError(GgufBytes().header(3, 0, 1).str("k").type(GgufValueType::Array).type(GgufValueType::U32).u64(1ull << 62).bytes(),
              "claims 4611686018427387904 elements");
  expectError(GgufBytes().header(3, 0, 1).str("k").type(GgufValueType::Array).type(GgufValueType::String).u64(2).str("a").u64(100).bytes(),
              "has length 100");
  expectError(GgufBytes().header(3, 0, 1).str("k").u32(99).u32(0).bytes(), "unknown value type 99");
  expectError(GgufBytes().header(3, 0, 2).str("k").type(GgufValueType::U8).u8(1).str("k").type(GgufValueType::U8).u8(2).bytes(),
              "duplicate metadata key 'k'");
  expectError(GgufBytes().header(3, 0, 1).str("b").type(GgufValueType::Bool).u8(7).bytes(), "bool of value 7");
  expectError(GgufBytes().header(3, 0, 1).str("general.alignment").type(GgufValueType::U32).u32(24).bytes(), "not a power of two");
  GgufBytes deep;
  deep.header(3, 0, 1).str("deep").type(GgufValueType::Array);
  for (int i = 0; i < 12; ++i) deep.type(GgufValueType::Array).u64(1);
  expectError(deep.bytes(), "nests arrays");
}

TEST(GgufMalformed, TensorInfoProblems) {
  auto one = [](uint32_t type, std::vector<int64_t> dims, uint64_t offset) {
    GgufBytes b;
    b.header(3, 1, 0).tensorInfo("w", dims, type, offset);
    std::string s = b.bytes();
    s.resize((s.size() + 31) / 32 * 32 + 64, '\0');
    return s;
  };
  expectError(one(77, {16}, 0), "unknown tensor type 77");
  expectError(one(0, {16}, 64), "run past the end of the file");
  expectError(one(0, {16}, 1ull << 63), "run past the end of the file");
  expectError(one(0, {16}, 8), "not a multiple of the alignment");
  expectError(one(0, {1ull << 40, 1ull << 40}, 0), "too many elements");
  expectError(one(2, {16}, 0), "not a multiple of its block size 32");
  expectError(one(0, {1, 1, 1, 1, 1}, 0), "5 dimensions");
  GgufBytes two;
  two.header(3, 2, 0).tensorInfo("a", {16}, 0, 0).tensorInfo("b", {16}, 0, 32);
  std::string s = two.bytes();
  s.resize((s.size() + 31) / 32 * 32 + 128, '\0');
  expectError(s, "tensors 'a' and 'b' overlap");
  GgufBytes dup;
  dup.header(3, 2, 0).tensorInfo("a", {8}, 0, 0).tensorInfo("a", {8}, 0, 32);
  expectError(dup.bytes() + std::string(128, '\0'), "duplicate tensor name 'a'");
}

TEST(GgufMalformed, ModelProblems) {
  expectError(tinyQwen3({.arch = "llama"}), "architecture is 'llama'", true);
  expectError(tinyQwen3({.dropKeys = {"qwen3.embedding_length"}}), "missing key 'qwen3.embedding_length'", true);
  expectError(tinyQwen3({.dropKeys = {"qwen3.attention.layer_norm_rms_epsilon"}}), "layer_norm_rms_epsilon", true);
  expectError(tinyQwen3({.extraMeta = [](GgufMetadata& m) { m.setString("qwen3.block_count", "one"); },
                         .dropKeys = {"qwen3.block_count"}}),
              "must be an integer", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t[2].dims = {32, 48}; }}),  // blk.0.attn_norm
              "has shape", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t[4].dims = {32, 30}; }}),  // blk.0.attn_q: 30 rows, not 32
              "model.layers.0.self_attn.q_proj.weight' has shape [30,32], expected [32,32]", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t.erase(t.begin() + 12); }}),  // ffn_down
              "missing tensor 'model.layers.0.mlp.down_proj.weight'", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t[4].ggmlType = 13; t[4].dims = {256, 32}; }}),
              "Q5_K, which q3c cannot read", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t.push_back({"blk.0.mystery.weight", 0, {4}}); }}),
              "'blk.0.mystery.weight' is not a tensor of a Qwen3 model", true);
  expectError(tinyQwen3({.tensors = [](auto& t) { t[1].ggmlType = 8; t[1].dims = {32}; }}),  // output_norm as Q8_0
              "1-D vector of type Q8_0", true);
  expectError(tinyQwen3({.extraMeta = [](GgufMetadata& m) { m.setString("qwen3.rope.scaling.type", "dynamic"); }}),
              "'dynamic' (supported: none, linear, yarn)", true);
}

// Whatever bytes are flipped or cut, reading ends in a model or a q3c::Error, never a crash.
TEST(GgufMalformed, RandomCorruptionNeverCrashes) {
  const std::string good = tinyQwen3({.extraMeta = [](GgufMetadata& m) {
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", "qwen2");
    m.setStrings("tokenizer.ggml.tokens", {"a", "b", "ab", "<|im_end|>"});
    m.setI32s("tokenizer.ggml.token_type", {1, 1, 1, 3});
    m.setStrings("tokenizer.ggml.merges", {"a b"});
  }});
  const size_t headerEnd = good.size() - 64 * 32 * 4;  // roughly where the tensor data starts
  std::mt19937 rng(3);
  test::TempDir tmp;
  const std::string path = tmp / "fuzz.gguf";
  for (int i = 0; i < 400; ++i) {
    std::string bytes = good;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips)
      bytes[rng() % std::min(bytes.size(), headerEnd)] = static_cast<char>(rng());
    if (i % 4 == 0) bytes.resize(rng() % bytes.size());
    test::writeFile(path, bytes);
    try {
      std::shared_ptr<const GgufFile> f = GgufFile::open(path);
      ggufTokenizerJson(*f);
      ggufModelConfig(*f);
      loadGgufWeights(f, 2);
    } catch (const Error&) {
    }
  }
}

TEST(GgufMalformed, TokenizerProblems) {
  auto tokenizerOf = [](const std::function<void(GgufMetadata&)>& meta, const std::string& needle) {
    test::TempDir tmp;
    const std::string path = tmp / "t.gguf";
    test::writeFile(path, tinyQwen3({.extraMeta = meta}));
    try {
      ggufTokenizerJson(*GgufFile::open(path));
      ADD_FAILURE() << "no error; wanted " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  tokenizerOf([](GgufMetadata& m) { m.setString("tokenizer.ggml.model", "llama"); }, "is 'llama'");
  tokenizerOf([](GgufMetadata& m) {
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", "llama-bpe");
  }, "'llama-bpe'");
  tokenizerOf([](GgufMetadata& m) {
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", "qwen2");
    m.setStrings("tokenizer.ggml.tokens", {"a", "b", "a"});
  }, "appears twice");
  tokenizerOf([](GgufMetadata& m) {
    m.setString("tokenizer.ggml.model", "gpt2");
    m.setString("tokenizer.ggml.pre", "qwen2");
    m.setStrings("tokenizer.ggml.tokens", {"a", "b"});
    m.setI32s("tokenizer.ggml.token_type", {1});
  }, "has 1 entries for 2 tokens");
}

}  // namespace
}  // namespace q3c
