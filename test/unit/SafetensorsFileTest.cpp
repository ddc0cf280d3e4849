//===- SafetensorsFileTest.cpp - SafetensorsFile on good and hostile files ===//
//
// One hostile file per rule: each must give a one-line error naming the
// problem, and never crash (the suite also runs under ASan).
//
//===----------------------------------------------------------------------===//

#include "checkpoint/SafetensorsFile.h"
#include "TestFiles.h"

#include <gmock/gmock.h>

#include <sys/stat.h>

using namespace r1::checkpoint;
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
              HasSubstr("1:3: invalid UTF-8 at byte offset 2"));
}

TEST_F(SafetensorsFileTest, DeepNestingDoesNotCrash) {
  std::string deep = "{\"a\":" + std::string(100000, '[');
  EXPECT_THAT(errorOf(safetensors(deep, "")),
              HasSubstr("nesting deeper than 64 levels"));
}

TEST_F(SafetensorsFileTest, DuplicateTensorName) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  std::string(8, '\0'))),
              HasSubstr("duplicate key 'a'"));
}

TEST_F(SafetensorsFileTest, DuplicateKeyInsideEntry) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","dtype":"F16","shape":[1],)"
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
  EXPECT_THAT(errorOf(safetensors(R"({"a":{"shape":[1],"data_offsets":[0,4]}})",
                                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' is missing 'dtype'"));
}

TEST_F(SafetensorsFileTest, MissingShape) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","data_offsets":[0,4]}})",
                          std::string(4, '\0'))),
      HasSubstr("tensor 'a' is missing 'shape'"));
}

TEST_F(SafetensorsFileTest, MissingOffsets) {
  EXPECT_THAT(errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1]}})",
                                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' is missing 'data_offsets'"));
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
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})",
          std::string(4, '\0'))),
      HasSubstr(
          "tensor 'a' shape dim 0 must be a non-negative integer, got -1"));
}

TEST_F(SafetensorsFileTest, NonIntegerDim) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' shape dim 0 must be a non-negative "
                        "integer, got 1.5"));
}

TEST_F(SafetensorsFileTest, OverflowingShape) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1099511627776,)"
                          R"(1099511627776],"data_offsets":[0,4]}})",
                          std::string(4, '\0'))),
      HasSubstr("element count overflows 64 bits"));
}

TEST_F(SafetensorsFileTest, OverflowingByteSize) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"I64","shape":[4611686018427387904],)"
                  R"("data_offsets":[0,8]}})",
                  std::string(8, '\0'))),
              HasSubstr("byte size overflows 64 bits"));
}

TEST_F(SafetensorsFileTest, OffsetsBeginAfterEnd) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' data_offsets [4, 0] have begin after end"));
}

TEST_F(SafetensorsFileTest, RangePastData) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
                  std::string(4, '\0'))),
              HasSubstr("data range [0, 8) runs past the 4-byte data section"));
}

TEST_F(SafetensorsFileTest, OverlappingRanges) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  std::string(8, '\0'))),
              HasSubstr("tensor 'b' data range [4, 8) overlaps the previous "
                        "tensor's range ending at 8"));
}

TEST_F(SafetensorsFileTest, HoleBetweenRanges) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}})",
                  std::string(12, '\0'))),
              HasSubstr("tensor 'b' data range [8, 12) leaves a hole after "
                        "offset 4"));
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
              HasSubstr("tensor 'a' data range [0, 8) holds 8 bytes but 3 "
                        "elements of F32 need 12"));
}

TEST_F(SafetensorsFileTest, RankOverLimit) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1,1,1,1,1,1,1,1,1],)"
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
  EXPECT_THAT(llvm::toString(file.takeError()),
              HasSubstr("cannot read: no such file or directory"));
}

// ---- more hostile headers ------------------------------------------------

TEST_F(SafetensorsFileTest, HeaderLengthZero) {
  EXPECT_THAT(errorOf(std::string(8, '\0')),
              HasSubstr("header does not start with '{'"));
}

TEST_F(SafetensorsFileTest, IntegralFloatDimIsNotAnInteger) {
  // The reference reader (serde, usize) rejects 2.0; so do we.
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("shape dim 0 must be a non-negative integer, got 1"));
}

TEST_F(SafetensorsFileTest, DimOfTwoToThe63AsDoubleIsRejectedWithoutUB) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[9223372036854775808.0],)"
                  R"("data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("shape dim 0 must be a non-negative integer"));
}

TEST_F(SafetensorsFileTest, DimAboveInt64) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[18446744073709551615],)"
                  R"("data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("shape dim 0 must be a non-negative integer"));
}

TEST_F(SafetensorsFileTest, ShapeNotAnArray) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":4,"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' 'shape' must be an array, got number"));
}

TEST_F(SafetensorsFileTest, DtypeNotAString) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":7,"shape":[1],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("tensor 'a' 'dtype' must be a string, got number"));
}

TEST_F(SafetensorsFileTest, TensorEntryNotAnObject) {
  EXPECT_THAT(errorOf(safetensors(R"({"a":[1,2]})", "")),
              HasSubstr("tensor 'a' must be an object, got array"));
}

TEST_F(SafetensorsFileTest, EmptyTensorName) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                  std::string(4, '\0'))),
              HasSubstr("a tensor has an empty name"));
}

TEST_F(SafetensorsFileTest, OffsetsNotAPair) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}})",
                  std::string(4, '\0'))),
              HasSubstr("'data_offsets' must be [begin, end], got 3 entries"));
}

TEST_F(SafetensorsFileTest, NegativeOffset) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}})",
                  std::string(4, '\0'))),
              HasSubstr("'data_offsets' must hold non-negative integers, got "
                        "-4"));
}

TEST_F(SafetensorsFileTest, OffsetPastInt64) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"a":{"dtype":"F32","shape":[1],)"
                          R"("data_offsets":[0,18446744073709551615]}})",
                          std::string(4, '\0'))),
      HasSubstr("'data_offsets' must hold non-negative integers"));
}

TEST_F(SafetensorsFileTest, HugeRangePastData) {
  // end - begin would fit the shape; the range itself is far past the file.
  EXPECT_THAT(
      errorOf(safetensors(
          R"({"a":{"dtype":"F32","shape":[1],)"
          R"("data_offsets":[9223372036854775800,9223372036854775804]}})",
          std::string(4, '\0'))),
      HasSubstr("runs past the 4-byte data section"));
}

TEST_F(SafetensorsFileTest, MetadataNotAnObject) {
  EXPECT_THAT(errorOf(safetensors(R"({"__metadata__":"pt"})", "")),
              HasSubstr("'__metadata__' must be an object of strings, got "
                        "string"));
}

TEST_F(SafetensorsFileTest, DuplicateMetadataKey) {
  EXPECT_THAT(
      errorOf(safetensors(R"({"__metadata__":{"f":"pt","f":"np"}})", "")),
      HasSubstr("duplicate key 'f'"));
}

TEST_F(SafetensorsFileTest, ZeroSizedTensorInsideAnotherOverlaps) {
  EXPECT_THAT(errorOf(safetensors(
                  R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}})",
                  std::string(8, '\0'))),
              HasSubstr("tensor 'b' data range [4, 4) overlaps"));
}

TEST_F(SafetensorsFileTest, DataWithoutTensors) {
  EXPECT_THAT(errorOf(safetensors("{}", "xyz")),
              HasSubstr("3 trailing bytes after the last tensor"));
}

TEST_F(SafetensorsFileTest, ControlCharactersInNamesStayOnOneLine) {
  std::string message = errorOf(safetensors(
      R"({"a\nb\u0000":{"dtype":"BOOL","shape":[1],"data_offsets":[0,1]}})",
      std::string(1, '\0')));
  EXPECT_THAT(message, HasSubstr("unsupported dtype 'BOOL' of tensor "
                                 "'a\\nb\\x00'"));
}

TEST_F(SafetensorsFileTest, LongNamesAreCut) {
  std::string name(100000, 'x');
  std::string message = errorOf(safetensors(
      "{\"" + name + R"(":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
      std::string(8, '\0')));
  EXPECT_THAT(message, HasSubstr("unsupported dtype 'F64'"));
  EXPECT_THAT(message, HasSubstr("xxx...'"));
  EXPECT_LT(message.size(), 1000u);
}

TEST_F(SafetensorsFileTest, AFolderIsNotAFile) {
  auto file = SafetensorsFile::open(dir.path);
  ASSERT_FALSE(!!file);
  EXPECT_THAT(llvm::toString(file.takeError()),
              HasSubstr("is not a regular file"));
}

TEST_F(SafetensorsFileTest, AFifoIsRejectedWithoutBlocking) {
  std::string fifo = dir.file("model.safetensors");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto file = SafetensorsFile::open(fifo);
  ASSERT_FALSE(!!file);
  EXPECT_THAT(llvm::toString(file.takeError()),
              HasSubstr("is not a regular file"));
}

class UnsupportedDtypeTest
    : public SafetensorsFileTest,
      public ::testing::WithParamInterface<const char *> {};

TEST_P(UnsupportedDtypeTest, IsNamed) {
  std::string header = std::string(R"({"w":{"dtype":")") + GetParam() +
                       R"(","shape":[1],"data_offsets":[0,1]}})";
  EXPECT_THAT(errorOf(safetensors(header, std::string(1, '\0'))),
              HasSubstr(std::string("unsupported dtype '") + GetParam() +
                        "' of tensor 'w'"));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, UnsupportedDtypeTest,
                         ::testing::Values("F64", "BOOL", "F8_E5M2", "I16",
                                           "U16", "U32", "U64", "f32", ""));

// ---- more valid files ----------------------------------------------------

TEST_F(SafetensorsFileTest, EmptyHeaderObjectIsAnEmptyFile) {
  EXPECT_EQ(errorOf(safetensors("{}", "")), "");
}

TEST_F(SafetensorsFileTest, ZeroSizedTensors) {
  std::string path = dir.write(
      "model.safetensors",
      safetensors(R"({"a":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},)"
                  R"("b":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},)"
                  R"("c":{"dtype":"BF16","shape":[0],"data_offsets":[8,8]}})",
                  std::string(8, '\0')));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(!!file) << llvm::toString(file.takeError());
  EXPECT_EQ((*file)->find("a")->numElements(), 0u);
  EXPECT_EQ((*file)->data(*(*file)->find("c")).size(), 0u);
}

TEST_F(SafetensorsFileTest, TensorsAreSortedByOffsetAndDataIsExact) {
  // Out of order in the header, several pages long so the file is mapped.
  const uint64_t n = 8192;
  std::string header =
      R"({"z":{"dtype":"F32","shape":[8192],"data_offsets":[0,32768]},)"
      R"("a":{"dtype":"I32","shape":[2],"data_offsets":[32768,32776]}})";
  std::string data(4 * n + 8, '\0');
  for (uint64_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>(i * 7);
  std::string path = dir.write("model.safetensors", safetensors(header, data));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(!!file) << llvm::toString(file.takeError());
  ASSERT_EQ((*file)->tensors().size(), 2u);
  EXPECT_EQ((*file)->tensors()[0].name, "z");
  EXPECT_EQ((*file)->tensors()[1].name, "a");
  EXPECT_EQ((*file)->dataSize(), 4 * n + 8);
  llvm::ArrayRef<uint8_t> a = (*file)->data(*(*file)->find("a"));
  ASSERT_EQ(a.size(), 8u);
  EXPECT_EQ(a[0], static_cast<uint8_t>(32768 * 7));
  EXPECT_EQ((*file)->find("z")->numElements(), n);
}

TEST_F(SafetensorsFileTest, ForeignTensorGivesNoBytes) {
  std::string path = dir.write(
      "model.safetensors",
      safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
                  std::string(4, '\0')));
  auto file = SafetensorsFile::open(path);
  ASSERT_TRUE(!!file) << llvm::toString(file.takeError());
  TensorInfo foreign;
  foreign.begin = 0;
  foreign.end = 1 << 20;
  EXPECT_TRUE((*file)->data(foreign).empty());
}

} // namespace
