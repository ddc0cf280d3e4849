//===- JsonDocumentTest.cpp - JSON from untrusted files -------------------===//
//
// This file tests the pre-scan in front of llvm::json (depth, duplicate keys
// however they are escaped, sizes), its one-line errors, and the integer and
// file helpers the readers share.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/JsonDocument.h"
#include "TestFiles.h"

#include <gmock/gmock.h>

#include <sys/stat.h>

using namespace r1::checkpoint;
using ::testing::HasSubstr;

namespace {

std::string errorOf(llvm::StringRef text, JsonLimits limits = {}) {
  auto value = parseUntrustedJson(text, "x.json", limits);
  if (value)
    return "";
  std::string message = llvm::toString(value.takeError());
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  return message;
}

TEST(JsonDocumentTest, ParsesNestedObjects) {
  auto value =
      parseUntrustedJson(R"({"a":{"b":[1,2,{"c":"d"}]},"e":"\"}"})", "x.json");
  ASSERT_TRUE(!!value) << llvm::toString(value.takeError());
  EXPECT_EQ(value->getAsObject()->getString("e"), "\"}");
}

TEST(JsonDocumentTest, SameKeyInDifferentObjectsIsFine) {
  EXPECT_EQ(errorOf(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]})"), "");
}

TEST(JsonDocumentTest, DuplicateKeyNamesLineAndColumn) {
  EXPECT_EQ(errorOf("{\"a\":1,\n \"a\":2}"), "x.json: 2:2: duplicate key 'a'");
}

TEST(JsonDocumentTest, DuplicateKeySpelledWithSurrogates) {
  EXPECT_THAT(errorOf(R"({"😀":1,"\ud83d\ude00":2})"),
              HasSubstr("duplicate key"));
}

TEST(JsonDocumentTest, StringValuesAreNotKeys) {
  EXPECT_EQ(errorOf(R"({"a":"a","b":"a"})"), "");
}

TEST(JsonDocumentTest, DeepArrays) {
  EXPECT_THAT(errorOf(std::string(1000000, '[')),
              HasSubstr("nesting deeper than 64 levels"));
}

TEST(JsonDocumentTest, DeepObjects) {
  std::string deep;
  for (int i = 0; i < 100; ++i)
    deep += "{\"a\":";
  EXPECT_THAT(errorOf(deep), HasSubstr("nesting deeper than 64 levels"));
}

TEST(JsonDocumentTest, DepthLimitIsConfigurable) {
  JsonLimits limits;
  limits.maxDepth = 2;
  EXPECT_THAT(errorOf("[[[1]]]", limits), HasSubstr("deeper than 2"));
  EXPECT_EQ(errorOf("[[1]]", limits), "");
}

TEST(JsonDocumentTest, SizeLimit) {
  JsonLimits limits;
  limits.maxBytes = 4;
  EXPECT_THAT(errorOf("[1,2,3]", limits), HasSubstr("exceeds the limit of 4"));
}

TEST(JsonDocumentTest, UnterminatedString) {
  EXPECT_THAT(errorOf(R"({"abc)"), HasSubstr("unterminated string"));
}

TEST(JsonDocumentTest, BadEscape) {
  EXPECT_THAT(errorOf(R"({"a\q":1})"), HasSubstr("invalid escape"));
}

TEST(JsonDocumentTest, InvalidJsonIsOneLine) {
  EXPECT_EQ(errorOf("{\"a\":\n\n}"),
            "x.json: 3:1: invalid JSON: invalid JSON value");
}

TEST(JsonDocumentTest, InvalidUtf8) {
  EXPECT_THAT(errorOf("[\"\xc3\x28\"]"),
              HasSubstr("x.json: 1:3: invalid UTF-8 at byte offset 2"));
}

TEST(JsonDocumentTest, ParseErrorsHaveLineAndColumn) {
  EXPECT_EQ(errorOf("[1,\n 2 3]"),
            "x.json: 2:4: invalid JSON: expected , or ] after array element");
}

TEST(JsonDocumentTest, InvalidUtf8OnALaterLine) {
  EXPECT_THAT(errorOf("{\n\"k\": \"ab\xff\"}"),
              HasSubstr("x.json: 2:9: invalid UTF-8"));
}

TEST(JsonDocumentTest, TrailingGarbage) {
  EXPECT_THAT(errorOf("{} {}"), HasSubstr("invalid JSON"));
}

TEST(JsonDocumentTest, DepthLimitIsInclusive) {
  EXPECT_EQ(errorOf(std::string(64, '[') + std::string(64, ']')), "");
  EXPECT_THAT(errorOf(std::string(65, '[') + std::string(65, ']')),
              HasSubstr("1:65: nesting deeper than 64 levels"));
}

TEST(JsonDocumentTest, BracketsInStringsDoNotNest) {
  EXPECT_EQ(errorOf("[\"" + std::string(1000, '[') + "\"]"), "");
}

TEST(JsonDocumentTest, DuplicateKeyAfterEscapedQuote) {
  EXPECT_THAT(errorOf(R"({"a\"":1,"a\u0022":2})"),
              HasSubstr("duplicate key 'a\"'"));
}

TEST(JsonDocumentTest, UnpairedSurrogatesThatJsonMergesAreDuplicates) {
  // llvm::json turns every unpaired surrogate into U+FFFD, so these two keys
  // would silently collapse into one.
  EXPECT_THAT(errorOf(R"({"\ud800":1,"\ufffd":2})"),
              HasSubstr("duplicate key"));
  EXPECT_THAT(errorOf(R"({"\udc00x":1,"\ud800x":2})"),
              HasSubstr("duplicate key"));
  // A leading surrogate followed by a non-trailing escape keeps the second.
  EXPECT_THAT(errorOf(R"({"\ud800\u0041":1,"\ufffdA":2})"),
              HasSubstr("duplicate key"));
}

TEST(JsonDocumentTest, DistinctSurrogateKeysAreFine) {
  EXPECT_EQ(errorOf(R"({"\ud800":1,"\ud800x":2,"\ud83d\ude00":3})"), "");
}

TEST(JsonDocumentTest, DuplicateKeyWithNewlineStaysOnOneLine) {
  EXPECT_THAT(errorOf(R"({"a\nb":1,"a\u000ab":2})"),
              HasSubstr("duplicate key 'a\\nb'"));
}

TEST(JsonDocumentTest, DuplicateInNestedObjectAfterArray) {
  EXPECT_THAT(errorOf(R"({"o":{"x":[1,{"x":2}],"y":3,"x":4}})"),
              HasSubstr("1:29: duplicate key 'x'"));
}

TEST(JsonDocumentTest, TruncatedUnicodeEscape) {
  EXPECT_THAT(errorOf(R"({"\u12)"), HasSubstr("invalid \\u escape"));
}

TEST(JsonDocumentTest, JsonIntegerNeverConvertsOutOfRange) {
  auto number = [](llvm::StringRef text) {
    auto value = llvm::json::parse(text);
    EXPECT_TRUE(!!value);
    return value ? jsonInteger(*value) : std::nullopt;
  };
  EXPECT_EQ(number("-5"), -5);
  EXPECT_EQ(number("3.0"), 3);
  EXPECT_EQ(number("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(number("9223372036854775808"), std::nullopt);
  EXPECT_EQ(number("9223372036854775808.0"), std::nullopt);
  EXPECT_EQ(number("1e999"), std::nullopt);
  EXPECT_EQ(number("-1e999"), std::nullopt);
  EXPECT_EQ(number("1.5"), std::nullopt);
  EXPECT_EQ(number("\"1\""), std::nullopt);
}

TEST(JsonDocumentTest, NonNegativeLiteralsOnly) {
  auto literal = [](llvm::StringRef text) {
    auto value = llvm::json::parse(text);
    EXPECT_TRUE(!!value);
    return value ? jsonNonNegativeLiteral(*value) : std::nullopt;
  };
  EXPECT_EQ(literal("0"), 0);
  EXPECT_EQ(literal("4096"), 4096);
  EXPECT_EQ(literal("4096.0"), std::nullopt);
  EXPECT_EQ(literal("-1"), std::nullopt);
  EXPECT_EQ(literal("18446744073709551615"), std::nullopt);
}

TEST(JsonDocumentTest, PrintableEscapesAndCuts) {
  EXPECT_EQ(printable("a\tb\x01\x7f"), "a\\tb\\x01\\x7f");
  EXPECT_EQ(printable("caf\xc3\xa9"), "caf\xc3\xa9");
  std::string longText(300, 'y');
  EXPECT_EQ(printable(longText), std::string(200, 'y') + "...");
  // A multi-byte character is never split at the cut.
  std::string accents;
  for (int i = 0; i < 150; ++i)
    accents += "\xc3\xa9";
  std::string cut = printable(accents);
  EXPECT_EQ(cut.size(), 203u);
  EXPECT_EQ(cut.substr(198), "\xc3\xa9...");
}

TEST(JsonDocumentTest, ReadJsonFile) {
  r1::testing::TempDir dir;
  std::string path = dir.write("config.json", R"({"a": [1, 2]})");
  auto value = readJsonFile(path);
  ASSERT_TRUE(!!value) << llvm::toString(value.takeError());
  EXPECT_EQ(value->getAsObject()->getArray("a")->size(), 2u);
}

TEST(JsonDocumentTest, ReadJsonFileOverLimit) {
  r1::testing::TempDir dir;
  std::string path = dir.write("config.json", std::string(100, ' ') + "{}");
  JsonLimits limits;
  limits.maxBytes = 64;
  auto value = readJsonFile(path, limits);
  ASSERT_FALSE(!!value);
  EXPECT_THAT(llvm::toString(value.takeError()),
              HasSubstr("config.json: file of 102 bytes exceeds the limit of "
                        "64 bytes"));
}

TEST(JsonDocumentTest, ReadJsonFileErrorsNameTheFile) {
  r1::testing::TempDir dir;
  std::string path = dir.write("bad.json", "{\"a\": tru}");
  auto value = readJsonFile(path);
  ASSERT_FALSE(!!value);
  std::string message = llvm::toString(value.takeError());
  EXPECT_THAT(message, HasSubstr("bad.json: 1:"));
  EXPECT_THAT(message, HasSubstr("invalid JSON"));
}

TEST(JsonDocumentTest, ReadJsonFileRejectsFifoWithoutBlocking) {
  r1::testing::TempDir dir;
  std::string fifo = dir.file("config.json");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto value = readJsonFile(fifo);
  ASSERT_FALSE(!!value);
  EXPECT_THAT(llvm::toString(value.takeError()),
              HasSubstr("is not a regular file"));
}

} // namespace
