// Writing GGUF v3 files: the pieces of the format (also what tests use to build broken files), a
// streaming writer, and exportGguf, which writes a Hugging Face Qwen3 directory as one GGUF file
// with llama.cpp's names and metadata.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "frontend/gguf.h"

namespace q3c {

// Little-endian encoding of GGUF's pieces, appended to a byte string.
class GgufBytes {
 public:
  GgufBytes& u8(uint8_t v) { return raw(&v, 1); }
  GgufBytes& u32(uint32_t v) { return raw(&v, 4); }
  GgufBytes& u64(uint64_t v) { return raw(&v, 8); }
  GgufBytes& i32(int32_t v) { return raw(&v, 4); }
  GgufBytes& f32(float v) { return raw(&v, 4); }
  GgufBytes& str(std::string_view s) { return u64(s.size()).raw(s.data(), s.size()); }  // u64 length + bytes
  GgufBytes& type(GgufValueType t) { return u32(static_cast<uint32_t>(t)); }
  GgufBytes& raw(const void* p, size_t n);
  // The header: magic, version, tensor count, metadata count.
  GgufBytes& header(uint32_t version, uint64_t tensorCount, uint64_t metadataCount);
  // One tensor info: name, dims (GGUF order), ggml type, offset in the data section.
  GgufBytes& tensorInfo(std::string_view name, const std::vector<int64_t>& dims, uint32_t ggmlType, uint64_t offset);

  const std::string& bytes() const { return b_; }
  size_t size() const { return b_.size(); }

 private:
  std::string b_;
};

// Metadata to write, in order: each set* appends one key/value pair.
class GgufMetadata {
 public:
  void setString(std::string_view key, std::string_view value);
  void setU32(std::string_view key, uint32_t value);
  void setI32(std::string_view key, int32_t value);
  void setF32(std::string_view key, float value);
  void setBool(std::string_view key, bool value);
  void setStrings(std::string_view key, const std::vector<std::string>& values);
  void setI32s(std::string_view key, const std::vector<int32_t>& values);

  uint64_t count() const { return count_; }
  const std::string& encoded() const { return bytes_.bytes(); }

 private:
  GgufBytes& key(std::string_view k, GgufValueType t);
  GgufBytes bytes_;
  uint64_t count_ = 0;
};

struct GgufTensorSpec {
  std::string name;
  uint32_t ggmlType;
  std::vector<int64_t> dims;  // GGUF order: dims[0] is the innermost
};
// Bytes of a tensor's data (dims[0] must be a multiple of the type's block size).
uint64_t ggufTensorBytes(const GgufTensorSpec& t);

// Writes the header, metadata and tensor infos at once; the tensors' bytes are then streamed in
// the order declared, with the alignment padding added between them. An alignment other than 32
// must also be in the metadata as general.alignment (u32).
class GgufWriter {
 public:
  GgufWriter(const std::string& path, const GgufMetadata& metadata, std::vector<GgufTensorSpec> tensors,
             uint64_t alignment = 32);
  ~GgufWriter();
  GgufWriter(const GgufWriter&) = delete;
  GgufWriter& operator=(const GgufWriter&) = delete;

  void write(const void* data, size_t bytes);  // the next bytes of tensor data
  void finish();                               // checks every declared byte was written
  uint64_t bytesWritten() const { return fileBytes_; }

 private:
  void put(const void* data, size_t bytes);
  void padToAlignment();

  std::string path_;
  std::FILE* f_ = nullptr;
  std::vector<uint64_t> ends_;  // where each tensor's data ends, from the data section's start
  uint64_t alignment_, written_ = 0, fileBytes_ = 0;
  size_t current_ = 0;  // the tensor being written
};

// The types exportGguf writes 2-D weights in (1-D norm vectors are always F32).
enum class GgufExportType { F32, F16, BF16, Q8_0, Q4_0 };
bool parseGgufExportType(const std::string& name, GgufExportType& out);  // "f32", "f16", "bf16", "q8_0", "q4_0"
const char* ggufExportTypeName(GgufExportType t);

// Writes the model directory (config.json, safetensors, tokenizer.json and tokenizer_config.json
// when present) as one GGUF v3 file, tensor by tensor: memory stays a few MB whatever the model
// size. The codes and scales are q3c's own int8 / int4 at group 32 (frontend/quantize.h):
// Q8_0: d = amax/127 rounded to f16 precision, q = x * (1/d) rounded half to even. Q4_0: m = the
// element of largest magnitude, d = m/-8 so rounded, q = clamp(rounded x * (1/d) + 8, 0, 15).
// A .gguf and `q3c quantize`'s directory of the same weights are thus the same model. A weight whose
// rows are not a whole number of 32-blocks keeps its own dtype. Prints nothing; `progress` is
// called after each tensor with its GGUF name and the bytes of tensor data written so far and in
// all. Returns the file's size. Throws q3c::Error.
uint64_t exportGguf(const std::string& modelDir, const std::string& outPath, GgufExportType type,
                    const std::function<void(const std::string& tensor, uint64_t done, uint64_t total)>& progress = {});

// One row of K f32 into Q8_0 or Q4_0 blocks (K a multiple of 32), as exportGguf writes them.
void quantizeQ8_0Row(const float* x, int64_t K, uint8_t* out);
void quantizeQ4_0Row(const float* x, int64_t K, uint8_t* out);

}  // namespace q3c
