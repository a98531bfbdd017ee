#include "frontend/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "frontend/error.h"

namespace q3c {

namespace {

using nlohmann::json;

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the format's own limit

bool dtypeFromSafetensors(const std::string& s, ir::DType& out) {
  static const std::map<std::string, ir::DType> names = {
      {"F32", ir::DType::F32}, {"BF16", ir::DType::BF16}, {"F16", ir::DType::F16}, {"I32", ir::DType::I32}};
  auto it = names.find(s);
  if (it == names.end()) return false;
  out = it->second;
  return true;
}

const char* dtypeToSafetensors(ir::DType t) {
  switch (t) {
    case ir::DType::F32: return "F32";
    case ir::DType::BF16: return "BF16";
    case ir::DType::F16: return "F16";
    case ir::DType::I32: return "I32";
    case ir::DType::Q8:
    case ir::DType::Q4:
      return "U8";  // rows of bytes; the format is in the metadata (kQuantKeyPrefix)
  }
  return "?";
}

}  // namespace

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> file(new SafetensorsFile(path));
  const uint8_t* base = file->map_.data();
  const size_t size = file->map_.size();
  auto fail = [&](const std::string& msg) -> Error { return Error(path + ": " + msg); };

  if (size < 8) throw fail("too short to be a safetensors file (" + std::to_string(size) + " bytes)");
  uint64_t headerLen;
  std::memcpy(&headerLen, base, 8);
  if (headerLen > size - 8)
    throw fail("header length " + std::to_string(headerLen) + " is larger than the file (" + std::to_string(size) +
               " bytes)");
  if (headerLen > kMaxHeaderBytes) throw fail("header length " + std::to_string(headerLen) + " exceeds 100 MB");
  const uint8_t* dataStart = base + 8 + headerLen;
  const uint64_t dataSize = size - 8 - headerLen;

  json header = json::parse(base + 8, base + 8 + headerLen, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded()) throw fail("header is not valid JSON");
  if (!header.is_object()) throw fail("header is not a JSON object");

  struct Range {
    uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  if (auto m = header.find("__metadata__"); m != header.end()) {
    if (!m->is_object()) throw fail("__metadata__ is not an object");
    for (auto& [k, v] : m->items())
      if (v.is_string()) file->metadata_[k] = v.get<std::string>();
  }
  for (auto& [name, entry] : header.items()) {
    if (name == "__metadata__") continue;
    auto bad = [&](const std::string& msg) { return fail("tensor '" + name + "': " + msg); };
    if (!entry.is_object()) throw bad("entry is not an object");
    if (!entry.contains("dtype") || !entry["dtype"].is_string()) throw bad("missing dtype");
    TensorView t{name, ir::DType::F32, {}, nullptr, 0, nullptr, 0, {}};
    std::string dtype = entry["dtype"].get<std::string>();
    // A quantized weight (q3c quantize): U8 rows [N, row bytes], its format in the metadata.
    auto quant = file->metadata_.find(kQuantKeyPrefix + name);
    if (dtype == "U8" && quant != file->metadata_.end()) {
      if (!parseQuantFormatName(quant->second, t.quant))
        throw bad("metadata " + quant->first + " = '" + quant->second + "' is not a format like int8/g32");
      t.dtype = ir::quantDType(t.quant.scheme);
    } else if (!dtypeFromSafetensors(dtype, t.dtype)) {
      throw bad("unsupported dtype '" + dtype + "' (supported: F32, BF16, F16, I32; U8 for quantized weights)");
    }
    if (!entry.contains("shape") || !entry["shape"].is_array()) throw bad("missing shape");
    uint64_t numel = 1;
    for (const json& d : entry["shape"]) {
      if (!d.is_number_unsigned()) throw bad("shape " + entry["shape"].dump() + " has a non-integer or negative dim");
      uint64_t v = d.get<uint64_t>();
      if (__builtin_mul_overflow(numel, v, &numel) || numel > (uint64_t(1) << 48))
        throw bad("shape " + entry["shape"].dump() + " is too large");
      t.shape.push_back(static_cast<int64_t>(v));
    }
    const json& off = entry.contains("data_offsets") ? entry["data_offsets"] : json();
    if (!off.is_array() || off.size() != 2 || !off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw bad("data_offsets must be [begin, end]");
    uint64_t begin = off[0].get<uint64_t>(), end = off[1].get<uint64_t>();
    if (begin > end) throw bad("data_offsets begin > end");
    if (end > dataSize)
      throw bad("data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "] run past the end of the data (" +
                std::to_string(dataSize) + " bytes); the file may be truncated");
    uint64_t expected = numel * static_cast<uint64_t>(ir::isQuantized(t.dtype) ? 1 : ir::dtypeSize(t.dtype));
    if (ir::isQuantized(t.dtype)) {  // [N, row bytes] -> [N, K]
      const int64_t K = t.shape.size() == 2 ? quantizedRowLength(t.quant, t.shape[1]) : -1;
      if (K <= 0) throw bad("shape " + entry["shape"].dump() + " is not [rows, bytes of a " + quant->second + " row]");
      t.shape[1] = K;
    }
    if (end - begin != expected)
      throw bad("shape " + entry["shape"].dump() + " of " + dtype + " needs " + std::to_string(expected) +
                " bytes but data_offsets span " + std::to_string(end - begin));
    t.data = dataStart + begin;
    t.fileOffset = static_cast<size_t>(t.data - file->map_.data());
    t.bytes = expected;
    t.file = &file->map_.path();
    auto [it, inserted] = file->tensors_.emplace(name, std::move(t));
    ranges.push_back({begin, end, &it->first});
  }
  std::sort(ranges.begin(), ranges.end(), [](const Range& a, const Range& b) { return a.begin < b.begin; });
  for (size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].begin < ranges[i - 1].end && ranges[i].end > ranges[i].begin)
      throw fail("tensors '" + *ranges[i - 1].name + "' and '" + *ranges[i].name + "' overlap in the data section");
  return file;
}

bool parseQuantFormatName(const std::string& text, ir::QuantFormat& out) {
  const size_t slash = text.find("/g");
  if (slash == std::string::npos || !ir::parseQuantScheme(text.substr(0, slash), out.scheme)) return false;
  const std::string group = text.substr(slash + 2);
  if (group.empty() || group.size() > 6 || group.find_first_not_of("0123456789") != std::string::npos) return false;
  out.group = std::stoll(group);
  return out.group > 0;
}

int64_t quantizedRowLength(const ir::QuantFormat& f, int64_t rowBytes) {
  // rowBytes = K * (code bits / 8) + K / group * 4 * planes; solve for K, then check.
  const int64_t planes = f.scheme == ir::QuantScheme::Int4Zp ? 2 : 1;
  const int64_t numer = rowBytes * f.group * (f.scheme == ir::QuantScheme::Int8 ? 1 : 2);
  const int64_t denom = f.scheme == ir::QuantScheme::Int8 ? f.group + 4 * planes : f.group + 8 * planes;
  if (rowBytes <= 0 || numer % denom) return -1;
  const int64_t K = numer / denom;
  if (!ir::checkQuantFormat(f, K).empty() || ir::quantRowBytes(f, K) != rowBytes) return -1;
  return K;
}

size_t SafetensorsWriter::byteSize(const Spec& s) {
  // Quantized specs are [N, bytes per row] already.
  size_t n = static_cast<size_t>(ir::isQuantized(s.dtype) ? 1 : ir::dtypeSize(s.dtype));
  for (int64_t d : s.shape) n *= static_cast<size_t>(d);
  return n;
}

SafetensorsWriter::SafetensorsWriter(const std::string& path, std::vector<Spec> specs,
                                     const std::map<std::string, std::string>& metadata)
    : path_(path) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  size_t offset = 0;
  for (const Spec& s : specs) {
    size_t n = byteSize(s);
    header[s.name] = {{"dtype", dtypeToSafetensors(s.dtype)}, {"shape", s.shape}, {"data_offsets", {offset, offset + n}}};
    offset += n;
  }
  // json objects sort keys, but offsets follow `specs` order: the data is written in that order.
  expected_ = offset;
  std::string text = header.dump();
  while ((8 + text.size()) % 8) text += ' ';  // align the data section
  f_ = std::fopen(path.c_str(), "wb");
  if (!f_) throw Error(path + ": cannot create: " + std::strerror(errno));
  uint64_t len = text.size();
  if (std::fwrite(&len, 8, 1, f_) != 1 || std::fwrite(text.data(), 1, text.size(), f_) != text.size())
    throw Error(path + ": write failed");
}

SafetensorsWriter::~SafetensorsWriter() {
  if (f_) std::fclose(f_);
}

void SafetensorsWriter::write(const void* data, size_t bytes) {
  if (written_ + bytes > expected_) throw Error(path_ + ": more tensor data than declared");
  if (std::fwrite(data, 1, bytes, f_) != bytes) throw Error(path_ + ": write failed: " + std::strerror(errno));
  written_ += bytes;
}

void SafetensorsWriter::finish() {
  if (written_ != expected_)
    throw Error(path_ + ": wrote " + std::to_string(written_) + " of " + std::to_string(expected_) + " data bytes");
  int rc = std::fclose(f_);
  f_ = nullptr;
  if (rc != 0) throw Error(path_ + ": write failed: " + std::strerror(errno));
}

void writeSafetensors(const std::string& path, const std::map<std::string, OwnedTensor>& tensors) {
  std::vector<SafetensorsWriter::Spec> specs;
  for (const auto& [name, t] : tensors) specs.push_back({name, t.dtype, t.shape});
  SafetensorsWriter w(path, specs);
  for (const auto& [name, t] : tensors) w.write(t.bytes.data(), t.bytes.size());
  w.finish();
}

}  // namespace q3c
