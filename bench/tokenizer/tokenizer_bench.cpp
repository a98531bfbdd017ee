// tokenizer_bench: single-thread encode throughput of q3c's Qwen3 tokenizer on a mixed text, and
// the tokenizer's load time with and without its binary cache.
//
//   tokenizer_bench TOKENIZER_JSON [--mb N] [--write-text FILE] [--text FILE] [--ids-out FILE]
//                   [--compare-ids FILE] [--runs N]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_text.h"
#include "frontend/tokenizer/tokenizer.h"

namespace {

double seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Compares q3c's ids with the {"text", "ids"} lines that hf_fuzz.mjs wrote.
int checkJsonLines(const std::string& json, const std::string& file) {
  q3c::Tokenizer tok = q3c::Tokenizer::load(json);
  std::istringstream in(readFile(file));
  size_t total = 0, bad = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    std::string text = j["text"].get<std::string>();
    ++total;
    if (tok.encode(text) == j["ids"].get<std::vector<int32_t>>()) continue;
    if (++bad <= 100) std::printf("differs: %s\n", line.c_str());
  }
  std::printf("check: %zu of %zu strings give Hugging Face's ids\n", total - bad, total);
  return bad ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: tokenizer_bench TOKENIZER_JSON [--mb N] [--write-text F] [--text F] [--ids-out F] [--compare-ids F] [--runs N]\n");
    return 2;
  }
  std::string json = argv[1], writeText, textFile, idsOut, compareIds, check;
  double mb = 8;
  int runs = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--mb") mb = std::stod(v);
    else if (k == "--write-text") writeText = v;
    else if (k == "--text") textFile = v;
    else if (k == "--ids-out") idsOut = v;
    else if (k == "--compare-ids") compareIds = v;
    else if (k == "--runs") runs = std::stoi(v);
    else if (k == "--check") check = v;
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      return 2;
    }
  }
  try {
    if (!check.empty()) return checkJsonLines(json, check);
    std::string text = textFile.empty() ? q3c::bench::mixedText(static_cast<size_t>(mb * 1e6)) : readFile(textFile);
    if (!writeText.empty()) {
      std::ofstream(writeText, std::ios::binary) << text;
      std::printf("wrote %.2f MB of mixed text to %s\n", static_cast<double>(text.size()) * 1e-6, writeText.c_str());
      return 0;
    }

    // Load time: parsing the JSON (no cache), then from the binary cache (written by the first).
    auto t0 = std::chrono::steady_clock::now();
    q3c::Tokenizer cold = q3c::Tokenizer::load(json, q3c::TokenizerLoadOptions{false});
    double coldS = seconds(t0);
    q3c::Tokenizer::load(json);  // makes sure the cache exists and is current
    t0 = std::chrono::steady_clock::now();
    q3c::Tokenizer tok = q3c::Tokenizer::load(json);
    double cachedS = seconds(t0);
    std::printf("q3c load: %.0f ms parsing tokenizer.json, %.0f ms from the binary cache (%s)\n", coldS * 1e3, cachedS * 1e3,
                tok.loadInfo().fromCache ? tok.loadInfo().cachePath.c_str() : "cache NOT used");

    // Throughput: one warm-up pass (fills the word cache, as Hugging Face's is filled), then the best of N.
    std::vector<int32_t> ids;
    tok.encode(text, ids);
    double best = 1e30;
    for (int r = 0; r < runs; ++r) {
      std::vector<int32_t> out;
      out.reserve(ids.size());
      t0 = std::chrono::steady_clock::now();
      tok.encode(text, out);
      best = std::min(best, seconds(t0));
    }
    // And once on a fresh tokenizer: every word is merged, nothing is cached yet.
    q3c::Tokenizer fresh = q3c::Tokenizer::load(json);
    t0 = std::chrono::steady_clock::now();
    std::vector<int32_t> coldIds = fresh.encode(text);
    double firstS = seconds(t0);
    double mbs = static_cast<double>(text.size()) * 1e-6;
    std::printf("q3c encode, whole text in one call: %.2f MB -> %zu tokens; %.1f MB/s (best of %d, warm), %.1f MB/s (first pass)\n",
                mbs, ids.size(), mbs / best, runs, mbs / firstS);

    // The text as documents, cut after every blank line exactly as hf_bench.mjs cuts it.
    std::vector<std::string_view> docs;
    size_t start = 0;
    for (size_t p = 2; p < text.size(); ++p)
      if (text[p - 1] == '\n' && text[p - 2] == '\n') {
        docs.emplace_back(text.data() + start, p - start);
        start = p;
      }
    docs.emplace_back(text.data() + start, text.size() - start);
    std::vector<int32_t> docIds;
    double bestDocs = 1e30;
    for (int r = 0; r < runs; ++r) {
      std::vector<int32_t> out;
      out.reserve(ids.size());
      t0 = std::chrono::steady_clock::now();
      for (std::string_view d : docs) tok.encode(d, out);
      bestDocs = std::min(bestDocs, seconds(t0));
      docIds.swap(out);
    }
    std::printf("q3c encode, %zu documents: %.1f MB/s (best of %d, warm)\n", docs.size(), mbs / bestDocs, runs);
    if (!idsOut.empty()) {
      std::ofstream out(idsOut);
      for (size_t i = 0; i < ids.size(); ++i) out << (i ? " " : "") << ids[i];
      out << "\n";
    }
    if (!compareIds.empty()) {
      std::istringstream in(readFile(compareIds));
      std::vector<int32_t> other;
      for (int32_t v; in >> v;) other.push_back(v);
      size_t firstDiff = 0;
      while (firstDiff < ids.size() && firstDiff < other.size() && ids[firstDiff] == other[firstDiff]) ++firstDiff;
      if (other == ids) std::printf("ids: identical to %s (%zu tokens)\n", compareIds.c_str(), ids.size());
      else std::printf("ids: DIFFER from %s at token %zu (%zu vs %zu tokens)\n", compareIds.c_str(), firstDiff, ids.size(), other.size());
      std::istringstream docsIn(readFile(compareIds + ".docs"));
      std::vector<int32_t> otherDocs;
      for (int32_t v; docsIn >> v;) otherDocs.push_back(v);
      std::printf("ids of the documents: %s\n", otherDocs == docIds ? "identical" : "DIFFER");
      if (other != ids || otherDocs != docIds) return 1;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
