#include "frontend/gguf_writer.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"
#include "frontend/gguf_model.h"
#include "frontend/model_config.h"
#include "frontend/quantize.h"
#include "frontend/weight_store.h"

namespace q3c {

// ---- pieces ----

GgufBytes& GgufBytes::raw(const void* p, size_t n) {
  b_.append(static_cast<const char*>(p), n);
  return *this;
}

GgufBytes& GgufBytes::header(uint32_t version, uint64_t tensorCount, uint64_t metadataCount) {
  return raw("GGUF", 4).u32(version).u64(tensorCount).u64(metadataCount);
}

GgufBytes& GgufBytes::tensorInfo(std::string_view name, const std::vector<int64_t>& dims, uint32_t ggmlType, uint64_t offset) {
  str(name).u32(static_cast<uint32_t>(dims.size()));
  for (int64_t d : dims) u64(static_cast<uint64_t>(d));
  return u32(ggmlType).u64(offset);
}

GgufBytes& GgufMetadata::key(std::string_view k, GgufValueType t) {
  ++count_;
  return bytes_.str(k).type(t);
}

void GgufMetadata::setString(std::string_view k, std::string_view v) { key(k, GgufValueType::String).str(v); }
void GgufMetadata::setU32(std::string_view k, uint32_t v) { key(k, GgufValueType::U32).u32(v); }
void GgufMetadata::setI32(std::string_view k, int32_t v) { key(k, GgufValueType::I32).i32(v); }
void GgufMetadata::setF32(std::string_view k, float v) { key(k, GgufValueType::F32).f32(v); }
void GgufMetadata::setBool(std::string_view k, bool v) { key(k, GgufValueType::Bool).u8(v ? 1 : 0); }

void GgufMetadata::setStrings(std::string_view k, const std::vector<std::string>& values) {
  GgufBytes& b = key(k, GgufValueType::Array).type(GgufValueType::String).u64(values.size());
  for (const std::string& s : values) b.str(s);
}

void GgufMetadata::setI32s(std::string_view k, const std::vector<int32_t>& values) {
  GgufBytes& b = key(k, GgufValueType::Array).type(GgufValueType::I32).u64(values.size());
  b.raw(values.data(), values.size() * 4);
}

uint64_t ggufTensorBytes(const GgufTensorSpec& t) {
  const GgmlTypeTraits* traits = ggmlTypeTraits(t.ggmlType);
  if (!traits) throw Error("tensor '" + t.name + "': unknown ggml type " + std::to_string(t.ggmlType));
  uint64_t n = 1;
  for (int64_t d : t.dims) n *= static_cast<uint64_t>(d);
  return n / traits->blockSize * traits->blockBytes;
}

// ---- writer ----

GgufWriter::GgufWriter(const std::string& path, const GgufMetadata& metadata, std::vector<GgufTensorSpec> tensors,
                       uint64_t alignment)
    : path_(path), alignment_(alignment) {
  GgufBytes head;
  head.header(3, tensors.size(), metadata.count()).raw(metadata.encoded().data(), metadata.encoded().size());
  uint64_t offset = 0;
  for (const GgufTensorSpec& t : tensors) {
    head.tensorInfo(t.name, t.dims, t.ggmlType, offset);
    offset += ggufTensorBytes(t);
    ends_.push_back(offset);
    offset = (offset + alignment_ - 1) / alignment_ * alignment_;
  }
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) throw Error(path + ": cannot create: " + std::strerror(errno));
  put(head.bytes().data(), head.size());
  padToAlignment();
}

GgufWriter::~GgufWriter() {
  if (f_) std::fclose(f_);
}

void GgufWriter::put(const void* data, size_t bytes) {
  if (bytes && std::fwrite(data, 1, bytes, f_) != bytes) throw Error(path_ + ": write failed: " + std::strerror(errno));
  fileBytes_ += bytes;
}

void GgufWriter::padToAlignment() {
  static const char zeros[256] = {};
  uint64_t pad = (alignment_ - fileBytes_ % alignment_) % alignment_;
  for (; pad > 0; pad -= std::min<uint64_t>(pad, sizeof(zeros))) put(zeros, std::min<uint64_t>(pad, sizeof(zeros)));
}

void GgufWriter::write(const void* data, size_t bytes) {
  const char* p = static_cast<const char*>(data);
  while (bytes > 0) {
    if (current_ >= ends_.size()) throw Error(path_ + ": more tensor data than declared");
    const size_t n = static_cast<size_t>(std::min<uint64_t>(bytes, ends_[current_] - written_));
    put(p, n);
    p += n, bytes -= n, written_ += n;
    while (current_ < ends_.size() && written_ == ends_[current_]) {  // a tensor is complete
      ++current_;
      padToAlignment();
      written_ = (written_ + alignment_ - 1) / alignment_ * alignment_;
    }
  }
}

void GgufWriter::finish() {
  if (current_ != ends_.size())
    throw Error(path_ + ": wrote " + std::to_string(current_) + " of " + std::to_string(ends_.size()) + " tensors");
  const int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

// ---- quantization of rows ----

namespace {

void storeHalf(uint8_t* p, uint16_t h) { std::memcpy(p, &h, 2); }

}  // namespace

// Both go through q3c's own quantizer (int8 / int4 at group 32, whose scales are rounded to f16
// precision) and re-lay its rows as blocks, so that a .gguf and q3c's own format of the same
// weights hold the same codes and, in f16's normal range, the same scales.
namespace {

void ownBlocks(const float* x, int64_t K, ir::QuantScheme scheme, uint8_t* out) {
  const ir::QuantFormat f{scheme, 32};
  std::vector<uint8_t> row(static_cast<size_t>(ir::quantRowBytes(f, K)));
  quantizeRows(x, 1, K, f, row.data());
  const int64_t blockCodes = ir::codeBytes(f, 32), scalesAt = ir::codeBytes(f, K);
  for (int64_t b = 0; b < K / 32; ++b, out += 2 + blockCodes) {
    float scale;
    std::memcpy(&scale, row.data() + scalesAt + 4 * b, 4);
    storeHalf(out, f16FromFloat(scale));
    std::memcpy(out + 2, row.data() + b * blockCodes, static_cast<size_t>(blockCodes));
  }
}

}  // namespace

void quantizeQ8_0Row(const float* x, int64_t K, uint8_t* out) { ownBlocks(x, K, ir::QuantScheme::Int8, out); }

void quantizeQ4_0Row(const float* x, int64_t K, uint8_t* out) { ownBlocks(x, K, ir::QuantScheme::Int4, out); }

// ---- export: metadata ----

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string readText(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw Error(p.string() + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

json readJson(const fs::path& p) {
  json j = json::parse(readText(p), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw Error(p.string() + ": not a JSON object");
  return j;
}

void addConfig(GgufMetadata& m, const ModelConfig& c) {
  const auto u32 = [](int64_t v) { return static_cast<uint32_t>(v); };
  m.setU32("qwen3.block_count", u32(c.numLayers));
  m.setU32("qwen3.context_length", u32(c.maxPositionEmbeddings));
  m.setU32("qwen3.embedding_length", u32(c.hiddenSize));
  m.setU32("qwen3.feed_forward_length", u32(c.intermediateSize));
  m.setU32("qwen3.attention.head_count", u32(c.numHeads));
  m.setU32("qwen3.attention.head_count_kv", u32(c.numKvHeads));
  m.setU32("qwen3.attention.key_length", u32(c.headDim));
  m.setU32("qwen3.attention.value_length", u32(c.headDim));
  m.setF32("qwen3.rope.freq_base", static_cast<float>(c.rope.theta));
  m.setF32("qwen3.attention.layer_norm_rms_epsilon", static_cast<float>(c.rmsNormEps));
  if (c.rope.scaling == "default") return;
  m.setString("qwen3.rope.scaling.type", c.rope.scaling);
  m.setF32("qwen3.rope.scaling.factor", static_cast<float>(c.rope.factor));
  if (c.rope.scaling != "yarn") return;
  m.setU32("qwen3.rope.scaling.original_context_length", u32(c.rope.originalMaxPosition));
  if (c.rope.betaFast != 32.0) m.setF32("qwen3.rope.scaling.yarn_beta_fast", static_cast<float>(c.rope.betaFast));
  if (c.rope.betaSlow != 1.0) m.setF32("qwen3.rope.scaling.yarn_beta_slow", static_cast<float>(c.rope.betaSlow));
}

// "a b" from a merge written as a string or as a pair.
std::string mergeText(const json& m, const fs::path& file) {
  if (m.is_string()) return m.get<std::string>();
  if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string())
    return m[0].get<std::string>() + " " + m[1].get<std::string>();
  throw Error(file.string() + ": a merge is neither \"a b\" nor [\"a\", \"b\"]");
}

// The token list with llama.cpp's types; ids no token has (up to `rows`) become "[PAD<id>]", unused.
void tokenList(const json& tok, int64_t rows, std::vector<std::string>& tokens, std::vector<int32_t>& types, const fs::path& file) {
  std::map<int64_t, std::pair<std::string, int32_t>> byId;
  if (!tok.contains("model") || !tok["model"].contains("vocab") || !tok["model"]["vocab"].is_object())
    throw Error(file.string() + ": no model.vocab");
  for (const auto& [text, id] : tok["model"]["vocab"].items()) byId[id.get<int64_t>()] = {text, 1};
  if (tok.contains("added_tokens"))
    for (const json& a : tok["added_tokens"])
      byId[a.at("id").get<int64_t>()] = {a.at("content").get<std::string>(), a.value("special", false) ? 3 : 4};
  const int64_t count = std::max(rows, byId.empty() ? 0 : byId.rbegin()->first + 1);
  for (int64_t id = 0; id < count; ++id) {
    auto it = byId.find(id);
    tokens.push_back(it == byId.end() ? "[PAD" + std::to_string(id) + "]" : it->second.first);
    types.push_back(it == byId.end() ? 5 : it->second.second);
  }
}

// The content of bos_token & co.: a string, an AddedToken object, or null.
std::string specialContent(const json& cfg, const char* key) {
  if (!cfg.contains(key)) return "";
  const json& v = cfg[key];
  if (v.is_string()) return v.get<std::string>();
  if (v.is_object() && v.contains("content") && v["content"].is_string()) return v["content"].get<std::string>();
  return "";
}

std::string chatTemplateOf(const fs::path& dir, const json& cfg) {
  if (fs::exists(dir / "chat_template.jinja")) return readText(dir / "chat_template.jinja");
  if (!cfg.contains("chat_template")) return "";
  const json& t = cfg["chat_template"];
  if (t.is_string()) return t.get<std::string>();
  if (t.is_array())
    for (const json& e : t)
      if (e.is_object() && e.value("name", "") == "default" && e.contains("template")) return e["template"].get<std::string>();
  return "";
}

void addTokenizer(GgufMetadata& m, const fs::path& dir, int64_t rows) {
  const fs::path tokFile = dir / "tokenizer.json";
  if (!fs::exists(tokFile)) return;  // weights only: such a file runs, but cannot chat
  const json tok = readJson(tokFile);
  std::vector<std::string> tokens, merges;
  std::vector<int32_t> types;
  try {
    tokenList(tok, rows, tokens, types, tokFile);
    for (const json& mg : tok.at("model").at("merges")) merges.push_back(mergeText(mg, tokFile));
  } catch (const json::exception& e) {
    throw Error(tokFile.string() + ": unexpected content: " + e.what());
  }
  m.setString("tokenizer.ggml.model", "gpt2");
  m.setString("tokenizer.ggml.pre", "qwen2");
  m.setStrings("tokenizer.ggml.tokens", tokens);
  m.setI32s("tokenizer.ggml.token_type", types);
  m.setStrings("tokenizer.ggml.merges", merges);
  const fs::path cfgFile = dir / "tokenizer_config.json";
  const json cfg = fs::exists(cfgFile) ? readJson(cfgFile) : json::object();
  for (const char* name : {"bos", "eos", "pad", "unk"}) {
    const std::string content = specialContent(cfg, (std::string(name) + "_token").c_str());
    auto it = std::find(tokens.begin(), tokens.end(), content);
    if (!content.empty() && it != tokens.end())
      m.setU32(std::string("tokenizer.ggml.") + name + "_token_id", static_cast<uint32_t>(it - tokens.begin()));
  }
  if (cfg.contains("add_bos_token") && cfg["add_bos_token"].is_boolean()) m.setBool("tokenizer.ggml.add_bos_token", cfg["add_bos_token"].get<bool>());
  if (const std::string t = chatTemplateOf(dir, cfg); !t.empty()) m.setString("tokenizer.chat_template", t);
}

uint32_t fileTypeOf(GgufExportType t) {  // llama.cpp's general.file_type (LLAMA_FTYPE_*)
  switch (t) {
    case GgufExportType::F32: return 0;
    case GgufExportType::F16: return 1;
    case GgufExportType::Q4_0: return 2;
    case GgufExportType::Q8_0: return 7;
    case GgufExportType::BF16: return 32;
  }
  return 0;
}

// ---- export: tensors ----

// The Hugging Face names of every weight the Qwen3 graph reads, with their shapes.
std::vector<std::pair<std::string, std::vector<int64_t>>> weightList(const ModelConfig& c) {
  const int64_t H = c.hiddenSize, D = c.headDim, I = c.intermediateSize;
  std::vector<std::pair<std::string, std::vector<int64_t>>> out = {{"model.embed_tokens.weight", {c.vocabSize, H}}};
  for (int64_t i = 0; i < c.numLayers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    out.push_back({p + "input_layernorm.weight", {H}});
    out.push_back({p + "self_attn.q_proj.weight", {c.numHeads * D, H}});
    out.push_back({p + "self_attn.k_proj.weight", {c.numKvHeads * D, H}});
    out.push_back({p + "self_attn.v_proj.weight", {c.numKvHeads * D, H}});
    out.push_back({p + "self_attn.o_proj.weight", {H, c.numHeads * D}});
    out.push_back({p + "self_attn.q_norm.weight", {D}});
    out.push_back({p + "self_attn.k_norm.weight", {D}});
    out.push_back({p + "post_attention_layernorm.weight", {H}});
    out.push_back({p + "mlp.gate_proj.weight", {I, H}});
    out.push_back({p + "mlp.up_proj.weight", {I, H}});
    out.push_back({p + "mlp.down_proj.weight", {H, I}});
  }
  out.push_back({"model.norm.weight", {H}});
  if (!c.tieWordEmbeddings) out.push_back({"lm_head.weight", {c.vocabSize, H}});
  return out;
}

uint32_t ggmlTypeOfDType(ir::DType d) {
  return static_cast<uint32_t>(d == ir::DType::BF16 ? GgmlType::BF16 : d == ir::DType::F16 ? GgmlType::F16 : GgmlType::F32);
}

// The type a weight is written in: 1-D as F32; quantized types need whole 32-blocks per row.
uint32_t targetType(const TensorView& t, GgufExportType type) {
  if (t.shape.size() == 1) return static_cast<uint32_t>(GgmlType::F32);
  const bool blocks = t.shape.back() % 32 == 0;
  switch (type) {
    case GgufExportType::F32: return static_cast<uint32_t>(GgmlType::F32);
    case GgufExportType::F16: return static_cast<uint32_t>(GgmlType::F16);
    case GgufExportType::BF16: return static_cast<uint32_t>(GgmlType::BF16);
    case GgufExportType::Q8_0: return blocks ? static_cast<uint32_t>(GgmlType::Q8_0) : ggmlTypeOfDType(t.dtype);
    case GgufExportType::Q4_0: return blocks ? static_cast<uint32_t>(GgmlType::Q4_0) : ggmlTypeOfDType(t.dtype);
  }
  return 0;
}

float elementAt(const TensorView& t, int64_t i) {
  uint16_t h;
  switch (t.dtype) {
    case ir::DType::F32: {
      float f;
      std::memcpy(&f, t.data + 4 * i, 4);
      return f;
    }
    case ir::DType::BF16: std::memcpy(&h, t.data + 2 * i, 2); return ir::floatFromBf16(h);
    case ir::DType::F16: std::memcpy(&h, t.data + 2 * i, 2); return floatFromF16(h);
    default: throw Error(*t.file + ": tensor '" + t.name + "' has dtype " + ir::dtypeName(t.dtype) + ", not a float type");
  }
}

// Rows [r0, r0 + rows) of `t` (K wide) encoded as `type` into out.
void encodeRows(const TensorView& t, int64_t K, int64_t r0, int64_t rows, uint32_t type, std::vector<float>& f32,
                std::vector<uint8_t>& out) {
  f32.resize(static_cast<size_t>(rows * K));
  for (int64_t i = 0; i < rows * K; ++i) f32[i] = elementAt(t, r0 * K + i);
  const GgufTensorSpec spec{"", type, {K, rows}};
  out.resize(ggufTensorBytes(spec));
  const uint64_t rowBytes = out.size() / rows;
  for (int64_t r = 0; r < rows; ++r) {
    const float* x = f32.data() + r * K;
    uint8_t* o = out.data() + r * rowBytes;
    switch (static_cast<GgmlType>(type)) {
      case GgmlType::F32: std::memcpy(o, x, 4 * K); break;
      case GgmlType::F16: for (int64_t k = 0; k < K; ++k) { const uint16_t h = f16FromFloat(x[k]); std::memcpy(o + 2 * k, &h, 2); } break;
      case GgmlType::BF16: for (int64_t k = 0; k < K; ++k) { const uint16_t h = ir::bf16FromFloat(x[k]); std::memcpy(o + 2 * k, &h, 2); } break;
      case GgmlType::Q8_0: quantizeQ8_0Row(x, K, o); break;
      case GgmlType::Q4_0: quantizeQ4_0Row(x, K, o); break;
      default: throw Error("cannot write ggml type " + ggmlTypeName(type));
    }
  }
}

// Streams one tensor in chunks of about 4 MB of f32; the source's own type is copied as it is.
void writeTensor(GgufWriter& w, const TensorView& t, uint32_t type) {
  if (type == ggmlTypeOfDType(t.dtype)) {
    for (size_t at = 0; at < t.bytes; at += size_t(8) << 20) w.write(t.data + at, std::min(size_t(8) << 20, t.bytes - at));
    return;
  }
  const int64_t K = t.shape.back(), rows = t.numel() / K;
  const int64_t chunk = std::max<int64_t>(1, (int64_t(1) << 20) / K);
  std::vector<float> f32;
  std::vector<uint8_t> out;
  for (int64_t r = 0; r < rows; r += chunk) {
    encodeRows(t, K, r, std::min(chunk, rows - r), type, f32, out);
    w.write(out.data(), out.size());
  }
}

}  // namespace

bool parseGgufExportType(const std::string& name, GgufExportType& out) {
  for (GgufExportType t : {GgufExportType::F32, GgufExportType::F16, GgufExportType::BF16, GgufExportType::Q8_0, GgufExportType::Q4_0})
    if (name == ggufExportTypeName(t)) {
      out = t;
      return true;
    }
  return false;
}

const char* ggufExportTypeName(GgufExportType t) {
  switch (t) {
    case GgufExportType::F32: return "f32";
    case GgufExportType::F16: return "f16";
    case GgufExportType::BF16: return "bf16";
    case GgufExportType::Q8_0: return "q8_0";
    case GgufExportType::Q4_0: return "q4_0";
  }
  return "?";
}

uint64_t exportGguf(const std::string& modelDir, const std::string& outPath, GgufExportType type,
                    const std::function<void(const std::string&, uint64_t, uint64_t)>& progress) {
  const ModelConfig cfg = ModelConfig::load(modelDir);
  const WeightStore store = WeightStore::open(modelDir);
  GgufMetadata meta;
  meta.setString("general.architecture", "qwen3");
  meta.setString("general.name", fs::path(modelDir).lexically_normal().filename().string());
  meta.setU32("general.file_type", fileTypeOf(type));
  if (type == GgufExportType::Q8_0 || type == GgufExportType::Q4_0) meta.setU32("general.quantization_version", 2);
  addConfig(meta, cfg);
  addTokenizer(meta, modelDir, cfg.vocabSize);

  std::vector<const TensorView*> views;
  std::vector<GgufTensorSpec> specs;
  uint64_t total = 0;
  for (const auto& [name, shape] : weightList(cfg)) {
    const TensorView& t = store.require(name, shape);
    views.push_back(&t);
    specs.push_back({ggufNameFromHf(name), targetType(t, type), std::vector<int64_t>(shape.rbegin(), shape.rend())});
    total += ggufTensorBytes(specs.back());
  }
  GgufWriter w(outPath, meta, specs);
  uint64_t done = 0;
  for (size_t i = 0; i < views.size(); ++i) {
    writeTensor(w, *views[i], specs[i].ggmlType);
    done += ggufTensorBytes(specs[i]);
    if (progress) progress(specs[i].name, done, total);
  }
  w.finish();
  return w.bytesWritten();
}

}  // namespace q3c
