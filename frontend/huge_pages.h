// Fresh anonymous memory on a 2 MB boundary, advised to be transparent huge pages: the
// resident and repacked weights, quantized weights, activations, the KV cache and bench's
// bandwidth probe all stream through memory far larger than the TLB covers in 4 KB pages.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace q3c {

// `bytes` of zeroed memory; throws q3c::Error naming `what` when out of memory.
std::shared_ptr<uint8_t> mapHugePages(size_t bytes, const std::string& what);

}  // namespace q3c
