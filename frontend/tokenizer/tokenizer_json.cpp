// Reads tokenizer.json (Hugging Face tokenizers' serialization) into a TokenizerSpec.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "frontend/error.h"
#include "frontend/tokenizer/byte_level.h"
#include "frontend/tokenizer/tokenizer_spec.h"

namespace q3c {

namespace {

using nlohmann::json;

class TokenizerJsonReader {
 public:
  explicit TokenizerJsonReader(std::string origin) : origin_(std::move(origin)) {}

  [[noreturn]] void fail(const std::string& msg) const { throw Error(origin_ + ": " + msg); }

  TokenizerSpec read(const json& root) {
    if (!root.is_object()) fail("not a tokenizer.json (the top level is not a JSON object)");
    TokenizerSpec spec;
    if (!root.contains("model") || !root["model"].is_object()) fail("missing 'model' object");
    readModel(root["model"], spec);
    if (root.contains("added_tokens")) readAddedTokens(root["added_tokens"], spec);
    if (root.contains("normalizer")) readNormalizer(root["normalizer"], spec.normalizer, "normalizer");
    if (root.contains("pre_tokenizer")) readPretokenizer(root["pre_tokenizer"], spec.pretokenizer, "pre_tokenizer");
    if (root.contains("decoder")) readDecoder(root["decoder"]);
    // post_processor only adds special tokens when asked to; q3c's encode never asks (like
    // add_special_tokens=False), so it is not needed.
    return spec;
  }

 private:
  std::string type(const json& obj, const std::string& where) const {
    if (!obj.is_object()) fail("'" + where + "' must be an object or null");
    if (!obj.contains("type") || !obj["type"].is_string()) fail("'" + where + "' has no 'type'");
    return obj["type"].get<std::string>();
  }

  static bool flag(const json& obj, const char* key, bool fallback = false) {
    return obj.contains(key) && obj[key].is_boolean() ? obj[key].get<bool>() : fallback;
  }

  void readModel(const json& model, TokenizerSpec& spec) {
    std::string t = model.contains("type") ? type(model, "model") : "BPE";
    if (t != "BPE") fail("unsupported model type '" + t + "' (q3c supports byte-level BPE)");
    if (!model.contains("vocab") || !model["vocab"].is_object()) fail("model has no 'vocab' object");
    if (!model.contains("merges") || !model["merges"].is_array()) fail("model has no 'merges' array");
    if (flag(model, "byte_fallback")) fail("unsupported BPE option byte_fallback=true");
    if (flag(model, "ignore_merges")) fail("unsupported BPE option ignore_merges=true");
    for (const char* key : {"continuing_subword_prefix", "end_of_word_suffix"})
      if (model.contains(key) && !model[key].is_null() && model[key] != "")
        fail(std::string("unsupported BPE option ") + key + "=" + model[key].dump());
    if (model.contains("dropout") && !model["dropout"].is_null() && model["dropout"].get<double>() != 0.0)
      fail("unsupported BPE option dropout=" + model["dropout"].dump());

    // Token strings are byte-level characters; merges name tokens by those strings.
    const json& vocab = model["vocab"];
    std::unordered_map<std::string_view, int32_t> idOf;
    idOf.reserve(vocab.size());
    int64_t maxId = -1;
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer()) fail("vocab entry \"" + it.key() + "\" has no integer id");
      int64_t id = it.value().get<int64_t>();
      if (id < 0 || id >= (1 << 30)) fail("vocab entry \"" + it.key() + "\" has id " + std::to_string(id) + " out of range");
      maxId = std::max(maxId, id);
      idOf.emplace(it.key(), static_cast<int32_t>(id));
    }
    if (idOf.size() != vocab.size()) fail("vocab has repeated tokens");
    std::vector<std::string> byId(static_cast<size_t>(maxId + 1));
    std::vector<bool> seen(static_cast<size_t>(maxId + 1));
    for (auto [token, id] : idOf) {
      if (seen[static_cast<size_t>(id)]) fail("vocab gives id " + std::to_string(id) + " to two tokens");
      seen[static_cast<size_t>(id)] = true;
      byId[static_cast<size_t>(id)] = byte_level::decodeToken(token);
    }
    for (const auto& t : byId) spec.vocab.push_back(t);

    const json& merges = model["merges"];
    spec.merges.reserve(merges.size());
    std::string joined;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const json& m = merges[rank];
      std::string_view left, right;
      if (m.is_string()) {  // the older "a b" form
        const std::string& s = m.get_ref<const std::string&>();
        size_t space = s.find(' ');
        if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
          fail("merge " + std::to_string(rank) + " \"" + s + "\" is not two tokens separated by one space");
        left = std::string_view(s).substr(0, space);
        right = std::string_view(s).substr(space + 1);
      } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        left = m[0].get_ref<const std::string&>();
        right = m[1].get_ref<const std::string&>();
      } else {
        fail("merge " + std::to_string(rank) + " is neither \"a b\" nor [\"a\", \"b\"]: " + m.dump());
      }
      joined.assign(left).append(right);
      auto a = idOf.find(left), b = idOf.find(right), r = idOf.find(joined);
      if (a == idOf.end() || b == idOf.end())
        fail("merge " + std::to_string(rank) + " (\"" + std::string(left) + "\", \"" + std::string(right) +
             "\") uses a token that is not in the vocab");
      if (r == idOf.end())
        fail("merge " + std::to_string(rank) + " makes \"" + joined + "\", which is not in the vocab");
      spec.merges.push_back({a->second, b->second, r->second});
    }
  }

  void readAddedTokens(const json& list, TokenizerSpec& spec) {
    if (!list.is_array()) fail("'added_tokens' must be an array");
    for (const json& t : list) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
          !t["content"].is_string())
        fail("added token without integer 'id' and string 'content': " + t.dump());
      AddedToken a;
      int64_t id = t["id"].get<int64_t>();
      if (id < 0 || id >= (1 << 30)) fail("added token " + t["content"].dump() + " has id out of range");
      a.id = static_cast<int32_t>(id);
      a.content = t["content"].get<std::string>();
      if (a.content.empty()) fail("added token " + std::to_string(id) + " is empty");
      a.special = flag(t, "special");
      a.normalized = flag(t, "normalized", !a.special);  // Hugging Face's default
      a.lstrip = flag(t, "lstrip");
      a.rstrip = flag(t, "rstrip");
      a.singleWord = flag(t, "single_word");
      spec.addedTokens.push_back(std::move(a));
    }
  }

  void readNormalizer(const json& n, std::vector<NormalForm>& out, const std::string& where) {
    if (n.is_null()) return;
    std::string t = type(n, where);
    if (t == "Sequence") {
      if (!n.contains("normalizers") || !n["normalizers"].is_array()) fail("'" + where + "' Sequence has no 'normalizers' list");
      for (size_t i = 0; i < n["normalizers"].size(); ++i)
        readNormalizer(n["normalizers"][i], out, where + "[" + std::to_string(i) + "]");
    } else if (t == "NFC") out.push_back(NormalForm::NFC);
    else if (t == "NFD") out.push_back(NormalForm::NFD);
    else if (t == "NFKC") out.push_back(NormalForm::NFKC);
    else if (t == "NFKD") out.push_back(NormalForm::NFKD);
    else fail("unsupported " + where + " type '" + t + "' (q3c supports NFC, NFD, NFKC, NFKD and Sequence)");
  }

  void readPretokenizer(const json& p, std::vector<PretokenizerStep>& out, const std::string& where) {
    if (p.is_null()) return;
    std::string t = type(p, where);
    if (t == "Sequence") {
      if (!p.contains("pretokenizers") || !p["pretokenizers"].is_array()) fail("'" + where + "' Sequence has no 'pretokenizers' list");
      for (size_t i = 0; i < p["pretokenizers"].size(); ++i)
        readPretokenizer(p["pretokenizers"][i], out, where + "[" + std::to_string(i) + "]");
    } else if (t == "Split") {
      PretokenizerStep step;
      step.kind = PretokenizerStep::Kind::Split;
      const json* pattern = p.contains("pattern") ? &p["pattern"] : nullptr;
      if (pattern && pattern->is_object() && pattern->contains("Regex") && (*pattern)["Regex"].is_string())
        step.pattern = (*pattern)["Regex"].get<std::string>();
      else if (pattern && pattern->is_object() && pattern->contains("String") && (*pattern)["String"].is_string())
        step.pattern = quoteRegex((*pattern)["String"].get<std::string>());
      else fail("'" + where + "' Split has no pattern {\"Regex\": ...} or {\"String\": ...}");
      std::string behavior = p.contains("behavior") && p["behavior"].is_string() ? p["behavior"].get<std::string>() : "";
      if (behavior != "Isolated") fail("unsupported Split behavior '" + behavior + "' in '" + where + "' (q3c supports Isolated)");
      if (flag(p, "invert")) fail("unsupported Split option invert=true in '" + where + "'");
      out.push_back(std::move(step));
    } else if (t == "ByteLevel") {
      PretokenizerStep step;
      step.kind = PretokenizerStep::Kind::ByteLevel;
      step.addPrefixSpace = flag(p, "add_prefix_space", true);
      step.useRegex = flag(p, "use_regex", true);
      out.push_back(step);
    } else {
      fail("unsupported " + where + " type '" + t + "' (q3c supports Split, ByteLevel and Sequence)");
    }
  }

  void readDecoder(const json& d) {
    if (d.is_null()) fail("'decoder' is null (q3c needs the ByteLevel decoder)");
    std::string t = type(d, "decoder");
    if (t != "ByteLevel") fail("unsupported decoder type '" + t + "' (q3c supports ByteLevel)");
  }

  static std::string quoteRegex(const std::string& literal) {
    std::string out;
    for (char c : literal) {
      if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
      out += c;
    }
    return out;
  }

  std::string origin_;
};

}  // namespace

TokenizerSpec parseTokenizerJson(std::string_view text, const std::string& origin) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(origin + ": not valid JSON: " + e.what());
  }
  try {
    return TokenizerJsonReader(origin).read(root);
  } catch (const json::exception& e) {  // a field of the wrong JSON type deep inside
    throw Error(origin + ": unexpected content: " + e.what());
  }
}

}  // namespace q3c
