// tokenizers.js's side of the differential test: the same protocol as
// EncodeDriver.cpp (NUL-separated cases in; ids and hex of the decoded text
// out, two lines per case).
// Usage: node encode_js.mjs TOKENIZERS_JS_DIR TOKENIZER_JSON CASES_FILE
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";

const [moduleDir, tokenizerPath, casesPath] = process.argv.slice(2);
const { Tokenizer } = await import(
  pathToFileURL(path.join(moduleDir, "dist", "tokenizers.mjs")).href);
const json = JSON.parse(readFileSync(tokenizerPath, "utf8"));
const tokenizer = new Tokenizer(json, {});
const cases = readFileSync(casesPath, "utf8").split("\0");
const lines = [];
for (const text of cases) {
  const ids = tokenizer.encode(text, { add_special_tokens: true }).ids;
  lines.push(ids.join(" "));
  // tokenizers.js refuses to decode an empty list.
  const decoded = ids.length === 0 ? "" : tokenizer.decode(ids, {
    skip_special_tokens: false,
    clean_up_tokenization_spaces: false,
  });
  lines.push(Buffer.from(decoded, "utf8").toString("hex"));
}
process.stdout.write(lines.join("\n") + "\n");
