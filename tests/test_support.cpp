#include "tests/test_support.h"

#include "runtime/session.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>

namespace q3c::test {

namespace fs = std::filesystem;

fs::path sharedDir() { return fs::path(Q3C_SHARED_DIR); }
fs::path goldenDir() { return sharedDir() / "golden"; }

std::vector<std::string> goldenModels() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(goldenDir(), ec))
    if (e.is_directory() && fs::exists(e.path() / "reference.safetensors")) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

TempDir::TempDir() {
  std::random_device rd;
  path_ = fs::temp_directory_path() / ("q3c-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
  fs::create_directories(path_);
}
TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::vector<float> tensorF32(const TensorView& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  if (t.dtype == ir::DType::F32) std::memcpy(v.data(), t.data, t.bytes);
  else if (t.dtype == ir::DType::I32) {
    for (size_t i = 0; i < v.size(); ++i) {
      int32_t x;
      std::memcpy(&x, t.data + 4 * i, 4);
      v[i] = static_cast<float>(x);
    }
  } else {
    ADD_FAILURE() << t.name << ": expected an f32 or i32 tensor";
  }
  return v;
}

std::vector<int32_t> tensorI32(const TensorView& t) {
  std::vector<int32_t> v(static_cast<size_t>(t.numel()));
  EXPECT_EQ(t.dtype, ir::DType::I32) << t.name;
  std::memcpy(v.data(), t.data, std::min(t.bytes, v.size() * 4));
  return v;
}

double maxAbs(const std::vector<float>& v) {
  double m = 0;
  for (float x : v) m = std::max(m, std::fabs(static_cast<double>(x)));
  return m;
}

double relativeError(const std::vector<float>& got, const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size());
  if (got.size() != want.size()) return INFINITY;
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    double d = std::fabs(static_cast<double>(got[i]) - want[i]);
    if (std::isnan(d)) return INFINITY;
    worst = std::max(worst, d);
  }
  return worst / std::max(maxAbs(want), 1e-30);
}

void writeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

RunResult runQ3c(const std::string& args) {
  TempDir tmp;
  std::string cmd = std::string(Q3C_BINARY) + " " + args + " >" + tmp / "out" + " 2>" + tmp / "err";
  int status = std::system(cmd.c_str());
  RunResult r;
  if (WIFEXITED(status)) {
    r.exitCode = WEXITSTATUS(status);
    if (r.exitCode > 128) r.signal = r.exitCode - 128;  // the shell reports a signal as 128+N
  } else if (WIFSIGNALED(status)) {
    r.signal = WTERMSIG(status);
  }
  r.out = readFile(tmp / "out");
  r.err = readFile(tmp / "err");
  return r;
}

}  // namespace q3c::test

namespace q3c::test {

void expectCleanFailure(const RunResult& r, const std::string& needle, const std::string& what) {
  EXPECT_NE(r.exitCode, 0) << what;
  EXPECT_EQ(r.signal, 0) << what;
  ASSERT_FALSE(r.err.empty()) << what;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << what << ": stderr is not one line:\n" << r.err;
  EXPECT_EQ(r.err.rfind("q3c: error: ", 0), 0u) << what << ": " << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << what << ": " << r.err;
}

Model synthesizedModel(const SynthShape& s, const TempDir& dir, ir::DType dtype) {
  SynthOptions opt;
  opt.shape = s;
  opt.dtype = dtype;
  opt.outDir = dir.path().string();
  synthesizeModel(opt);
  return Model::load(opt.outDir);
}

std::vector<float> run(const Model& m, Backend& b, const ir::Graph& g, const std::vector<int32_t>& ids,
                       const std::vector<int32_t>& next, int threads) {
  Session s(m, b, static_cast<int64_t>(ids.size() + next.size()), &g, threads);
  const int64_t V = m.config.vocabSize;
  const float* p = s.forward(ids);
  std::vector<float> out(p, p + ids.size() * V);
  for (int32_t id : next) {
    p = s.forward({id});
    out.insert(out.end(), p, p + V);
  }
  return out;
}

}  // namespace q3c::test
