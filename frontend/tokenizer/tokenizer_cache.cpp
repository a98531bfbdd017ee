#include "frontend/tokenizer/tokenizer_cache.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "frontend/tokenizer/word_cache.h"

namespace q3c {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'Q', '3', 'C', 'T', 'O', 'K', '0', '2'};

class Writer {
 public:
  void u8(uint8_t v) { buf_ += static_cast<char>(v); }
  void u32(uint32_t v) { raw(&v, 4); }
  void u64(uint64_t v) { raw(&v, 8); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    buf_.append(s);
  }
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  std::string& buffer() { return buf_; }

 private:
  std::string buf_;
};

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  bool atEnd() const { return pos_ == data_.size(); }
  uint8_t u8() {
    uint8_t v = 0;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, 4);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, 8);
    return v;
  }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  // A count of items each at least `minBytes` long: bounded by what is left, so damage cannot
  // make the reader allocate without limit.
  uint32_t count(size_t minBytes) {
    uint32_t n = u32();
    if (static_cast<uint64_t>(n) * minBytes > data_.size() - pos_) ok_ = false;
    return ok_ ? n : 0;
  }
  void raw(void* p, size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return;
    }
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

std::string checksumOf(std::string_view body) {
  uint64_t h = WordCache::hash(body);
  return std::string(reinterpret_cast<const char*>(&h), 8);
}

bool writableDir(const fs::path& dir) { return !dir.empty() && access(dir.c_str(), W_OK) == 0; }

}  // namespace

CacheKey cacheKeyOf(const fs::path& json) {
  CacheKey key;
  std::error_code ec;
  key.size = fs::file_size(json, ec);
  auto t = fs::last_write_time(json, ec);
  if (!ec) key.mtimeNs = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  return key;
}

fs::path cachePathFor(const fs::path& json, bool forWriting) {
  std::error_code ec;
  fs::path abs = fs::absolute(json, ec);
  if (ec) abs = json;
  fs::path beside = abs.parent_path() / (abs.filename().string() + ".q3c-cache");
  if (!forWriting ? fs::exists(beside, ec) : writableDir(abs.parent_path())) return beside;
  // A read-only model folder: a per-user cache named after the JSON's absolute path.
  fs::path base;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) base = x;
  else if (const char* h = std::getenv("HOME"); h && *h) base = fs::path(h) / ".cache";
  else return {};
  char name[32];
  std::snprintf(name, sizeof name, "tokenizer-%016llx.bin", static_cast<unsigned long long>(WordCache::hash(abs.string())));
  fs::path dir = base / "q3c";
  if (forWriting) fs::create_directories(dir, ec);
  return dir / name;
}

bool writeTokenizerCache(const fs::path& file, const CacheKey& key, const TokenizerSpec& spec) {
  Writer w;
  w.raw(kMagic, 8);
  w.u64(key.size);
  w.u64(static_cast<uint64_t>(key.mtimeNs));
  w.u32(static_cast<uint32_t>(spec.normalizer.size()));
  for (NormalForm f : spec.normalizer) w.u8(static_cast<uint8_t>(f));
  w.u32(static_cast<uint32_t>(spec.pretokenizer.size()));
  for (const auto& s : spec.pretokenizer) {
    w.u8(static_cast<uint8_t>(s.kind));
    w.u8(s.addPrefixSpace);
    w.u8(s.useRegex);
    w.str(s.pattern);
  }
  w.u32(static_cast<uint32_t>(spec.vocab.size()));
  w.raw(spec.vocab.offsets.data(), spec.vocab.offsets.size() * sizeof(uint32_t));
  w.str(spec.vocab.bytes);
  w.u32(static_cast<uint32_t>(spec.merges.size()));
  w.raw(spec.merges.data(), spec.merges.size() * sizeof(BpeMerge));
  w.u32(static_cast<uint32_t>(spec.addedTokens.size()));
  for (const auto& a : spec.addedTokens) {
    w.u32(static_cast<uint32_t>(a.id));
    w.u8(static_cast<uint8_t>(a.special | a.normalized << 1 | a.lstrip << 2 | a.rstrip << 3 | a.singleWord << 4));
    w.str(a.content);
  }
  w.buffer() += checksumOf(w.buffer());

  std::error_code ec;
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out.write(w.buffer().data(), static_cast<std::streamsize>(w.buffer().size()));
    if (!out.flush()) {
      fs::remove(tmp, ec);
      return false;
    }
  }
  fs::rename(tmp, file, ec);
  if (ec) fs::remove(tmp, ec);
  return !ec;
}

std::optional<TokenizerSpec> readTokenizerCache(const fs::path& file, const CacheKey& key) {
  // Mapped with its pages populated in one call: cheaper than reading into fresh memory.
  int fd = open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  struct stat st {};
  void* map = fstat(fd, &st) == 0 && st.st_size > 0
                  ? mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0)
                  : MAP_FAILED;
  close(fd);
  if (map == MAP_FAILED) return std::nullopt;
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() { munmap(p, n); }
  } unmap{map, static_cast<size_t>(st.st_size)};
  std::string_view data(static_cast<const char*>(map), static_cast<size_t>(st.st_size));
  if (data.size() < 8 + 16 + 8 || std::memcmp(data.data(), kMagic, 8) != 0) return std::nullopt;
  std::string_view body(data.data(), data.size() - 8);
  if (checksumOf(body) != data.substr(body.size())) return std::nullopt;

  Reader r(body.substr(8));
  if (r.u64() != key.size || static_cast<int64_t>(r.u64()) != key.mtimeNs) return std::nullopt;
  TokenizerSpec spec;
  for (uint32_t i = 0, n = r.count(1); i < n; ++i) {
    uint8_t f = r.u8();
    if (f > static_cast<uint8_t>(NormalForm::NFKD)) return std::nullopt;
    spec.normalizer.push_back(static_cast<NormalForm>(f));
  }
  for (uint32_t i = 0, n = r.count(7); i < n; ++i) {
    PretokenizerStep s;
    s.kind = static_cast<PretokenizerStep::Kind>(r.u8() & 1);
    s.addPrefixSpace = r.u8();
    s.useRegex = r.u8();
    s.pattern = r.str();
    spec.pretokenizer.push_back(std::move(s));
  }
  uint32_t vocabSize = r.count(4);
  spec.vocab.offsets.resize(static_cast<size_t>(vocabSize) + 1);
  r.raw(spec.vocab.offsets.data(), spec.vocab.offsets.size() * sizeof(uint32_t));
  spec.vocab.bytes = r.str();
  if (spec.vocab.offsets[0] != 0) return std::nullopt;
  for (size_t i = 0; i < vocabSize; ++i)
    if (spec.vocab.offsets[i + 1] < spec.vocab.offsets[i]) return std::nullopt;
  if (spec.vocab.offsets.back() != spec.vocab.bytes.size()) return std::nullopt;
  uint32_t merges = r.count(sizeof(BpeMerge));
  spec.merges.resize(merges);
  r.raw(spec.merges.data(), merges * sizeof(BpeMerge));
  for (uint32_t i = 0, n = r.count(9); i < n; ++i) {
    AddedToken a;
    a.id = static_cast<int32_t>(r.u32());
    uint8_t flags = r.u8();
    a.special = flags & 1;
    a.normalized = flags & 2;
    a.lstrip = flags & 4;
    a.rstrip = flags & 8;
    a.singleWord = flags & 16;
    a.content = r.str();
    spec.addedTokens.push_back(std::move(a));
  }
  if (!r.ok() || !r.atEnd()) return std::nullopt;
  return spec;
}

}  // namespace q3c
