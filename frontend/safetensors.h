// safetensors files: a strict reader over a memory map, and a streaming writer.
// Format: u64 little-endian header length N, N bytes of JSON {name: {dtype, shape,
// data_offsets: [begin, end]}, "__metadata__": {...}}, then the data section.
#pragma once
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "frontend/mapped_file.h"
#include "ir/quant.h"
#include "ir/types.h"

namespace q3c {

struct TensorView {
  std::string name;
  ir::DType dtype;
  std::vector<int64_t> shape;
  const uint8_t* data;  // inside the map; may be unaligned
  size_t bytes;
  const std::string* file;  // path of the file it lives in, for messages
  size_t fileOffset = 0;    // where data starts in that file (for pread)
  ir::QuantFormat quant;    // q8/q4 tensors (from GGUF or `q3c quantize`): the row layout

  int64_t numel() const;
};

// Quantized weights (`q3c quantize`) are stored as U8 tensors [N, bytes per row] in the layout
// of ir/quant.h; metadata key kQuantKeyPrefix + name holds the format, e.g. "int8/g128". They
// are read back as q8/q4 views of shape [N, K].
inline const std::string kQuantKeyPrefix = "q3c.quant.";
bool parseQuantFormatName(const std::string& text, ir::QuantFormat& out);  // "int4zp/g32"
// K of a row of `rowBytes` bytes in format f; -1 when no K fits.
int64_t quantizedRowLength(const ir::QuantFormat& f, int64_t rowBytes);

class SafetensorsFile {
 public:
  // Maps and validates the file: header length, JSON, dtypes, shape x dtype size = byte range,
  // ranges inside the data section and not overlapping. Throws q3c::Error naming file and tensor.
  static std::unique_ptr<SafetensorsFile> open(const std::string& path);

  const std::map<std::string, TensorView>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const std::string& path() const { return map_.path(); }

 private:
  explicit SafetensorsFile(const std::string& path) : map_(path) {}
  MappedFile map_;
  std::map<std::string, TensorView> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes one safetensors file whose tensors are all declared up front; their bytes are then
// streamed in order, so nothing larger than a caller's chunk is ever held in memory.
class SafetensorsWriter {
 public:
  struct Spec {
    std::string name;
    ir::DType dtype;
    std::vector<int64_t> shape;  // q8/q4: [N, bytes per row], written as U8
  };
  SafetensorsWriter(const std::string& path, std::vector<Spec> specs,
                    const std::map<std::string, std::string>& metadata = {});
  ~SafetensorsWriter();
  void write(const void* data, size_t bytes);  // next bytes of the data section
  void finish();                               // checks every declared byte was written

  static size_t byteSize(const Spec& s);

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
  size_t expected_ = 0, written_ = 0;
};

// Writes a whole file of f32/i32 tensors held in memory (for small outputs such as logits).
struct OwnedTensor {
  ir::DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};
void writeSafetensors(const std::string& path, const std::map<std::string, OwnedTensor>& tensors);

}  // namespace q3c
