#include "frontend/gguf.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "frontend/error.h"

namespace q3c {

namespace {

constexpr int kMaxArrayDepth = 8;     // nested arrays deeper than this are surely garbage
constexpr uint32_t kMaxDims = 4;      // GGML_MAX_DIMS
constexpr uint64_t kMaxNumel = uint64_t(1) << 56;

// Bytes of a scalar value type; 0 for string and array, -1 for an unknown type.
int scalarSize(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::Bool: return 1;
    case GgufValueType::U16: case GgufValueType::I16: return 2;
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::F32: return 4;
    case GgufValueType::U64: case GgufValueType::I64: case GgufValueType::F64: return 8;
    case GgufValueType::String: case GgufValueType::Array: return 0;
  }
  return -1;
}

template <class T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool isInteger(GgufValueType t) {
  switch (t) {
    case GgufValueType::U8: case GgufValueType::I8: case GgufValueType::U16: case GgufValueType::I16:
    case GgufValueType::U32: case GgufValueType::I32: case GgufValueType::U64: case GgufValueType::I64: return true;
    default: return false;
  }
}

// f32 metadata (rope bases, epsilons) read as the double its shortest decimal names, so 1e-6f
// reads as 1e-6, as config.json would have it.
double shortestDouble(float f) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf) - 1, f);
  *r.ptr = 0;
  return std::strtod(buf, nullptr);
}

// Where a value that starts at p ends (the file was validated, so this stays inside it).
const uint8_t* valueEnd(GgufValueType t, const uint8_t* p) {
  const int size = scalarSize(t);
  if (size > 0) return p + size;
  if (t == GgufValueType::String) return p + 8 + load<uint64_t>(p);
  const auto elem = static_cast<GgufValueType>(load<uint32_t>(p));
  const uint64_t n = load<uint64_t>(p + 4);
  p += 12;
  if (scalarSize(elem) > 0) return p + n * scalarSize(elem);
  for (uint64_t i = 0; i < n; ++i) p = valueEnd(elem, p);
  return p;
}

}  // namespace

// Reads the file front to back; every read is checked against what is left.
class GgufCursor {
 public:
  GgufCursor(const uint8_t* base, size_t size, const std::string& path) : base_(base), size_(size), path_(path) {}

  [[noreturn]] void fail(const std::string& msg) const {
    throw Error(path_ + ": " + msg + " (at byte " + std::to_string(pos_) + " of " + std::to_string(size_) + ")");
  }
  size_t pos() const { return pos_; }
  size_t remaining() const { return size_ - pos_; }
  const uint8_t* here() const { return base_ + pos_; }

  void need(uint64_t n, const std::string& what) const {
    if (n > remaining()) fail(what + " runs past the end of the file; the file may be truncated");
  }
  template <class T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v = load<T>(here());
    pos_ += sizeof(T);
    return v;
  }
  std::string_view string(const std::string& what) {
    const uint64_t n = read<uint64_t>(what + " length");
    if (n > remaining())
      fail(what + " has length " + std::to_string(n) + ", more than the " + std::to_string(remaining()) +
           " bytes left in the file; the file may be truncated");
    std::string_view s(reinterpret_cast<const char*>(here()), n);
    pos_ += n;
    return s;
  }
  void skipValue(GgufValueType t, const std::string& what, int depth);

 private:
  void skipArray(const std::string& what, int depth);
  const uint8_t* base_;
  size_t size_, pos_ = 0;
  const std::string& path_;
};

void GgufCursor::skipValue(GgufValueType t, const std::string& what, int depth) {
  const int size = scalarSize(t);
  if (size < 0) fail(what + " has unknown value type " + std::to_string(static_cast<uint32_t>(t)));
  if (t == GgufValueType::String) {
    string(what);
  } else if (t == GgufValueType::Array) {
    skipArray(what, depth);
  } else {
    need(size, what);
    if (t == GgufValueType::Bool && *here() > 1) fail(what + " is a bool of value " + std::to_string(*here()));
    pos_ += size;
  }
}

void GgufCursor::skipArray(const std::string& what, int depth) {
  if (depth >= kMaxArrayDepth) fail(what + " nests arrays more than " + std::to_string(kMaxArrayDepth) + " deep");
  const auto elem = static_cast<GgufValueType>(read<uint32_t>(what + " element type"));
  const uint64_t count = read<uint64_t>(what + " element count");
  const int size = scalarSize(elem);
  if (size < 0) fail(what + " is an array of unknown value type " + std::to_string(static_cast<uint32_t>(elem)));
  // The least each element takes: a scalar's size, a string's length, an array's type and count.
  const uint64_t least = size > 0 ? size : elem == GgufValueType::String ? 8 : 12;
  if (count > remaining() / least)
    fail(what + " claims " + std::to_string(count) + " elements of type " + ggufValueTypeName(elem) + ", more than the " +
         std::to_string(remaining()) + " bytes left in the file can hold");
  if (size > 0 && elem != GgufValueType::Bool) {
    pos_ += count * size;
    return;
  }
  for (uint64_t i = 0; i < count; ++i) {
    if (elem == GgufValueType::Array) skipArray(what + "[" + std::to_string(i) + "]", depth + 1);
    else skipValue(elem, what + "[" + std::to_string(i) + "]", depth + 1);
  }
}

const char* ggufValueTypeName(GgufValueType t) {
  static const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};
  const auto i = static_cast<uint32_t>(t);
  return i < 13 ? names[i] : "?";
}

const GgmlTypeTraits* ggmlTypeTraits(uint32_t type) {
  // ggml's type table (ggml.h): numbers missing here were removed from the format.
  static const std::map<uint32_t, GgmlTypeTraits> table = {
      {0, {"F32", 1, 4}},        {1, {"F16", 1, 2}},        {2, {"Q4_0", 32, 18}},     {3, {"Q4_1", 32, 20}},
      {6, {"Q5_0", 32, 22}},     {7, {"Q5_1", 32, 24}},     {8, {"Q8_0", 32, 34}},     {9, {"Q8_1", 32, 36}},
      {10, {"Q2_K", 256, 84}},   {11, {"Q3_K", 256, 110}},  {12, {"Q4_K", 256, 144}},  {13, {"Q5_K", 256, 176}},
      {14, {"Q6_K", 256, 210}},  {15, {"Q8_K", 256, 292}},  {16, {"IQ2_XXS", 256, 66}}, {17, {"IQ2_XS", 256, 74}},
      {18, {"IQ3_XXS", 256, 98}}, {19, {"IQ1_S", 256, 50}}, {20, {"IQ4_NL", 32, 18}},  {21, {"IQ3_S", 256, 110}},
      {22, {"IQ2_S", 256, 82}},  {23, {"IQ4_XS", 256, 136}}, {24, {"I8", 1, 1}},       {25, {"I16", 1, 2}},
      {26, {"I32", 1, 4}},       {27, {"I64", 1, 8}},       {28, {"F64", 1, 8}},       {29, {"IQ1_M", 256, 56}},
      {30, {"BF16", 1, 2}},      {34, {"TQ1_0", 256, 54}},  {35, {"TQ2_0", 256, 66}},  {39, {"MXFP4", 32, 17}},
  };
  auto it = table.find(type);
  return it == table.end() ? nullptr : &it->second;
}

std::string ggmlTypeName(uint32_t type) {
  const GgmlTypeTraits* t = ggmlTypeTraits(type);
  return t ? t->name : "type " + std::to_string(type);
}

// ---- values ----

GgufValueType GgufValue::elementType() const { return static_cast<GgufValueType>(load<uint32_t>(at_)); }
uint64_t GgufValue::arraySize() const { return load<uint64_t>(at_ + 4); }

int64_t GgufValue::asInt(const std::string& what) const {
  switch (type_) {
    case GgufValueType::U8: return load<uint8_t>(at_);
    case GgufValueType::I8: return load<int8_t>(at_);
    case GgufValueType::U16: return load<uint16_t>(at_);
    case GgufValueType::I16: return load<int16_t>(at_);
    case GgufValueType::U32: return load<uint32_t>(at_);
    case GgufValueType::I32: return load<int32_t>(at_);
    case GgufValueType::I64: return load<int64_t>(at_);
    case GgufValueType::U64: {
      const uint64_t v = load<uint64_t>(at_);
      if (v > static_cast<uint64_t>(INT64_MAX)) throw Error(what + ": " + std::to_string(v) + " is too large");
      return static_cast<int64_t>(v);
    }
    default: throw Error(what + " must be an integer, but is " + ggufValueTypeName(type_));
  }
}

double GgufValue::asDouble(const std::string& what) const {
  if (type_ == GgufValueType::F32) return shortestDouble(load<float>(at_));
  if (type_ == GgufValueType::F64) return load<double>(at_);
  if (isInteger(type_)) return static_cast<double>(asInt(what));
  throw Error(what + " must be a number, but is " + ggufValueTypeName(type_));
}

bool GgufValue::asBool(const std::string& what) const {
  if (type_ != GgufValueType::Bool) throw Error(what + " must be a bool, but is " + ggufValueTypeName(type_));
  return *at_ != 0;
}

std::string_view GgufValue::asString(const std::string& what) const {
  if (type_ != GgufValueType::String) throw Error(what + " must be a string, but is " + ggufValueTypeName(type_));
  return {reinterpret_cast<const char*>(at_ + 8), load<uint64_t>(at_)};
}

std::vector<GgufValue> GgufValue::items(const std::string& what) const {
  if (!isArray()) throw Error(what + " must be an array, but is " + ggufValueTypeName(type_));
  const GgufValueType elem = elementType();
  std::vector<GgufValue> out;
  out.reserve(arraySize());
  const uint8_t* p = at_ + 12;
  for (uint64_t i = 0; i < arraySize(); ++i) {
    out.emplace_back(elem, p);
    p = valueEnd(elem, p);
  }
  return out;
}

std::vector<std::string_view> GgufValue::asStrings(const std::string& what) const {
  if (!isArray() || elementType() != GgufValueType::String)
    throw Error(what + " must be an array of strings");
  std::vector<std::string_view> out;
  out.reserve(arraySize());
  for (const GgufValue& v : items(what)) out.push_back(v.asString(what));
  return out;
}

std::vector<int64_t> GgufValue::asInts(const std::string& what) const {
  if (!isArray() || !isInteger(elementType())) throw Error(what + " must be an array of integers");
  std::vector<int64_t> out;
  out.reserve(arraySize());
  const int size = scalarSize(elementType());
  for (uint64_t i = 0; i < arraySize(); ++i) out.push_back(GgufValue(elementType(), at_ + 12 + i * size).asInt(what));
  return out;
}

// ---- the file ----

std::unique_ptr<GgufFile> GgufFile::open(const std::string& path) {
  std::unique_ptr<GgufFile> f(new GgufFile(path));
  f->parse();
  return f;
}

void GgufFile::parse() {
  GgufCursor c(map_.data(), map_.size(), path());
  if (map_.size() < 4) c.fail("too short to be a GGUF file");
  if (std::memcmp(map_.data(), "GGUF", 4) != 0) c.fail("not a GGUF file (bad magic: it does not start with \"GGUF\")");
  c.read<uint32_t>("magic");
  version_ = c.read<uint32_t>("version");
  if (version_ != 2 && version_ != 3) {
    const bool swapped = version_ == 0x02000000u || version_ == 0x03000000u;
    c.fail("unsupported GGUF version " + std::to_string(version_) + (swapped ? " (a big-endian file?)" : "") +
           " (q3c reads versions 2 and 3)");
  }
  const uint64_t tensorCount = c.read<uint64_t>("tensor count");
  const uint64_t kvCount = c.read<uint64_t>("metadata count");
  // The least a key/value pair takes is 13 bytes, a tensor info 24: bound the counts before any loop.
  const std::string rest = " is more than the rest of the file (" + std::to_string(c.remaining()) +
                           " bytes) can hold; the file may be truncated";
  if (kvCount > c.remaining() / 13) c.fail("metadata count " + std::to_string(kvCount) + rest);
  if (tensorCount > c.remaining() / 24) c.fail("tensor count " + std::to_string(tensorCount) + rest);
  readMetadata(c, kvCount);
  readTensorInfos(c, tensorCount);
  dataOffset_ = (c.pos() + alignment_ - 1) / alignment_ * alignment_;
  if (dataOffset_ > map_.size() && !tensors_.empty())
    c.fail("the data section starts past the end of the file; the file may be truncated");
  placeTensors();
}

void GgufFile::readMetadata(GgufCursor& c, uint64_t count) {
  for (uint64_t i = 0; i < count; ++i) {
    const std::string key(c.string("metadata key " + std::to_string(i)));
    if (key.empty()) c.fail("metadata key " + std::to_string(i) + " is empty");
    const auto type = static_cast<GgufValueType>(c.read<uint32_t>("type of key '" + key + "'"));
    const uint8_t* at = c.here();
    c.skipValue(type, "key '" + key + "'", 0);
    if (!metadata_.emplace(key, GgufValue(type, at)).second) c.fail("duplicate metadata key '" + key + "'");
  }
  if (const GgufValue* a = find("general.alignment")) {
    if (a->type() != GgufValueType::U32) c.fail("key 'general.alignment' must be a u32");
    const int64_t v = a->asInt(where("general.alignment"));
    if (v == 0 || (v & (v - 1))) c.fail("key 'general.alignment' is " + std::to_string(v) + ", not a power of two");
    alignment_ = static_cast<uint64_t>(v);
  }
}

void GgufFile::readTensorInfos(GgufCursor& c, uint64_t count) {
  tensors_.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    GgufTensor t;
    t.name = std::string(c.string("name of tensor " + std::to_string(i)));
    if (t.name.empty()) c.fail("tensor " + std::to_string(i) + " has an empty name");
    const std::string what = "tensor '" + t.name + "'";
    const uint32_t nDims = c.read<uint32_t>(what + " dimension count");
    if (nDims == 0 || nDims > kMaxDims) c.fail(what + " has " + std::to_string(nDims) + " dimensions (1 to 4 allowed)");
    uint64_t numel = 1;
    for (uint32_t d = 0; d < nDims; ++d) {
      const uint64_t ne = c.read<uint64_t>(what + " dimension");
      if (__builtin_mul_overflow(numel, ne, &numel) || numel > kMaxNumel) c.fail(what + " has too many elements");
      t.dims.push_back(static_cast<int64_t>(ne));
    }
    t.type = c.read<uint32_t>(what + " type");
    const GgmlTypeTraits* traits = ggmlTypeTraits(t.type);
    if (!traits) c.fail(what + " has unknown tensor type " + std::to_string(t.type));
    if (t.dims[0] % traits->blockSize)
      c.fail(what + " of type " + traits->name + " has " + std::to_string(t.dims[0]) +
             " elements per row, not a multiple of its block size " + std::to_string(traits->blockSize));
    t.numel = static_cast<int64_t>(numel);
    t.bytes = numel / traits->blockSize * traits->blockBytes;
    t.offset = c.read<uint64_t>(what + " offset");
    if (!tensorIndex_.emplace(t.name, tensors_.size()).second) c.fail("duplicate tensor name '" + t.name + "'");
    tensors_.push_back(std::move(t));
  }
}

void GgufFile::placeTensors() {
  const uint64_t size = map_.size();
  std::vector<const GgufTensor*> byOffset;
  for (GgufTensor& t : tensors_) {
    const std::string what = path() + ": tensor '" + t.name + "'";
    if (t.offset % alignment_)
      throw Error(what + " has offset " + std::to_string(t.offset) + ", not a multiple of the alignment " +
                  std::to_string(alignment_));
    uint64_t end = 0;
    if (t.offset > size - dataOffset_ || __builtin_add_overflow(dataOffset_ + t.offset, t.bytes, &end) || end > size)
      throw Error(what + ": its " + std::to_string(t.bytes) + " bytes at data offset " + std::to_string(t.offset) +
                  " run past the end of the file (" + std::to_string(size) + " bytes); the file may be truncated");
    t.offset += dataOffset_;
    t.data = map_.data() + t.offset;
    byOffset.push_back(&t);
  }
  std::sort(byOffset.begin(), byOffset.end(), [](auto* a, auto* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < byOffset.size(); ++i)
    if (byOffset[i]->offset < byOffset[i - 1]->offset + byOffset[i - 1]->bytes && byOffset[i]->bytes > 0)
      throw Error(path() + ": tensors '" + byOffset[i - 1]->name + "' and '" + byOffset[i]->name +
                  "' overlap in the data section");
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = metadata_.find(key);
  return it == metadata_.end() ? nullptr : &it->second;
}

const GgufValue& GgufFile::require(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw Error(path() + ": missing key '" + key + "'");
  return *v;
}

int64_t GgufFile::getInt(const std::string& key, int64_t fallback) const {
  const GgufValue* v = find(key);
  return v ? v->asInt(where(key)) : fallback;
}

double GgufFile::getDouble(const std::string& key, double fallback) const {
  const GgufValue* v = find(key);
  return v ? v->asDouble(where(key)) : fallback;
}

std::string GgufFile::getString(const std::string& key, const std::string& fallback) const {
  const GgufValue* v = find(key);
  return v ? std::string(v->asString(where(key))) : fallback;
}

const GgufTensor* GgufFile::findTensor(const std::string& name) const {
  auto it = tensorIndex_.find(name);
  return it == tensorIndex_.end() ? nullptr : &tensors_[it->second];
}

bool isGgufPath(const std::string& path) {
  if (path.size() >= 5 && path.compare(path.size() - 5, 5, ".gguf") == 0) return true;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return false;
  std::ifstream in(path, std::ios::binary);
  char magic[4] = {};
  return in.read(magic, 4) && std::memcmp(magic, "GGUF", 4) == 0;
}

// ---- half precision ----

float floatFromF16(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float magnitude;
  if (exp == 0) magnitude = std::ldexp(static_cast<float>(mant), -24);  // zero and subnormals
  else if (exp == 31) magnitude = mant ? NAN : INFINITY;
  else magnitude = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  uint32_t u;
  std::memcpy(&u, &magnitude, 4);
  u |= sign;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f16FromFloat(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = static_cast<uint16_t>((u >> 16) & 0x8000);
  const float a = std::fabs(f);
  if (std::isnan(f)) return sign | 0x7E00;
  if (a >= 65520.0f) return sign | 0x7C00;  // rounds to infinity
  if (a < 6.103515625e-05f) {               // subnormal half: a multiple of 2^-24
    return sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f));
  }
  int e;
  const float m = std::frexp(a, &e);                           // a = m * 2^e, m in [0.5, 1)
  uint32_t mant = static_cast<uint32_t>(std::nearbyint(std::ldexp(m, 11)));  // 11 significant bits
  if (mant == 2048) { mant = 1024; ++e; }
  return sign | static_cast<uint16_t>(((e + 14) << 10) | (mant & 0x3FF));
}

}  // namespace q3c
