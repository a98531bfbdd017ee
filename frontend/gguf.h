// GGUF files (llama.cpp's single-file model format, versions 2 and 3): a strict reader over a
// memory map. Layout, all little-endian:
//   "GGUF", u32 version, u64 tensor count, u64 metadata count,
//   metadata: (string key, u32 value type, value)*   string = u64 length + bytes
//   tensor infos: (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset)*
//   padding to `general.alignment` (default 32), then the data section; offsets are relative to
//   it and aligned. ne[0] is the innermost dimension (K of a [N, K] weight).
// Everything is checked against the file size before it is used; a malformed file gives a
// q3c::Error naming the file and what is wrong.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/mapped_file.h"

namespace q3c {

enum class GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12
};
const char* ggufValueTypeName(GgufValueType t);  // "u32", "string", "array", ...; "?" when unknown

// The ggml tensor types q3c names (the numbers are the format's; the reader knows the sizes of
// all of ggml's types, see ggufTypeTraits).
enum class GgmlType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 8, Q4_K = 12, Q6_K = 14, BF16 = 30 };

struct GgmlTypeTraits {
  const char* name;     // "Q4_K"
  uint32_t blockSize;   // elements per block (1 for plain types)
  uint32_t blockBytes;  // bytes per block
};
// Null when `type` is not a ggml type this reader knows.
const GgmlTypeTraits* ggmlTypeTraits(uint32_t type);
std::string ggmlTypeName(uint32_t type);  // "Q4_K", or "type 77" when unknown

// One metadata value: a view into the map, validated when the file was opened. The getters throw
// q3c::Error with `what` (e.g. "model.gguf: key 'qwen3.block_count'") when the type does not fit.
class GgufValue {
 public:
  GgufValue(GgufValueType type, const uint8_t* at) : type_(type), at_(at) {}

  GgufValueType type() const { return type_; }
  bool isArray() const { return type_ == GgufValueType::Array; }
  GgufValueType elementType() const;  // arrays only
  uint64_t arraySize() const;         // arrays only

  int64_t asInt(const std::string& what) const;  // any integer type; u64 above INT64_MAX fails
  double asDouble(const std::string& what) const;  // any number; f32 read as its shortest decimal
  bool asBool(const std::string& what) const;
  std::string_view asString(const std::string& what) const;
  std::vector<std::string_view> asStrings(const std::string& what) const;  // array of strings
  std::vector<int64_t> asInts(const std::string& what) const;            // array of integers
  std::vector<GgufValue> items(const std::string& what) const;           // any array

 private:
  GgufValueType type_;
  const uint8_t* at_;  // the value's first byte (for arrays: the element type)
};

struct GgufTensor {
  std::string name;
  uint32_t type;              // ggml type number, known to ggmlTypeTraits
  std::vector<int64_t> dims;  // GGUF order: dims[0] is the innermost
  uint64_t offset;            // absolute, in the file
  uint64_t bytes;
  const uint8_t* data;        // inside the map
  int64_t numel;
};

class GgufCursor;

class GgufFile {
 public:
  static std::unique_ptr<GgufFile> open(const std::string& path);

  const std::string& path() const { return map_.path(); }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  uint64_t dataOffset() const { return dataOffset_; }

  const std::map<std::string, GgufValue>& metadata() const { return metadata_; }
  const GgufValue* find(const std::string& key) const;
  // The value of `key`; throws q3c::Error "FILE: missing key 'KEY'" when absent.
  const GgufValue& require(const std::string& key) const;
  // "FILE: key 'KEY'", the prefix of messages about one key.
  std::string where(const std::string& key) const { return path() + ": key '" + key + "'"; }
  int64_t getInt(const std::string& key) const { return require(key).asInt(where(key)); }
  int64_t getInt(const std::string& key, int64_t fallback) const;
  double getDouble(const std::string& key, double fallback) const;
  std::string getString(const std::string& key) const { return std::string(require(key).asString(where(key))); }
  std::string getString(const std::string& key, const std::string& fallback) const;

  const std::vector<GgufTensor>& tensors() const { return tensors_; }  // in file order
  const GgufTensor* findTensor(const std::string& name) const;

 private:
  explicit GgufFile(const std::string& path) : map_(path) {}
  void parse();
  void readMetadata(GgufCursor& c, uint64_t count);
  void readTensorInfos(GgufCursor& c, uint64_t count);
  void placeTensors();

  MappedFile map_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32, dataOffset_ = 0;
  std::map<std::string, GgufValue> metadata_;
  std::vector<GgufTensor> tensors_;
  std::map<std::string, size_t> tensorIndex_;
};

// True when `path` names a GGUF file: it ends in ".gguf", or it is a regular file that starts
// with the magic "GGUF".
bool isGgufPath(const std::string& path);

// IEEE half precision to and from f32 (round to nearest even), exact where representable.
float floatFromF16(uint16_t h);
uint16_t f16FromFloat(float f);

}  // namespace q3c
