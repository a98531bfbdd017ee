#include "frontend/model_config.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "frontend/error.h"

namespace q3c {

namespace {

using nlohmann::json;

class ConfigReader {
 public:
  ConfigReader(const json& j, std::string origin) : j_(j), origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& msg) const { throw Error(origin_ + ": " + msg); }

  bool has(const json& obj, const char* key) const { return obj.contains(key) && !obj[key].is_null(); }

  int64_t positiveInt(const json& obj, const char* key) const {
    if (!has(obj, key)) fail(std::string("missing field '") + key + "'");
    const json& v = obj[key];
    if (!v.is_number_integer() || v.get<int64_t>() <= 0)
      fail(std::string("field '") + key + "' must be a positive integer, got " + v.dump());
    return v.get<int64_t>();
  }
  int64_t positiveInt(const json& obj, const char* key, int64_t fallback) const {
    return has(obj, key) ? positiveInt(obj, key) : fallback;
  }
  double positiveNumber(const json& obj, const char* key, double fallback) const {
    if (!has(obj, key)) return fallback;
    const json& v = obj[key];
    if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()))
      fail(std::string("field '") + key + "' must be a positive number, got " + v.dump());
    return v.get<double>();
  }
  bool boolean(const json& obj, const char* key, bool fallback) const {
    if (!has(obj, key)) return fallback;
    if (!obj[key].is_boolean()) fail(std::string("field '") + key + "' must be true or false");
    return obj[key].get<bool>();
  }
  std::string string(const json& obj, const char* key, const std::string& fallback) const {
    if (!has(obj, key)) return fallback;
    if (!obj[key].is_string()) fail(std::string("field '") + key + "' must be a string");
    return obj[key].get<std::string>();
  }

  ModelConfig read() const {
    if (!j_.is_object()) fail("config is not a JSON object");
    std::string modelType = string(j_, "model_type", "");
    if (modelType.empty()) fail("missing field 'model_type'");
    if (modelType != "qwen3")
      fail("unsupported model_type '" + modelType + "' (q3c runs dense Qwen3 models, model_type 'qwen3')");
    if (string(j_, "hidden_act", "silu") != "silu")
      fail("unsupported hidden_act '" + string(j_, "hidden_act", "") + "' (Qwen3 uses silu)");
    if (boolean(j_, "attention_bias", false)) fail("attention_bias=true is not supported (Qwen3 has none)");
    if (boolean(j_, "use_sliding_window", false)) fail("use_sliding_window=true is not supported");

    ModelConfig c;
    c.vocabSize = positiveInt(j_, "vocab_size");
    c.hiddenSize = positiveInt(j_, "hidden_size");
    c.intermediateSize = positiveInt(j_, "intermediate_size");
    c.numLayers = positiveInt(j_, "num_hidden_layers");
    c.numHeads = positiveInt(j_, "num_attention_heads");
    c.numKvHeads = positiveInt(j_, "num_key_value_heads", c.numHeads);
    if (c.numHeads % c.numKvHeads)
      fail("num_attention_heads (" + std::to_string(c.numHeads) + ") is not divisible by num_key_value_heads (" +
           std::to_string(c.numKvHeads) + ")");
    if (!has(j_, "head_dim") && c.hiddenSize % c.numHeads)
      fail("no head_dim given and hidden_size is not divisible by num_attention_heads");
    c.headDim = positiveInt(j_, "head_dim", c.hiddenSize / c.numHeads);
    if (c.headDim % 2) fail("head_dim must be even for rotary embeddings, got " + std::to_string(c.headDim));
    c.maxPositionEmbeddings = positiveInt(j_, "max_position_embeddings", 32768);
    c.rmsNormEps = positiveNumber(j_, "rms_norm_eps", 1e-6);
    c.tieWordEmbeddings = boolean(j_, "tie_word_embeddings", false);
    c.torchDtype = string(j_, has(j_, "dtype") ? "dtype" : "torch_dtype", "");
    c.rope = readRope(c);
    return c;
  }

 private:
  const json& j_;
  std::string origin_;

  // Legacy layout keeps rope_theta at the top and scaling in rope_scaling; transformers 5 keeps
  // both in rope_parameters. Either may be absent or null.
  ir::RopeParams readRope(const ModelConfig& c) const {
    json params = json::object();
    if (has(j_, "rope_parameters")) {
      if (!j_["rope_parameters"].is_object()) fail("field 'rope_parameters' must be an object");
      params = j_["rope_parameters"];
    } else if (has(j_, "rope_scaling")) {
      if (!j_["rope_scaling"].is_object()) fail("field 'rope_scaling' must be an object");
      params = j_["rope_scaling"];
    }
    ir::RopeParams p;
    p.theta = positiveNumber(params, "rope_theta", positiveNumber(j_, "rope_theta", 10000.0));
    std::string type = string(params, "rope_type", string(params, "type", "default"));
    p.scaling = type;
    if (type == "default") return p;
    if (type == "linear") {
      p.factor = positiveNumber(params, "factor", 0);
      if (p.factor == 0) fail("rope type 'linear' needs a 'factor'");
      return p;
    }
    if (type != "yarn")
      fail("unsupported rope type '" + type + "' (supported: default, linear, yarn)");
    p.factor = positiveNumber(params, "factor", 0);
    if (p.factor == 0) fail("rope type 'yarn' needs a 'factor'");
    p.originalMaxPosition = positiveInt(params, "original_max_position_embeddings", c.maxPositionEmbeddings);
    p.betaFast = positiveNumber(params, "beta_fast", 32.0);
    p.betaSlow = positiveNumber(params, "beta_slow", 1.0);
    p.truncate = boolean(params, "truncate", true);
    // transformers: attention_factor if given, else from mscale/mscale_all_dim, else 0.1 ln(s) + 1.
    auto mscale = [](double scale, double m) { return scale <= 1 ? 1.0 : 0.1 * m * std::log(scale) + 1.0; };
    if (has(params, "attention_factor")) {
      p.attentionFactor = positiveNumber(params, "attention_factor", 1.0);
    } else if (has(params, "mscale") && has(params, "mscale_all_dim")) {
      p.attentionFactor = mscale(p.factor, positiveNumber(params, "mscale", 1)) /
                          mscale(p.factor, positiveNumber(params, "mscale_all_dim", 1));
    } else {
      p.attentionFactor = mscale(p.factor, 1.0);
    }
    return p;
  }
};

}  // namespace

ModelConfig ModelConfig::fromJsonText(const std::string& text, const std::string& origin) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw Error(origin + ": not valid JSON");
  return ConfigReader(j, origin).read();
}

ModelConfig ModelConfig::load(const std::string& dirOrFile) {
  namespace fs = std::filesystem;
  fs::path path = fs::is_directory(dirOrFile) ? fs::path(dirOrFile) / "config.json" : fs::path(dirOrFile);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open (is this a Qwen3 model directory?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return fromJsonText(ss.str(), path.string());
}

}  // namespace q3c
