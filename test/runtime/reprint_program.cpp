//===- reprint_program.cpp - program.txt through the runtime's schema -----===//
//
// r1rt-reprint-program FILE: parses FILE as program.txt and prints it with
// printProgram, so a test can check that what r1c wrote is exactly the
// schema's text (test/e2e/e2e.py compares the two). A refused file prints
// the parser's message and exits 1.
//
//===----------------------------------------------------------------------===//

#include "runtime/Program.h"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: r1rt-reprint-program PROGRAM_TXT\n");
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "r1rt-reprint-program: cannot read %s\n", argv[1]);
    return 1;
  }
  std::string text((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  r1rt::Program program;
  std::string error;
  if (!r1rt::parseProgram(text, program, error)) {
    std::fprintf(stderr, "r1rt-reprint-program: %s\n", error.c_str());
    return 1;
  }
  std::string printed = r1rt::printProgram(program);
  std::fwrite(printed.data(), 1, printed.size(), stdout);
  return 0;
}
