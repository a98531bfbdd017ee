#include "frontend/huge_pages.h"

#include <sys/mman.h>

#include <algorithm>

#include "frontend/error.h"

namespace q3c {

// `bytes` of fresh anonymous memory, starting on a 2 MB boundary and advised to be huge pages:
// no zeroing pass of our own (a vector value-initializes), a fault per 2 MB instead of per
// 4 KB at load, and fewer TLB misses when kernels stream through it. The length
// is rounded to small pages only: a last partial 2 MB stays in small pages, not a whole one.
std::shared_ptr<uint8_t> mapHugePages(size_t bytes, const std::string& what) {
  constexpr size_t kHuge = size_t{2} << 20, kPage = 4096;
  const size_t len = (std::max<size_t>(bytes, 1) + kPage - 1) / kPage * kPage;
  void* base = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw Error("out of memory for " + std::to_string(bytes) + " bytes of " + what);
  // Trim the extra 2 MB mapped to find an aligned start: `head` bytes before it, the rest after.
  uint8_t* start = static_cast<uint8_t*>(base);
  const size_t head = (kHuge - reinterpret_cast<uintptr_t>(start) % kHuge) % kHuge;
  uint8_t* aligned = start + head;
  if (head) munmap(start, head);
  munmap(aligned + len, kHuge - head);
  madvise(aligned, len, MADV_HUGEPAGE);  // a hint: without THP the pages are just small
  return std::shared_ptr<uint8_t>(aligned, [len](uint8_t* p) { munmap(p, len); });
}

}  // namespace q3c
