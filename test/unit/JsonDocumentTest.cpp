//===- JsonDocumentTest.cpp - JSON from untrusted files -------------------===//

#include "frontend/JsonDocument.h"

#include <gmock/gmock.h>

using namespace r1::frontend;
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
  auto value = parseUntrustedJson(R"({"a":{"b":[1,2,{"c":"d"}]},"e":"\"}"})",
                                  "x.json");
  ASSERT_TRUE(!!value) << llvm::toString(value.takeError());
  EXPECT_EQ(value->getAsObject()->getString("e"), "\"}");
}

TEST(JsonDocumentTest, SameKeyInDifferentObjectsIsFine) {
  EXPECT_EQ(errorOf(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]})"), "");
}

TEST(JsonDocumentTest, DuplicateKeyNamesLineAndColumn) {
  EXPECT_EQ(errorOf("{\"a\":1,\n \"a\":2}"),
            "x.json: 2:2: duplicate key 'a'");
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
  EXPECT_THAT(errorOf("{\"a\":\n\n}"), HasSubstr("x.json: invalid JSON"));
}

TEST(JsonDocumentTest, InvalidUtf8) {
  EXPECT_THAT(errorOf("[\"\xc3\x28\"]"), HasSubstr("invalid JSON"));
}

} // namespace
