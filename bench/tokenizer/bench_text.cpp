#include "bench_text.h"

#include <random>
#include <vector>

namespace q3c::bench {

namespace {

const std::vector<std::string> kEnglish = {
    "the", "of", "and", "to", "in", "a", "is", "that", "for", "it", "as", "was", "with", "be", "by", "on", "not", "he",
    "this", "are", "or", "his", "from", "at", "which", "but", "have", "an", "had", "they", "you", "were", "their", "one",
    "all", "we", "can", "her", "has", "there", "been", "if", "more", "when", "will", "would", "who", "so", "no", "model",
    "language", "compiler", "tokenizer", "inference", "throughput", "memory", "bandwidth", "processor", "kernel", "matrix",
    "attention", "transformer", "sequence", "vocabulary", "encoding", "benchmark", "performance", "measurement", "result",
    "experiment", "hypothesis", "government", "history", "mountain", "river", "library", "university", "children",
    "morning", "evening", "question", "answer", "because", "however", "therefore", "although", "understanding",
    "responsibility", "internationalization", "don't", "it's", "we'll", "they're", "I'm", "you've", "she'd"};
const std::vector<std::string> kEuropean = {
    "après", "être", "déjà", "élève", "français", "über", "Straße", "Grüße", "mädchen", "schön", "niño", "añadir",
    "corazón", "información", "città", "perché", "São", "Paulo", "coração", "łódź", "Kraków", "Ελλάδα", "Москва",
    "привет", "культура", "Ærø", "smørrebrød", "İstanbul", "çiçek"};
const std::vector<std::string> kChinese = {
    "我们", "今天", "天气", "很好", "人工智能", "大语言模型", "的", "是", "在", "发展", "技术", "中国", "北京", "上海",
    "研究", "问题", "方法", "数据", "计算", "学习", "深度", "网络", "系统", "分词器", "编译器", "性能", "测试"};
const std::vector<std::string> kJapanese = {"こんにちは", "ありがとう", "東京", "日本語", "の", "は", "を", "です", "ます",
                                            "カタカナ", "ひらがな", "勉強", "電車", "駅", "ラーメン"};
const std::vector<std::string> kKorean = {"안녕하세요", "감사합니다", "한국어", "서울", "컴퓨터", "프로그램", "사람", "시간", "오늘"};
const std::vector<std::string> kEmoji = {"😀", "🚀", "👍", "❤️", "🎉", "🤖", "✅", "🇯🇵", "👨‍👩‍👧"};
const std::vector<std::string> kIdentifiers = {"value", "index", "count", "buffer", "result", "tokens", "model_dir",
                                               "numHeads", "kv_cache", "tile_size", "i", "j", "x", "ptr", "data"};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  std::string run(size_t bytes) {
    std::string out;
    out.reserve(bytes + 4096);
    while (out.size() < bytes) {
      switch (pick(10)) {
        case 0: case 1: case 2: case 3: prose(out, kEnglish, " "); break;
        case 4: prose(out, kEuropean, " "); break;
        case 5: case 6: code(out); break;
        case 7: cjk(out, kChinese, "，", "。"); break;
        case 8: cjk(out, kJapanese, "、", "。"); break;
        default: prose(out, kKorean, " "); break;
      }
    }
    return out;
  }

 private:
  size_t pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  const std::string& any(const std::vector<std::string>& v) { return v[pick(v.size())]; }

  void prose(std::string& out, const std::vector<std::string>& words, const char* space) {
    size_t sentences = 2 + pick(5);
    for (size_t s = 0; s < sentences; ++s) {
      size_t n = 5 + pick(15);
      for (size_t w = 0; w < n; ++w) {
        std::string word = any(words);
        if (w == 0 && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 32);
        out += word;
        if (pick(12) == 0) out += ",";
        if (pick(40) == 0) out += " " + std::to_string(pick(100000));
        if (pick(60) == 0) out += " " + any(kEmoji);
        if (w + 1 < n) out += space;
      }
      out += pick(8) == 0 ? "?" : ".";
      out += " ";
    }
    out += pick(3) == 0 ? "\n\n" : "\n";
  }

  void cjk(std::string& out, const std::vector<std::string>& words, const char* comma, const char* stop) {
    size_t n = 8 + pick(30);
    for (size_t w = 0; w < n; ++w) {
      out += any(words);
      if (pick(7) == 0) out += comma;
      if (pick(30) == 0) out += std::to_string(pick(2025));
    }
    out += stop;
    out += "\n";
  }

  void code(std::string& out) {
    const std::string a = any(kIdentifiers), b = any(kIdentifiers), c = any(kIdentifiers);
    switch (pick(3)) {
      case 0:
        out += "for (int " + a + " = 0; " + a + " < " + b + ".size(); ++" + a + ") {\n";
        out += "    if (" + b + "[" + a + "] != " + std::to_string(pick(256)) + ") " + c + " += " + b + "[" + a + "] * 2;\n";
        out += "    // keep the " + any(kEnglish) + " " + any(kEnglish) + " aligned\n}\n";
        break;
      case 1:
        out += "def " + a + "_" + b + "(self, " + c + "=None):\n";
        out += "\tif " + c + " is None:\n\t\treturn [x ** 2 for x in range(" + std::to_string(pick(100)) + ")]\n";
        out += "\treturn {\"" + a + "\": " + c + ", \"n\": len(" + c + ")}\n\n";
        break;
      default:
        out += "{\"" + a + "\": " + std::to_string(pick(1000)) + ", \"" + b + "\": [\"" + any(kEnglish) + "\", " +
               std::to_string(pick(10)) + "." + std::to_string(pick(100)) + "], \"ok\": true}\n";
    }
  }

  std::mt19937_64 rng_;
};

}  // namespace

std::string mixedText(size_t bytes, uint64_t seed) { return Generator(seed).run(bytes); }

}  // namespace q3c::bench
