#include "tools/interrupt.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>

#include "frontend/error.h"

namespace q3c::tools {

namespace {

std::atomic<bool> interrupted{false};
static_assert(std::atomic<bool>::is_always_lock_free, "the flag is set from a signal handler");

void onSigint(int) {
  if (interrupted.exchange(true)) {  // asked twice: stop now
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
}

}  // namespace

std::atomic<bool>& installInterruptHandler() {
  struct sigaction sa = {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;  // no SA_RESTART: a read() waiting for input returns EINTR
  sigaction(SIGINT, &sa, nullptr);
  return interrupted;
}

StdinLines::Status StdinLines::next(std::string& line) {
  for (;;) {
    if (size_t nl = buffer_.find('\n'); nl != std::string::npos) {
      line.assign(buffer_, 0, nl);
      buffer_.erase(0, nl + 1);
      return Line;
    }
    if (eof_) {
      if (buffer_.empty()) return End;
      line.swap(buffer_);
      buffer_.clear();
      return Line;
    }
    char chunk[4096];
    ssize_t n = ::read(STDIN_FILENO, chunk, sizeof chunk);
    if (n > 0) buffer_.append(chunk, static_cast<size_t>(n));
    else if (n == 0) eof_ = true;
    else if (errno == EINTR) {
      if (interrupted.load()) return Interrupted;
    } else {
      throw Error("reading stdin failed");
    }
  }
}

}  // namespace q3c::tools
