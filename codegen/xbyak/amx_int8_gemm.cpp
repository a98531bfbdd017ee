#include "codegen/xbyak/amx_int8_gemm.h"

namespace q3c::xbyak {

void packVnni4(const int8_t* a, int64_t lda, int64_t rows, int64_t K, int8_t* dst) {
  for (int64_t kq = 0; kq < K / 4; ++kq)
    for (int64_t m = 0; m < 32; ++m)
      for (int64_t i = 0; i < 4; ++i) dst[(kq * 32 + m) * 4 + i] = m < rows ? a[m * lda + 4 * kq + i] : 0;
}

}  // namespace q3c::xbyak
