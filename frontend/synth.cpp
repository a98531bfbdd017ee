#include "frontend/synth.h"

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "frontend/error.h"
#include "frontend/safetensors.h"

namespace q3c {

namespace {

using nlohmann::json;
namespace fs = std::filesystem;

using Preset = SynthShape;

const Preset kPresets[] = {
    {"tiny", 151936, 128, 384, 4, 4, 2, 32, 40960, true, 1},
    {"qwen3-0.6b", 151936, 1024, 3072, 28, 16, 8, 128, 40960, true, 1},
    {"qwen3-1.7b", 151936, 2048, 6144, 28, 16, 8, 128, 40960, true, 2},
    {"qwen3-4b", 151936, 2560, 9728, 36, 32, 8, 128, 40960, true, 3},
    {"qwen3-8b", 151936, 4096, 12288, 36, 32, 8, 128, 40960, false, 5},
};

}  // namespace

SynthShape synthPreset(const std::string& name) {
  for (const Preset& p : kPresets)
    if (name == p.name) return p;
  std::string known;
  for (const Preset& p : kPresets) known += std::string(known.empty() ? "" : ", ") + p.name;
  throw Error("unknown preset '" + name + "' (known: " + known + ")");
}

namespace {

// A tensor to synthesize: values uniform in center ± halfWidth.
struct SynthTensor {
  SafetensorsWriter::Spec spec;
  float center, halfWidth;
};

std::vector<SynthTensor> tensorsOf(const Preset& p, ir::DType dt) {
  std::vector<SynthTensor> out;
  const float sqrt3 = std::sqrt(3.0f);
  // Uniform with standard deviation `stddev`.
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, float stddev) {
    out.push_back({{name, dt, {rows, cols}}, 0.0f, stddev * sqrt3});
  };
  auto norm = [&](const std::string& name, int64_t n) { out.push_back({{name, dt, {n}}, 1.0f, 0.1f}); };
  const int64_t H = p.hidden, D = p.headDim, I = p.intermediate;
  // Projections keep unit-variance outputs (1/sqrt(fan_in)); the two that write into the
  // residual stream are scaled down by depth so the residual stays O(1) over all layers.
  const float residualScale = 1.0f / std::sqrt(2.0f * static_cast<float>(p.layers));
  matrix("model.embed_tokens.weight", p.vocab, H, 2.0f / std::sqrt(static_cast<float>(H)));
  for (int64_t i = 0; i < p.layers; ++i) {
    std::string l = "model.layers." + std::to_string(i) + ".";
    norm(l + "input_layernorm.weight", H);
    matrix(l + "self_attn.q_proj.weight", p.heads * D, H, 1.0f / std::sqrt(float(H)));
    matrix(l + "self_attn.k_proj.weight", p.kvHeads * D, H, 1.0f / std::sqrt(float(H)));
    matrix(l + "self_attn.v_proj.weight", p.kvHeads * D, H, 1.0f / std::sqrt(float(H)));
    matrix(l + "self_attn.o_proj.weight", H, p.heads * D, residualScale / std::sqrt(float(p.heads * D)));
    norm(l + "self_attn.q_norm.weight", D);
    norm(l + "self_attn.k_norm.weight", D);
    norm(l + "post_attention_layernorm.weight", H);
    matrix(l + "mlp.gate_proj.weight", I, H, 1.0f / std::sqrt(float(H)));
    matrix(l + "mlp.up_proj.weight", I, H, 1.0f / std::sqrt(float(H)));
    matrix(l + "mlp.down_proj.weight", H, I, residualScale / std::sqrt(float(I)));
  }
  norm("model.norm.weight", H);
  if (!p.tied) matrix("lm_head.weight", p.vocab, H, 1.0f / std::sqrt(float(H)));
  return out;
}

uint64_t splitmix64(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t hashName(const std::string& s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

uint16_t toBf16(float f) {  // round to nearest even; values here are finite
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u += 0x7fff + ((u >> 16) & 1);
  return static_cast<uint16_t>(u >> 16);
}

// Streams one tensor's values in chunks; the values depend only on (seed, name), not on
// sharding or chunk size.
void writeTensor(SafetensorsWriter& w, const SynthTensor& t, uint64_t seed, std::vector<uint8_t>& buf,
                 const std::function<void(size_t)>& onBytes) {
  const size_t elemSize = static_cast<size_t>(ir::dtypeSize(t.spec.dtype));
  const size_t total = SafetensorsWriter::byteSize(t.spec) / elemSize;
  const size_t chunk = buf.size() / elemSize;
  uint64_t state = hashName(t.spec.name, seed);
  const float scale = t.halfWidth / 2147483648.0f;  // int32 -> [-halfWidth, halfWidth)
  for (size_t at = 0; at < total; at += chunk) {
    size_t n = std::min(chunk, total - at);
    for (size_t i = 0; i < n; i += 2) {
      uint64_t r = splitmix64(state);
      float v[2] = {t.center + static_cast<float>(static_cast<int32_t>(r)) * scale,
                    t.center + static_cast<float>(static_cast<int32_t>(r >> 32)) * scale};
      for (size_t k = 0; k < 2 && i + k < n; ++k) {
        if (t.spec.dtype == ir::DType::BF16) {
          uint16_t b = toBf16(v[k]);
          std::memcpy(buf.data() + (i + k) * 2, &b, 2);
        } else {
          std::memcpy(buf.data() + (i + k) * 4, &v[k], 4);
        }
      }
    }
    w.write(buf.data(), n * elemSize);
    onBytes(n * elemSize);
  }
}

json configJson(const Preset& p, ir::DType dt) {
  return {{"architectures", {"Qwen3ForCausalLM"}},
          {"attention_bias", false},
          {"attention_dropout", 0.0},
          {"bos_token_id", 151643},
          {"eos_token_id", 151645},
          {"head_dim", p.headDim},
          {"hidden_act", "silu"},
          {"hidden_size", p.hidden},
          {"initializer_range", 0.02},
          {"intermediate_size", p.intermediate},
          {"max_position_embeddings", p.maxPos},
          {"max_window_layers", p.layers},
          {"model_type", "qwen3"},
          {"num_attention_heads", p.heads},
          {"num_hidden_layers", p.layers},
          {"num_key_value_heads", p.kvHeads},
          {"rms_norm_eps", 1e-06},
          {"rope_scaling", p.ropeType == "default" ? json(nullptr)
                                                   : json{{"rope_type", p.ropeType},
                                                          {"factor", p.ropeFactor},
                                                          {"original_max_position_embeddings", p.ropeOriginalMax}}},
          {"rope_theta", p.ropeTheta == std::floor(p.ropeTheta) ? json(static_cast<int64_t>(p.ropeTheta)) : json(p.ropeTheta)},
          {"sliding_window", nullptr},
          {"tie_word_embeddings", p.tied},
          {"torch_dtype", dt == ir::DType::BF16 ? "bfloat16" : "float32"},
          {"transformers_version", "4.51.0"},
          {"use_cache", true},
          {"use_sliding_window", false},
          {"vocab_size", p.vocab}};
}

json generationConfigJson() {
  return {{"bos_token_id", 151643}, {"do_sample", true}, {"eos_token_id", {151645, 151643}},
          {"pad_token_id", 151643}, {"temperature", 0.6},  {"top_k", 20},
          {"top_p", 0.95},          {"transformers_version", "4.51.0"}};
}

void writeText(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error(path.string() + ": write failed");
}

void copyTokenizerFiles(const fs::path& from, const fs::path& to) {
  for (const char* name : {"tokenizer.json", "tokenizer_config.json", "generation_config.json"}) {
    if (!fs::exists(from / name)) continue;
    std::error_code ec;
    fs::copy_file(from / name, to / name, fs::copy_options::overwrite_existing, ec);
    if (ec) throw Error((from / name).string() + ": cannot copy into " + to.string() + ": " + ec.message());
  }
}

}  // namespace

std::vector<std::string> synthPresets() {
  std::vector<std::string> names;
  for (const Preset& p : kPresets) names.push_back(p.name);
  return names;
}

uint64_t synthesizeModel(const SynthOptions& opt) {
  const Preset& p = opt.shape;
  if (p.shards < 1 || p.vocab < 1 || p.hidden < 1 || p.layers < 1 || p.heads < 1 || p.kvHeads < 1 || p.headDim < 2)
    throw Error("synth: invalid model shape");
  if (opt.dtype != ir::DType::BF16 && opt.dtype != ir::DType::F32) throw Error("synth writes bf16 or f32 weights");
  if (!opt.tokenizerDir.empty() && !fs::is_directory(opt.tokenizerDir))
    throw Error(opt.tokenizerDir + ": not a tokenizer directory");
  fs::path dir(opt.outDir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error(opt.outDir + ": cannot create directory: " + ec.message());

  std::vector<SynthTensor> tensors = tensorsOf(p, opt.dtype);
  uint64_t total = 0;
  for (const SynthTensor& t : tensors) total += SafetensorsWriter::byteSize(t.spec);

  // Split in order into shards of about equal size, as Hugging Face checkpoints are.
  std::vector<std::vector<const SynthTensor*>> shards(p.shards);
  uint64_t acc = 0;
  for (const SynthTensor& t : tensors) {
    size_t s = std::min<size_t>(p.shards - 1, acc * p.shards / total);
    shards[s].push_back(&t);
    acc += SafetensorsWriter::byteSize(t.spec);
  }

  std::vector<uint8_t> buf(4 << 20);
  uint64_t done = 0, lastReport = 0;
  auto onBytes = [&](size_t n) {
    done += n;
    if (opt.progress && (done - lastReport >= (256u << 20) || done == total)) {
      opt.progress(done, total);
      lastReport = done;
    }
  };
  json weightMap = json::object();
  for (int s = 0; s < p.shards; ++s) {
    std::string file = p.shards == 1 ? "model.safetensors"
                                     : "model-" + std::string(5 - std::to_string(s + 1).size(), '0') + std::to_string(s + 1) +
                                           "-of-" + std::string(5 - std::to_string(p.shards).size(), '0') +
                                           std::to_string(p.shards) + ".safetensors";
    std::vector<SafetensorsWriter::Spec> specs;
    for (const SynthTensor* t : shards[s]) {
      specs.push_back(t->spec);
      weightMap[t->spec.name] = file;
    }
    SafetensorsWriter w((dir / file).string(), specs, {{"format", "pt"}});
    for (const SynthTensor* t : shards[s]) writeTensor(w, *t, opt.seed, buf, onBytes);
    w.finish();
  }
  if (p.shards > 1) {
    json index = {{"metadata", {{"total_size", total}}}, {"weight_map", weightMap}};
    writeText(dir / "model.safetensors.index.json", index.dump(2) + "\n");
  } else {
    fs::remove(dir / "model.safetensors.index.json", ec);  // a stale index would shadow the file
  }
  writeText(dir / "config.json", configJson(p, opt.dtype).dump(2) + "\n");
  writeText(dir / "generation_config.json", generationConfigJson().dump(2) + "\n");
  if (!opt.tokenizerDir.empty()) copyTokenizerFiles(opt.tokenizerDir, dir);
  return total;
}

}  // namespace q3c
