// Random strings (seeded) tokenized by Hugging Face tokenizers, written as JSON lines
// {"text", "ids"} for `tokenizer_bench --check FILE` to compare against q3c:
//   node hf_fuzz.mjs NODE_PREFIX TOKENIZER_JSON OUT_JSONL [COUNT] [SEED]
// The strings mix the pieces that stress the pre-tokenizer (white space of every kind,
// contractions, digits, letters of many scripts, marks, emoji, special tokens) with random
// code points from every plane.
import { createRequire } from "module";
import { writeFileSync } from "fs";
import path from "path";

const [prefix, tokenizerJson, out, countArg, seedArg] = process.argv.slice(2);
const require = createRequire(path.join(path.resolve(prefix), "node_modules", "x.js"));
const { Tokenizer } = require("tokenizers");
const tok = Tokenizer.fromFile(tokenizerJson);

let state = BigInt(seedArg || 1);
function rand(n) {  // xorshift64*
  state ^= state >> 12n; state ^= (state << 25n) & 0xffffffffffffffffn; state ^= state >> 27n;
  return Number(((state * 0x2545f4914f6cdd1dn) & 0xffffffffffffffffn) >> 11n) % n;
}
const pieces = [
  " ", "  ", "\t", "\n", "\r\n", "\r", "\u000b", "\u000c", "\u0085", "\u00a0", "\u1680", "\u2000", "\u2028", "\u2029",
  "\u202f", "\u205f", "\u3000", "\u180e", "\ufeff", "\u200b", "\u200d", "'s", "'T", "'re", "'VE", "'m", "'ll", "'D", "'ſ",
  "'", "a", "Z", "word", " word", "ALLCAPS", "é", "e\u0301", "ﬁ", "Ω", "ǅ", "ß", "İ", "0", "12", "١٢", "½", "Ⅻ", "²",
  "中文", "日本語", "ｶﾀｶﾅ", "한국어", "ไทย", "हिन्दी", "עברית", "عربي", "😀", "👨‍👩‍👧", "🇯🇵", "❤️", "🫠", "!", "...", "--",
  "{}", "()", "<|im_start|>", "<|im_end|>", "<think>", "</think>", "<tool_call>", "<|endoftext|>", "<|im_", "\u0000",
  "\u007f", "\u0300", "\ud800\udc00", "\u{10ffff}", "\u{e0041}", "\uffff", "\ue000",
];
function randomCodePoint() {
  for (;;) {
    const plane = [0, 0, 0, 1, 2, 3, 14][rand(7)];
    const cp = plane * 0x10000 + rand(0x10000);
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    return String.fromCodePoint(cp);
  }
}
const count = Number(countArg || 20000);
const lines = [];
for (let i = 0; i < count; ++i) {
  let s = "";
  const n = 1 + rand(12);
  for (let k = 0; k < n; ++k) s += rand(4) === 0 ? randomCodePoint() : pieces[rand(pieces.length)];
  const enc = await tok.encode(s, null, { addSpecialTokens: false });
  lines.push(JSON.stringify({ text: s, ids: enc.getIds() }));
}
writeFileSync(out, lines.join("\n") + "\n");
console.log(`hf_fuzz: wrote ${count} strings to ${out}`);
