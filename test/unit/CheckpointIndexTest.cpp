//===- CheckpointIndexTest.cpp - sharded checkpoints and their index ------===//

#include "frontend/CheckpointIndex.h"
#include "TestFiles.h"

#include <gmock/gmock.h>

using namespace r1::frontend;
using r1::testing::safetensors;
using r1::testing::TempDir;
using ::testing::HasSubstr;

namespace {

std::string oneTensor(llvm::StringRef name) {
  return safetensors(("{\"" + name +
                      "\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}")
                         .str(),
                     std::string(4, '\0'));
}

class CheckpointIndexTest : public ::testing::Test {
protected:
  std::string errorOf() {
    auto ckpt = Checkpoint::open(dir.path);
    if (ckpt)
      return "";
    std::string message = llvm::toString(ckpt.takeError());
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    return message;
  }

  void index(llvm::StringRef weightMap) {
    dir.write("model.safetensors.index.json",
              ("{\"metadata\":{},\"weight_map\":" + weightMap + "}").str());
  }

  TempDir dir;
};

TEST_F(CheckpointIndexTest, SingleFile) {
  dir.write("model.safetensors", oneTensor("a"));
  auto ckpt = Checkpoint::open(dir.path);
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  EXPECT_NE((*ckpt)->find("a"), nullptr);
  EXPECT_EQ((*ckpt)->tensors().size(), 1u);
}

TEST_F(CheckpointIndexTest, Shards) {
  dir.write("s1.safetensors", oneTensor("a"));
  dir.write("s2.safetensors", oneTensor("b"));
  index(R"({"a":"s1.safetensors","b":"s2.safetensors"})");
  auto ckpt = Checkpoint::open(dir.path);
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  ASSERT_NE((*ckpt)->find("b"), nullptr);
  EXPECT_THAT((*ckpt)->fileOf(*(*ckpt)->find("b")).path().str(),
              HasSubstr("s2.safetensors"));
  EXPECT_EQ((*ckpt)->files().size(), 2u);
}

TEST_F(CheckpointIndexTest, NoWeights) {
  EXPECT_THAT(errorOf(), HasSubstr("has neither model.safetensors nor"));
}

TEST_F(CheckpointIndexTest, AbsoluteShardPath) {
  index(R"({"a":"/etc/passwd"})");
  EXPECT_THAT(errorOf(), HasSubstr("shard path '/etc/passwd' is absolute"));
}

TEST_F(CheckpointIndexTest, DotDotShardPath) {
  index(R"({"a":"../x.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("leaves the model folder through '..'"));
}

TEST_F(CheckpointIndexTest, BackslashShardPath) {
  index(R"({"a":"..\\x.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("contains a backslash"));
}

TEST_F(CheckpointIndexTest, EmptyShardPath) {
  index(R"({"a":""})");
  EXPECT_THAT(errorOf(), HasSubstr("is empty"));
}

TEST_F(CheckpointIndexTest, SymlinkEscapingFolder) {
  TempDir outside;
  std::string target = outside.write("x.safetensors", oneTensor("a"));
  ASSERT_FALSE(llvm::sys::fs::create_link(target, dir.file("x.safetensors")));
  index(R"({"a":"x.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("outside the model folder"));
}

TEST_F(CheckpointIndexTest, MissingShard) {
  index(R"({"a":"gone.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("shard path 'gone.safetensors' cannot be "
                                   "opened"));
}

TEST_F(CheckpointIndexTest, TensorInTwoShards) {
  dir.write("s1.safetensors", oneTensor("a"));
  dir.write("s2.safetensors", oneTensor("a"));
  dir.write("s3.safetensors", oneTensor("b"));
  index(R"({"a":"s1.safetensors","b":"s3.safetensors","c":"s2.safetensors"})");
  // "c" is not in s2 (which holds "a" instead).
  EXPECT_THAT(errorOf(), HasSubstr("tensor 'c' is not in shard "
                                   "'s2.safetensors'"));
}

TEST_F(CheckpointIndexTest, TensorDuplicatedAcrossShards) {
  dir.write("s1.safetensors", oneTensor("a"));
  dir.write("s2.safetensors",
            safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                        std::string(8, '\0')));
  index(R"({"a":"s1.safetensors","b":"s2.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("tensor 'a' is in both"));
}

TEST_F(CheckpointIndexTest, TensorMissingFromIndex) {
  dir.write("s1.safetensors",
            safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                        R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                        std::string(8, '\0')));
  index(R"({"a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("tensor 'b' of shard 's1.safetensors' is "
                                   "missing from the index"));
}

TEST_F(CheckpointIndexTest, NonStringWeightMapValue) {
  index(R"({"a":3})");
  EXPECT_THAT(errorOf(), HasSubstr("weight_map value of 'a' is not a string"));
}

TEST_F(CheckpointIndexTest, NoWeightMap) {
  dir.write("model.safetensors.index.json", "{}");
  EXPECT_THAT(errorOf(), HasSubstr("has no object 'weight_map'"));
}

TEST_F(CheckpointIndexTest, DuplicateIndexKey) {
  dir.write("s1.safetensors", oneTensor("a"));
  index(R"({"a":"s1.safetensors","a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("duplicate key 'a'"));
}

} // namespace
