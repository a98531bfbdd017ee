#include "frontend/tokenizer/tokenizer.h"

#include <chrono>
#include <deque>
#include <fstream>

#include "frontend/error.h"
#include "frontend/tokenizer/byte_level.h"
#include "frontend/tokenizer/tokenizer_cache.h"
#include "frontend/tokenizer/utf8.h"
#include "frontend/tokenizer/word_cache.h"

namespace q3c {

namespace fs = std::filesystem;

namespace {

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path.string() + ": cannot open");
  in.seekg(0, std::ios::end);
  std::string data(static_cast<size_t>(in.tellg()), '\0');
  in.seekg(0);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!in) throw Error(path.string() + ": cannot read");
  return data;
}

double secondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

Tokenizer Tokenizer::load(const fs::path& dirOrFile, const TokenizerLoadOptions& options) {
  auto t0 = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::path json = fs::is_directory(dirOrFile, ec) ? dirOrFile / "tokenizer.json" : dirOrFile;
  if (!fs::exists(json, ec)) throw Error(json.string() + ": not found (a tokenizer.json or a model folder holding one)");
  TokenizerLoadInfo info;
  info.jsonPath = json;
  std::optional<TokenizerSpec> spec;
  CacheKey key = cacheKeyOf(json);
  if (options.useCache) {
    info.cachePath = cachePathFor(json, false);
    if (!info.cachePath.empty()) spec = readTokenizerCache(info.cachePath, key);
    info.fromCache = spec.has_value();
  }
  if (!spec) spec = parseTokenizerJson(readFile(json), json.string());
  Tokenizer tok(*spec, json.string());
  if (options.useCache && !info.fromCache) {
    info.cachePath = cachePathFor(json, true);
    info.cacheWritten = !info.cachePath.empty() && writeTokenizerCache(info.cachePath, key, *spec);
  }
  info.seconds = secondsSince(t0);
  tok.loadInfo_ = info;
  return tok;
}

Tokenizer Tokenizer::fromJson(std::string_view json, const std::string& origin) {
  return Tokenizer(parseTokenizerJson(json, origin), origin);
}

Tokenizer::Tokenizer(TokenizerSpec spec, std::string origin)
    : origin_(std::move(origin)),
      normalizer_(spec.normalizer),
      pretokenizer_(spec.pretokenizer),
      bpe_(std::move(spec.vocab), spec.merges, origin_),
      added_(spec.addedTokens),
      rawAdded_(spec.addedTokens, false),
      normalizedAdded_(spec.addedTokens, true),
      cacheMutex_(std::make_unique<std::mutex>()),
      cache_(std::make_unique<WordCache>()) {
  size_t n = bpe_.vocabSize();
  for (const auto& a : added_) n = std::max(n, static_cast<size_t>(a.id) + 1);
  idKind_.assign(n, 0);
  for (const auto& a : added_) {
    idKind_[static_cast<size_t>(a.id)] = a.special ? 2 : 1;
    // Hugging Face passes added tokens through the ByteLevel decoder too.
    addedBytes_[a.id] = byte_level::decodeToken(a.content);
  }
  // The normalized ones are matched after normalization: normalize their content the same way.
  for (auto& a : added_)
    if (a.normalized) normalizer_.apply(std::string(a.content), a.content);
  normalizedAdded_ = AddedTokenMatcher(added_, true);
}

Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  std::vector<int32_t> out;
  encode(text, out);
  return out;
}

void Tokenizer::encode(std::string_view text, std::vector<int32_t>& out) const {
  size_t bad = 0;
  if (!utf8::isValid(text, &bad))
    throw Error("text to tokenize is not valid UTF-8 (byte " + std::to_string(bad) + " of " + std::to_string(text.size()) + ")");
  std::vector<Segment> segments;
  rawAdded_.split(text, segments);
  std::vector<std::string_view> pieces;
  std::lock_guard lock(*cacheMutex_);
  for (const Segment& s : segments) {
    if (s.id >= 0) out.push_back(s.id);
    else if (!s.text.empty()) encodeText(s.text, out, pieces);
  }
}

void Tokenizer::encodeText(std::string_view text, std::vector<int32_t>& out, std::vector<std::string_view>& pieces) const {
  std::string normalized;
  std::string_view view = normalizer_.apply(text, normalized) ? std::string_view(normalized) : text;
  if (normalizedAdded_.empty()) {
    encodePieces(view, out, pieces);
    return;
  }
  std::vector<Segment> segments;
  normalizedAdded_.split(view, segments);
  for (const Segment& s : segments) {
    if (s.id >= 0) out.push_back(s.id);
    else if (!s.text.empty()) encodePieces(s.text, out, pieces);
  }
}

void Tokenizer::encodePieces(std::string_view text, std::vector<int32_t>& out, std::vector<std::string_view>& pieces) const {
  // Pieces are made and encoded a batch at a time so that long text never needs one huge list.
  constexpr size_t kBatch = 2048;
  std::deque<std::string> storage;
  for (size_t pos = 0; pos < text.size();) {
    pos = pretokenizer_.split(text, pos, pieces, storage, kBatch);
    for (std::string_view piece : pieces) {
      uint64_t h = WordCache::hash(piece);
      const int32_t* ids;
      uint32_t count;
      if (cache_->find(piece, h, &ids, &count)) {
        out.insert(out.end(), ids, ids + count);
        continue;
      }
      size_t first = out.size();
      bpe_.encode(piece, out);
      cache_->insert(piece, h, out.data() + first, static_cast<uint32_t>(out.size() - first));
    }
  }
}

void Tokenizer::checkId(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= idKind_.size())
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " + origin_ + " (0.." +
                std::to_string(idKind_.size() - 1) + ")");
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skipSpecialTokens) const {
  std::string bytes;
  for (int32_t id : ids) {
    checkId(id);
    if (skipSpecialTokens && idKind_[static_cast<size_t>(id)] == 2) continue;
    bytes.append(tokenBytes(id));
  }
  return utf8::isValid(bytes) ? bytes : utf8::lossy(bytes);
}

std::string_view Tokenizer::tokenBytes(int32_t id) const {
  checkId(id);
  if (idKind_[static_cast<size_t>(id)] != 0) return addedBytes_.find(id)->second;
  return static_cast<size_t>(id) < bpe_.vocabSize() ? bpe_.tokenBytes(id) : std::string_view();
}

bool Tokenizer::isSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < idKind_.size() && idKind_[static_cast<size_t>(id)] == 2;
}

bool Tokenizer::isAdded(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < idKind_.size() && idKind_[static_cast<size_t>(id)] != 0;
}

std::optional<int32_t> Tokenizer::tokenId(std::string_view content) const {
  for (const auto& a : added_)
    if (a.content == content) return a.id;
  for (size_t id = 0; id < bpe_.vocabSize(); ++id)
    if (bpe_.tokenBytes(static_cast<int32_t>(id)) == content) return static_cast<int32_t>(id);
  return std::nullopt;
}

}  // namespace q3c
