//===- SafetensorsFileTest.cpp - SafetensorsFile on good and hostile files ===//
//
// One hostile file per rule: each must give a one-line error naming the
// problem, and never crash (the suite also runs under ASan).
//
//===----------------------------------------------------------------------===//

#include "frontend/SafetensorsFile.h"
#include "TestFiles.h"

#include <gmock/gmock.h>

using namespace r1::frontend;
using r1::testing::safetensors;
using r1::testing::TempDir;
using ::testing::HasSubstr;

namespace {

class SafetensorsFileTest : public ::testing::Test {
protected:
  /// The error of opening `bytes`, or "" when it opened.
  std::string errorOf(const std::string &bytes) {
    std::string path = dir.write("model.safetensors", bytes);
    auto file = SafetensorsFile::open(path);
    if (file)
      return "";
    std::string message = llvm::toString(file.takeError());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    EXPECT_THAT(message, HasSubstr("model.safetensors"));
    return message;
  }

  TempDir dir;
};

TEST_F(SafetensorsFileTest, ReadsEveryDtypeAndMetadata) {
  std::string header =
      R"({"__metadata__":{"format":"pt"},)"
      R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},)"
      R"("b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]},)"
      R"("c":{"dtype":"F16","shape":[1],"data_offsets":[22,24]},)"
      R"("d":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[24,28]},)"
      R"("e":{"dtype":"I8","shape":[2],"data_offsets":[28,30]},)"
      R"("f":{"dtype":"U8","shape":[2],"data_offsets":[30,32]},)"
      R"("g":{"dtype":"I32","shape":[1],"data_offsets":[32,36]},)"
      R"("h":{"dtype":"I64","shape":[],"data_offsets":[36,44]}})";
  std::string data(44, '\0');
  data[0] = 1;
  std::string path = dir.write("model.safetensors", safetensors(header, data));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(!!file) << llvm::toString(file.takeError());
  EXPECT_EQ((*file)->tensors().size(), 8u);
  const TensorInfo *a = (*file)->find("a");
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->dtype, DType::F32);
  EXPECT_EQ(llvm::ArrayRef<int64_t>(a->shape), llvm::ArrayRef<int64_t>({2, 2}));
  EXPECT_EQ((*file)->data(*a).size(), 16u);
  EXPECT_EQ((*file)->data(*a)[0], 1);
  EXPECT_EQ((*file)->find("h")->shape.size(), 0u);
  EXPECT_EQ((*file)->metadata().lookup("format"), "pt");
  EXPECT_EQ((*file)->find("missing"), nullptr);
}

TEST_F(SafetensorsFileTest, AcceptsTrailingSpacesInHeader) {
  EXPECT_EQ(errorOf(safetensors(
                R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}    )",
                std::string(4, '\0'))),
            "");
}

TEST_F(SafetensorsFileTest, EmptyFile) {
  EXPECT_THAT(errorOf(""), HasSubstr("too small for a safetensors header"));
}

TEST_F(SafetensorsFileTest, SevenByteFile) {
  EXPECT_THAT(errorOf("1234567"), HasSubstr("too small"));
}

TEST_F(SafetensorsFileTest, HeaderLengthPastFile) {
  std::string bytes = safetensors("{}", "");
  bytes[0] = 100;
  EXPECT_THAT(errorOf(bytes), HasSubstr("runs past the end"));
}

TEST_F(SafetensorsFileTest, HeaderLengthOverLimit) {
  std::string bytes(16, '\0');
  bytes[4] = 1; // 2^32
  EXPECT_THAT(errorOf(bytes), HasSubstr("exceeds the limit of 100000000"));
}

TEST_F(SafetensorsFileTest, HeaderLengthHugeDoesNotOverflow) {
  std::string bytes(16, '\xff');
  EXPECT_THAT(errorOf(bytes), HasSubstr("exceeds the limit"));
}

TEST_F(SafetensorsFileTest, HeaderNotAnObject) {
  EXPECT_THAT(errorOf(safetensors("[1,2]", "")),
              HasSubstr("does not start with '{'"));
}

TEST_F(SafetensorsFileTest, BadJson) {
  EXPECT_THAT(errorOf(safetensors(R"({"a":)", "")), HasSubstr("invalid JSON"));
}

TEST_F(SafetensorsFileTest, InvalidUtf8InHeader) {
  EXPECT_THAT(errorOf(safetensors("{\"\xff\xfe\":1}", "")),
              HasSubstr("invalid JSON"));
}

TEST_F(SafetensorsFileTest, DeepNestingDoesNotCrash) {
  std::string deep = "{\"a\":" + std::string(100000, '[');
  EXPECT_THAT(errorOf(safetensors(deep, "")),
              HasSubstr("nesting deeper than 64 levels"));
}

TEST_F(SafetensorsFileTest, DuplicateTensorName) {
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
          R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          std::string(8, '\0'))),
      HasSubstr("duplicate key 'a'"));
}

TEST_F(SafetensorsFileTest, DuplicateKeyInsideEntry) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],)"
                  R"("data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("duplicate key 'dtype'"));
}

TEST_F(SafetensorsFileTest, DuplicateKeyWithEscapes) {
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
          R"("\u0061":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          std::string(8, '\0'))),
      HasSubstr("duplicate key 'a'"));
}

TEST_F(SafetensorsFileTest, MissingDtype) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"shape":[1],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' has no string 'dtype'"));
}

TEST_F(SafetensorsFileTest, MissingShape) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' has no array 'shape'"));
}

TEST_F(SafetensorsFileTest, MissingOffsets) {
  EXPECT_THAT(errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1]}})",
                                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' has no 'data_offsets' pair"));
}

TEST_F(SafetensorsFileTest, ExtraField) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],)"
                  R"("x":1}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' has unknown field 'x'"));
}

TEST_F(SafetensorsFileTest, UnsupportedDtype) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
                  std::string(8, '\0'))),
              HasSubstr("unsupported dtype 'F64' of tensor 'a'"));
}

TEST_F(SafetensorsFileTest, NegativeDim) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("shape dim that is not a non-negative integer"));
}

TEST_F(SafetensorsFileTest, NonIntegerDim) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("shape dim that is not a non-negative integer"));
}

TEST_F(SafetensorsFileTest, OverflowingShape) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1099511627776,)"
                          R"(1099511627776],"data_offsets":[0,4]}})",
                          std::string(4, '\0'))),
      HasSubstr("element count overflows 64 bits"));
}

TEST_F(SafetensorsFileTest, OverflowingByteSize) {
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"I64","shape":[4611686018427387904],)"
          R"("data_offsets":[0,8]}})",
          std::string(8, '\0'))),
      HasSubstr("byte size overflows 64 bits"));
}

TEST_F(SafetensorsFileTest, OffsetsBeginAfterEnd) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
                  std::string(4, '\0'))),
              HasSubstr("with begin after end"));
}

TEST_F(SafetensorsFileTest, RangePastData) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                  std::string(4, '\0'))),
              HasSubstr("data range [0, 8) runs past the 4-byte data section"));
}

TEST_F(SafetensorsFileTest, OverlappingRanges) {
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
          std::string(8, '\0'))),
      HasSubstr("overlaps the previous range ending at 8"));
}

TEST_F(SafetensorsFileTest, HoleBetweenRanges) {
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
          R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
          std::string(12, '\0'))),
      HasSubstr("leaves a hole after offset 4"));
}

TEST_F(SafetensorsFileTest, TrailingBytes) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                  std::string(6, '\0'))),
              HasSubstr("2 trailing bytes after the last tensor"));
}

TEST_F(SafetensorsFileTest, SizeMismatchWithShape) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})",
                  std::string(8, '\0'))),
              HasSubstr("has 8 bytes of data but its shape and dtype need 12"));
}

TEST_F(SafetensorsFileTest, RankOverLimit) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],)"
                  R"("data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("has rank 9, more than 8"));
}

TEST_F(SafetensorsFileTest, MetadataNotStrings) {
  EXPECT_THAT(errorOf(safetensors(R"({"__metadata__":{"a":1}})", "")),
              HasSubstr("'__metadata__' value of 'a' must be a string"));
}

TEST_F(SafetensorsFileTest, MissingFile) {
  auto file = SafetensorsFile::open(dir.file("nope.safetensors"));
  ASSERT_FALSE(!!file);
  EXPECT_THAT(llvm::toString(file.takeError()), HasSubstr("cannot open"));
}

} // namespace
