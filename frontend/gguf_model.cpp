#include "frontend/gguf_model.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <thread>

#include "frontend/error.h"
#include "frontend/huge_pages.h"

namespace q3c {

namespace {

using nlohmann::json;
using nlohmann::ordered_json;

// ---- config ----

int64_t positiveKey(const GgufFile& f, const std::string& key) {
  const int64_t v = f.getInt(key);
  if (v <= 0) throw Error(f.where(key) + " must be a positive integer, got " + std::to_string(v));
  return v;
}

int64_t positiveKey(const GgufFile& f, const std::string& key, int64_t fallback) {
  return f.find(key) ? positiveKey(f, key) : fallback;
}

// config.json's rope_scaling from qwen3.rope.scaling.*; null when there is none.
json ropeScaling(const GgufFile& f) {
  const std::string type = f.getString("qwen3.rope.scaling.type", "none");
  if (type == "none") return nullptr;
  if (type != "linear" && type != "yarn")
    throw Error(f.where("qwen3.rope.scaling.type") + " is '" + type + "' (supported: none, linear, yarn)");
  json s = {{"rope_type", type}, {"factor", f.getDouble("qwen3.rope.scaling.factor", 0.0)}};
  if (type == "linear") return s;
  if (f.find("qwen3.rope.scaling.original_context_length"))
    s["original_max_position_embeddings"] = positiveKey(f, "qwen3.rope.scaling.original_context_length");
  if (f.find("qwen3.rope.scaling.yarn_beta_fast")) s["beta_fast"] = f.getDouble("qwen3.rope.scaling.yarn_beta_fast", 32);
  if (f.find("qwen3.rope.scaling.yarn_beta_slow")) s["beta_slow"] = f.getDouble("qwen3.rope.scaling.yarn_beta_slow", 1);
  return s;
}

const char* torchDtypeOf(uint32_t ggmlType) {
  switch (static_cast<GgmlType>(ggmlType)) {
    case GgmlType::F32: return "float32";
    case GgmlType::F16: return "float16";
    case GgmlType::BF16: return "bfloat16";
    default: return "";
  }
}

}  // namespace

ModelConfig ggufModelConfig(const GgufFile& f) {
  const std::string arch = f.getString("general.architecture");
  if (arch != "qwen3")
    throw Error(f.path() + ": general.architecture is '" + arch +
                "', not supported (q3c runs dense Qwen3 models, architecture 'qwen3')");
  const GgufTensor* embed = f.findTensor("token_embd.weight");
  if (!embed) throw Error(f.path() + ": missing tensor 'token_embd.weight' (the token embeddings)");
  if (embed->dims.size() != 2) throw Error(f.path() + ": tensor 'token_embd.weight' is not 2-D");
  const int64_t hidden = positiveKey(f, "qwen3.embedding_length");
  const int64_t heads = positiveKey(f, "qwen3.attention.head_count");
  json j = {{"model_type", "qwen3"},
            {"vocab_size", embed->dims[1]},
            {"hidden_size", hidden},
            {"intermediate_size", positiveKey(f, "qwen3.feed_forward_length")},
            {"num_hidden_layers", positiveKey(f, "qwen3.block_count")},
            {"num_attention_heads", heads},
            {"num_key_value_heads", positiveKey(f, "qwen3.attention.head_count_kv", heads)},
            {"max_position_embeddings", positiveKey(f, "qwen3.context_length")},
            {"rms_norm_eps", f.require("qwen3.attention.layer_norm_rms_epsilon").asDouble(f.where("qwen3.attention.layer_norm_rms_epsilon"))},
            {"rope_theta", f.getDouble("qwen3.rope.freq_base", 10000.0)},
            {"rope_scaling", ropeScaling(f)},
            {"tie_word_embeddings", f.findTensor("output.weight") == nullptr},
            {"torch_dtype", torchDtypeOf(embed->type)}};
  if (f.find("qwen3.attention.key_length")) j["head_dim"] = positiveKey(f, "qwen3.attention.key_length");
  if (f.find("qwen3.attention.value_length") && j.contains("head_dim") &&
      positiveKey(f, "qwen3.attention.value_length") != j["head_dim"].get<int64_t>())
    throw Error(f.where("qwen3.attention.value_length") + " differs from qwen3.attention.key_length (Qwen3 has one head_dim)");
  return ModelConfig::fromJsonText(j.dump(), f.path() + " (GGUF metadata)");
}

// ---- names ----

namespace {

const std::vector<std::pair<std::string, std::string>>& globalNames() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"}};
  return names;
}

const std::vector<std::pair<std::string, std::string>>& blockNames() {
  static const std::vector<std::pair<std::string, std::string>> names = {
      {"attn_norm", "input_layernorm"},       {"ffn_norm", "post_attention_layernorm"},
      {"attn_q", "self_attn.q_proj"},         {"attn_k", "self_attn.k_proj"},
      {"attn_v", "self_attn.v_proj"},         {"attn_output", "self_attn.o_proj"},
      {"attn_q_norm", "self_attn.q_norm"},    {"attn_k_norm", "self_attn.k_norm"},
      {"ffn_gate", "mlp.gate_proj"},          {"ffn_up", "mlp.up_proj"},
      {"ffn_down", "mlp.down_proj"}};
  return names;
}

// "PREFIX<digits>.REST" → the digits and REST; false when `name` does not have that form.
bool splitLayer(const std::string& name, const std::string& prefix, std::string& layer, std::string& rest) {
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  const size_t dot = name.find('.', prefix.size());
  if (dot == std::string::npos || dot == prefix.size() || dot - prefix.size() > 6) return false;
  layer = name.substr(prefix.size(), dot - prefix.size());
  if (!std::all_of(layer.begin(), layer.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
  if (layer.size() > 1 && layer[0] == '0') return false;
  rest = name.substr(dot + 1);
  return true;
}

// Looks `name` up in the pairs, one side to the other.
std::string translate(const std::vector<std::pair<std::string, std::string>>& pairs, const std::string& name, bool fromGguf) {
  for (const auto& [gguf, hf] : pairs)
    if (name == (fromGguf ? gguf : hf)) return fromGguf ? hf : gguf;
  return "";
}

}  // namespace

std::string hfNameFromGguf(const std::string& ggufName) {
  std::string layer, rest;
  if (!splitLayer(ggufName, "blk.", layer, rest)) return translate(globalNames(), ggufName, true);
  if (rest.size() < 7 || rest.compare(rest.size() - 7, 7, ".weight") != 0) return "";
  const std::string part = translate(blockNames(), rest.substr(0, rest.size() - 7), true);
  return part.empty() ? "" : "model.layers." + layer + "." + part + ".weight";
}

std::string ggufNameFromHf(const std::string& hfName) {
  std::string layer, rest;
  if (!splitLayer(hfName, "model.layers.", layer, rest)) return translate(globalNames(), hfName, false);
  if (rest.size() < 7 || rest.compare(rest.size() - 7, 7, ".weight") != 0) return "";
  const std::string part = translate(blockNames(), rest.substr(0, rest.size() - 7), false);
  return part.empty() ? "" : "blk." + layer + "." + part + ".weight";
}

// ---- repacking ----

namespace {

float halfAt(const uint8_t* p) {
  uint16_t h;
  std::memcpy(&h, p, 2);
  return floatFromF16(h);
}

void storeF32(uint8_t* p, float v) { std::memcpy(p, &v, 4); }

// Q8_0 block: f16 d, 32 int8 q; value d*q. → int8/g32, the codes as they are.
void repackQ8_0(const uint8_t* src, int64_t K, uint8_t* dst) {
  for (int64_t b = 0; b < K / 32; ++b) {
    const uint8_t* blk = src + 34 * b;
    std::memcpy(dst + 32 * b, blk + 2, 32);
    storeF32(dst + K + 4 * b, halfAt(blk));
  }
}

// Q4_0 block: f16 d, 16 bytes (low nibble element j, high nibble j+16); value d*(q-8).
// → int4/g32: the same nibble order, the bytes as they are.
void repackQ4_0(const uint8_t* src, int64_t K, uint8_t* dst) {
  for (int64_t b = 0; b < K / 32; ++b) {
    const uint8_t* blk = src + 18 * b;
    std::memcpy(dst + 16 * b, blk + 2, 16);
    storeF32(dst + K / 2 + 4 * b, halfAt(blk));
  }
}

// The 6-bit scale and min of sub-block j (0..7) of a Q4_K super-block (llama.cpp's packing).
void q4kScaleMin(int j, const uint8_t* s, int& scale, int& min) {
  if (j < 4) {
    scale = s[j] & 63;
    min = s[j + 4] & 63;
  } else {
    scale = (s[j + 4] & 0xF) | ((s[j - 4] >> 6) << 4);
    min = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

// Q4_K super-block of 256: f16 d, f16 dmin, 12 bytes of scales/mins, 128 bytes of nibbles where
// each 64-element chunk has 32 bytes: low nibbles elements 0..31, high nibbles 32..63. Value of
// sub-block j: d*sc*q - dmin*m. → int4zp/g32 with scale d*sc and min -(dmin*m), both exact in
// f32, the nibbles moved into our order (byte j: element j low, element j+16 high).
void repackQ4_K(const uint8_t* src, int64_t K, uint8_t* dst) {
  uint8_t* scales = dst + K / 2;
  uint8_t* mins = scales + 4 * (K / 32);
  for (int64_t sb = 0; sb < K / 256; ++sb) {
    const uint8_t* blk = src + 144 * sb;
    const float d = halfAt(blk), dmin = halfAt(blk + 2);
    for (int j = 0; j < 8; ++j) {
      int sc, m;
      q4kScaleMin(j, blk + 4, sc, m);
      storeF32(scales + 4 * (sb * 8 + j), d * static_cast<float>(sc));
      storeF32(mins + 4 * (sb * 8 + j), -(dmin * static_cast<float>(m)));
    }
    for (int c = 0; c < 4; ++c) {
      const uint8_t* q = blk + 16 + 32 * c;
      uint8_t* lo = dst + 16 * (sb * 8 + 2 * c);  // our block of the chunk's elements 0..31
      uint8_t* hi = lo + 16;                      // and of 32..63
      for (int j = 0; j < 16; ++j) {
        lo[j] = static_cast<uint8_t>((q[j] & 0x0F) | (q[j + 16] << 4));
        hi[j] = static_cast<uint8_t>((q[j] >> 4) | (q[j + 16] & 0xF0));
      }
    }
  }
}

// Q6_K super-block of 256: ql[128] (low 4 bits), qh[64] (high 2 bits), int8 scales[16], f16 d;
// value d*sc[e/16]*(q-32). → int8/g16: code q-32, scale d*sc (exact in f32).
void repackQ6_K(const uint8_t* src, int64_t K, uint8_t* dst) {
  uint8_t* scales = dst + K;
  for (int64_t sb = 0; sb < K / 256; ++sb) {
    const uint8_t* blk = src + 210 * sb;
    const uint8_t *ql = blk, *qh = blk + 128;
    const float d = halfAt(blk + 208);
    for (int i = 0; i < 16; ++i) storeF32(scales + 4 * (sb * 16 + i), d * static_cast<float>(static_cast<int8_t>(blk[192 + i])));
    // Element 128*h + 32*quarter + l: low bits from ql[64h + l (+32 for odd quarters)] (low
    // nibble for quarters 0, 1, high for 2, 3), high bits from qh[32h + l] >> 2*quarter.
    for (int h = 0; h < 2; ++h)
      for (int quarter = 0; quarter < 4; ++quarter) {
        const uint8_t* low = ql + 64 * h + 32 * (quarter & 1);
        const uint8_t* high = qh + 32 * h;
        int8_t* out = reinterpret_cast<int8_t*>(dst + sb * 256 + 128 * h + 32 * quarter);
        const int nibbleShift = quarter < 2 ? 0 : 4, highShift = 2 * quarter;
        for (int l = 0; l < 32; ++l)
          out[l] = static_cast<int8_t>((((low[l] >> nibbleShift) & 0xF) | (((high[l] >> highShift) & 3) << 4)) - 32);
      }
  }
}

}  // namespace

bool ggufRepackFormat(uint32_t ggmlType, ir::QuantFormat& out) {
  switch (static_cast<GgmlType>(ggmlType)) {
    case GgmlType::Q8_0: out = {ir::QuantScheme::Int8, 32}; return true;
    case GgmlType::Q4_0: out = {ir::QuantScheme::Int4, 32}; return true;
    case GgmlType::Q4_K: out = {ir::QuantScheme::Int4Zp, 32}; return true;
    case GgmlType::Q6_K: out = {ir::QuantScheme::Int8, 16}; return true;
    default: return false;
  }
}

void repackGgufRow(uint32_t ggmlType, const uint8_t* src, int64_t K, uint8_t* dst) {
  switch (static_cast<GgmlType>(ggmlType)) {
    case GgmlType::Q8_0: repackQ8_0(src, K, dst); break;
    case GgmlType::Q4_0: repackQ4_0(src, K, dst); break;
    case GgmlType::Q4_K: repackQ4_K(src, K, dst); break;
    case GgmlType::Q6_K: repackQ6_K(src, K, dst); break;
    default: throw Error("GGUF type " + ggmlTypeName(ggmlType) + " is not repacked");
  }
}

// ---- weights ----

namespace {

bool isPlainFloat(uint32_t type, ir::DType& out) {
  switch (static_cast<GgmlType>(type)) {
    case GgmlType::F32: out = ir::DType::F32; return true;
    case GgmlType::F16: out = ir::DType::F16; return true;
    case GgmlType::BF16: out = ir::DType::BF16; return true;
    default: return false;
  }
}

// The view of a tensor in the file, or (quantized) its future place in the repacked memory:
// `at` is then its offset there, and grows by its 64-byte-aligned size.
TensorView viewOf(const GgufFile& f, const GgufTensor& t, size_t& at) {
  const std::string hf = hfNameFromGguf(t.name);
  const std::string what = f.path() + ": tensor '" + t.name + "'";
  if (hf.empty()) throw Error(what + " is not a tensor of a Qwen3 model");
  if (t.dims.size() > 2) throw Error(what + " has " + std::to_string(t.dims.size()) + " dimensions (Qwen3 weights have 1 or 2)");
  TensorView v{hf, ir::DType::F32, {}, t.data, t.bytes, &f.path(), t.offset, {}};
  v.shape.assign(t.dims.rbegin(), t.dims.rend());  // GGUF lists the innermost dimension first
  if (isPlainFloat(t.type, v.dtype)) return v;
  if (!ggufRepackFormat(t.type, v.quant))
    throw Error(what + " has type " + ggmlTypeName(t.type) +
                ", which q3c cannot read (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
  if (t.dims.size() != 2) throw Error(what + " is a 1-D vector of type " + ggmlTypeName(t.type) + " (q3c needs F32, F16 or BF16)");
  v.dtype = ir::quantDType(v.quant.scheme);
  v.bytes = static_cast<size_t>(t.dims[1] * ir::quantRowBytes(v.quant, t.dims[0]));
  v.data = reinterpret_cast<const uint8_t*>(at);  // an offset until the memory exists
  at += (v.bytes + 63) / 64 * 64;
  return v;
}

std::shared_ptr<uint8_t> allocateRepacked(size_t bytes, const std::string& path) {
  if (bytes == 0) return nullptr;
  return mapHugePages(bytes, "the repacked weights of " + path);  // as for the resident weights
}

// Rows [begin, end) of one quantized tensor: the unit of parallel repacking.
struct RepackJob {
  const GgufTensor* src;
  uint8_t* dst;
  int64_t begin, end, rowBytes;
};

void runRepackJobs(const std::vector<RepackJob>& jobs, int threads) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next++; i < jobs.size(); i = next++) {
      const RepackJob& j = jobs[i];
      const int64_t K = j.src->dims[0];
      const uint64_t srcRow = j.src->bytes / static_cast<uint64_t>(j.src->dims[1]);
      for (int64_t r = j.begin; r < j.end; ++r) repackGgufRow(j.src->type, j.src->data + r * srcRow, K, j.dst + r * j.rowBytes);
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace

bool GgufWeights::isRepacked(const TensorView& t) const {
  return repacked && t.data >= repacked.get() && t.data < repacked.get() + repackedBytes;
}

std::shared_ptr<const GgufWeights> loadGgufWeights(std::shared_ptr<const GgufFile> file, int threads) {
  auto w = std::make_shared<GgufWeights>();
  w->file = file;
  size_t at = 0;
  std::vector<std::pair<TensorView*, const GgufTensor*>> quantized;
  for (const GgufTensor& t : file->tensors()) {
    TensorView v = viewOf(*file, t, at);
    auto [it, inserted] = w->views.emplace(v.name, v);
    if (!inserted) throw Error(file->path() + ": tensors '" + t.name + "' and another both map to '" + v.name + "'");
    if (ir::isQuantized(v.dtype)) quantized.push_back({&it->second, &t});
  }
  w->repackedBytes = at;
  w->repacked = allocateRepacked(at, file->path());
  std::vector<RepackJob> jobs;
  for (auto [view, src] : quantized) {
    view->data = w->repacked.get() + reinterpret_cast<size_t>(view->data);
    const int64_t rows = src->dims[1], rowBytes = ir::quantRowBytes(view->quant, src->dims[0]);
    for (int64_t r = 0; r < rows; r += 256)
      jobs.push_back({src, const_cast<uint8_t*>(view->data), r, std::min(rows, r + 256), rowBytes});
  }
  if (threads <= 0) threads = static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, 8u));
  runRepackJobs(jobs, std::max(1, std::min<int>(threads, static_cast<int>(jobs.size()))));
  return w;
}

// ---- tokenizer ----

namespace {

// Qwen2's pre-tokenizer, normalizer and decoder exactly as Qwen3's tokenizer.json has them.
json qwen2PreTokenizer() {
  const json byteLevel = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
  const char* regex =
      R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
  return {{"type", "Sequence"},
          {"pretokenizers",
           {{{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}}, byteLevel}}};
}

json byteLevelStep() {
  return {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}};
}

enum TokenType : int64_t { kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6 };

std::vector<int64_t> tokenTypes(const GgufFile& f, size_t count) {
  const GgufValue* v = f.find("tokenizer.ggml.token_type");
  if (!v) return std::vector<int64_t>(count, kNormal);
  std::vector<int64_t> types = v->asInts(f.where("tokenizer.ggml.token_type"));
  if (types.size() != count)
    throw Error(f.where("tokenizer.ggml.token_type") + " has " + std::to_string(types.size()) + " entries for " +
                std::to_string(count) + " tokens");
  return types;
}

// vocab (token string → id) and added_tokens of tokenizer.json from the token list.
void splitTokens(const GgufFile& f, json& vocab, json& added) {
  const std::vector<std::string_view> tokens = f.require("tokenizer.ggml.tokens").asStrings(f.where("tokenizer.ggml.tokens"));
  const std::vector<int64_t> types = tokenTypes(f, tokens.size());
  for (size_t id = 0; id < tokens.size(); ++id) {
    const std::string token(tokens[id]);
    if (types[id] == kUnused) continue;  // llama.cpp's padding up to the embedding rows
    if (types[id] == kControl || types[id] == kUserDefined) {
      added.push_back({{"id", id}, {"content", token}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                       {"normalized", false}, {"special", types[id] == kControl}});
      continue;
    }
    if (vocab.contains(token)) throw Error(f.where("tokenizer.ggml.tokens") + ": token \"" + token + "\" appears twice");
    vocab[token] = id;
  }
}

}  // namespace

std::string ggufTokenizerJson(const GgufFile& f) {
  const std::string model = f.getString("tokenizer.ggml.model");
  if (model != "gpt2") throw Error(f.where("tokenizer.ggml.model") + " is '" + model + "' (q3c reads byte-level BPE, 'gpt2')");
  const std::string pre = f.getString("tokenizer.ggml.pre", "");
  if (pre != "qwen2")
    throw Error(f.where("tokenizer.ggml.pre") + " is '" + pre + "' (q3c reconstructs Qwen's pre-tokenizer, 'qwen2')");
  json vocab = json::object(), added = json::array();
  splitTokens(f, vocab, added);
  json merges = json::array();
  if (const GgufValue* m = f.find("tokenizer.ggml.merges"))
    for (std::string_view s : m->asStrings(f.where("tokenizer.ggml.merges"))) merges.push_back(std::string(s));
  json root = {{"version", "1.0"}, {"truncation", nullptr}, {"padding", nullptr}, {"added_tokens", added},
               {"normalizer", {{"type", "NFC"}}}, {"pre_tokenizer", qwen2PreTokenizer()},
               {"post_processor", byteLevelStep()}, {"decoder", byteLevelStep()}};
  root["model"] = {{"type", "BPE"}, {"dropout", nullptr}, {"unk_token", nullptr}, {"continuing_subword_prefix", ""},
                   {"end_of_word_suffix", ""}, {"fuse_unk", false}, {"byte_fallback", false}, {"ignore_merges", false},
                   {"vocab", std::move(vocab)}, {"merges", std::move(merges)}};
  try {
    return root.dump();
  } catch (const json::exception& e) {  // a token that is not valid UTF-8
    throw Error(f.where("tokenizer.ggml.tokens") + ": " + e.what());
  }
}

ordered_json ggufTokenizerConfig(const GgufFile& f) {
  const std::vector<std::string_view> tokens = f.require("tokenizer.ggml.tokens").asStrings(f.where("tokenizer.ggml.tokens"));
  ordered_json cfg = ordered_json::object();
  if (const GgufValue* b = f.find("tokenizer.ggml.add_bos_token")) cfg["add_bos_token"] = b->asBool(f.where("tokenizer.ggml.add_bos_token"));
  for (const char* name : {"bos", "eos", "pad", "unk"}) {
    const std::string key = std::string("tokenizer.ggml.") + name + "_token_id";
    const int64_t id = f.getInt(key, -1);
    if (id < 0) continue;
    if (static_cast<uint64_t>(id) >= tokens.size())
      throw Error(f.where(key) + " is " + std::to_string(id) + ", past the " + std::to_string(tokens.size()) + " tokens");
    cfg[std::string(name) + "_token"] = std::string(tokens[static_cast<size_t>(id)]);
  }
  if (f.find("tokenizer.chat_template")) cfg["chat_template"] = f.getString("tokenizer.chat_template");
  return cfg;
}

std::vector<int32_t> ggufEosIds(const GgufFile& f) {
  std::vector<int32_t> ids;
  auto add = [&](int64_t id) {
    if (id >= 0 && id <= INT32_MAX && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(static_cast<int32_t>(id));
  };
  add(f.getInt("tokenizer.ggml.eos_token_id", -1));
  add(f.getInt("tokenizer.ggml.eot_token_id", -1));
  const GgufValue* tokens = f.find("tokenizer.ggml.tokens");
  if (!tokens) return ids;
  const std::vector<std::string_view> text = tokens->asStrings(f.where("tokenizer.ggml.tokens"));
  const std::vector<int64_t> types = tokenTypes(f, text.size());
  for (size_t id = 0; id < text.size(); ++id)
    if (types[id] == kControl && (text[id] == "<|im_end|>" || text[id] == "<|endoftext|>")) add(static_cast<int64_t>(id));
  return ids;
}

}  // namespace q3c
