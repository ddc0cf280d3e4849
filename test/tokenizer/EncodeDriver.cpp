//===- EncodeDriver.cpp - r1's side of the differential tokenizer test ----===//
//
// r1-tokenizer-encode TOKENIZER_JSON CASES_FILE
//
// CASES_FILE holds test texts separated by NUL bytes. For each text this
// prints two lines: the ids of encode(text) with addSpecial and parseSpecial
// (what HuggingFace's encode does), space separated, and the hex bytes of
// decode(ids). diff_test.py compares them with tokenizers.js.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char **argv) {
  if (argc != 3) {
    std::cerr << "usage: r1-tokenizer-encode TOKENIZER_JSON CASES_FILE\n";
    return 2;
  }
  auto tok = r1::tokenizer::Tokenizer::fromFile(argv[1]);
  if (!tok) {
    std::cerr << "error: " << tok.message() << "\n";
    return 1;
  }
  std::ifstream in(argv[2], std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string cases = buffer.str();
  r1::tokenizer::EncodeOptions options;
  options.addSpecial = true;
  options.parseSpecial = true;
  std::string out;
  for (size_t begin = 0; begin < cases.size();) {
    size_t end = cases.find('\0', begin);
    if (end == std::string::npos)
      end = cases.size();
    std::vector<int32_t> ids =
        tok->encode(cases.substr(begin, end - begin), options);
    for (size_t i = 0; i < ids.size(); ++i)
      out += (i ? " " : "") + std::to_string(ids[i]);
    out += "\n";
    char hex[3];
    for (unsigned char c : tok->decode(ids)) {
      std::snprintf(hex, sizeof hex, "%02x", c);
      out += hex;
    }
    out += "\n";
    begin = end + 1;
  }
  std::cout << out;
  return 0;
}
