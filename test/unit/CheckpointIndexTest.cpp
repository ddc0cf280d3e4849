//===- CheckpointIndexTest.cpp - sharded checkpoints and their index ------===//
//
// This file tests Checkpoint::open on single-file and sharded folders, and
// one hostile folder per rule: shard paths that leave the folder, and an
// index that disagrees with its shards.
//
//===----------------------------------------------------------------------===//

#include "checkpoint/CheckpointIndex.h"
#include "TestFiles.h"

#include <gmock/gmock.h>

using namespace r1::checkpoint;
using r1::testing::safetensors;
using r1::testing::TempDir;
using ::testing::HasSubstr;

namespace {

std::string oneTensor(llvm::StringRef name) {
  return safetensors(
      ("{\"" + name +
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
  const SafetensorsFile *file = nullptr;
  ASSERT_NE((*ckpt)->find("b", &file), nullptr);
  EXPECT_THAT(file->path().str(), HasSubstr("s2.safetensors"));
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

/// A folder laid out as HuggingFace's hub cache does:
/// models--x/snapshots/REV/FILE -> ../../blobs/HASH.
class HubCache {
public:
  explicit HubCache(const TempDir &root) : root(root) {
    namespace fs = llvm::sys::fs;
    EXPECT_FALSE(fs::create_directories(root.file("models--x/blobs")));
    EXPECT_FALSE(fs::create_directories(root.file("models--x/snapshots/rev")));
  }
  /// Writes `bytes` as blob `hash` and links the snapshot's `name` to it.
  void add(llvm::StringRef name, llvm::StringRef hash, llvm::StringRef bytes) {
    root.write(("models--x/blobs/" + hash).str(), bytes);
    EXPECT_FALSE(llvm::sys::fs::create_link("../../blobs/" + hash,
                                            snapshot() + "/" + name.str()));
  }
  std::string snapshot() const { return root.file("models--x/snapshots/rev"); }

private:
  const TempDir &root;
};

TEST_F(CheckpointIndexTest, HubCacheShards) {
  HubCache hub(dir);
  hub.add("s1.safetensors", "1111", oneTensor("a"));
  hub.add("s2.safetensors", "2222", oneTensor("b"));
  hub.add("model.safetensors.index.json", "3333",
          R"({"weight_map":{"a":"s1.safetensors","b":"s2.safetensors"}})");
  auto ckpt = Checkpoint::open(hub.snapshot());
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  EXPECT_EQ((*ckpt)->files().size(), 2u);
  EXPECT_NE((*ckpt)->find("b"), nullptr);
}

TEST_F(CheckpointIndexTest, HubCacheSingleFile) {
  HubCache hub(dir);
  hub.add("model.safetensors", "1111", oneTensor("a"));
  auto ckpt = Checkpoint::open(hub.snapshot());
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  EXPECT_NE((*ckpt)->find("a"), nullptr);
}

TEST_F(CheckpointIndexTest, ShardThatIsNotARegularFile) {
  ASSERT_FALSE(llvm::sys::fs::create_directory(dir.file("s1.safetensors")));
  index(R"({"a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("is not a regular file"));
}

TEST_F(CheckpointIndexTest, MissingShard) {
  index(R"({"a":"gone.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("shard path 'gone.safetensors' cannot be "
                                   "opened"));
}

TEST_F(CheckpointIndexTest, TensorMissingFromItsShard) {
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
  dir.write(
      "s2.safetensors",
      safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  std::string(8, '\0')));
  index(R"({"a":"s1.safetensors","b":"s2.safetensors"})");
  EXPECT_THAT(errorOf(),
              HasSubstr("tensor 'a' is in two shards, 's1.safetensors' (per "
                        "the index) and 's2.safetensors'"));
}

TEST_F(CheckpointIndexTest, TensorMissingFromIndex) {
  dir.write(
      "s1.safetensors",
      safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  std::string(8, '\0')));
  index(R"({"a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("tensor 'b' of shard 's1.safetensors' is "
                                   "missing from the index"));
}

TEST_F(CheckpointIndexTest, NonStringWeightMapValue) {
  index(R"({"a":3})");
  EXPECT_THAT(errorOf(), HasSubstr("'weight_map' value of tensor 'a' must be a "
                                   "shard file name, got number"));
}

TEST_F(CheckpointIndexTest, NoWeightMap) {
  dir.write("model.safetensors.index.json", "{}");
  EXPECT_THAT(errorOf(), HasSubstr("has no 'weight_map'"));
}

TEST_F(CheckpointIndexTest, DuplicateIndexKey) {
  dir.write("s1.safetensors", oneTensor("a"));
  index(R"({"a":"s1.safetensors","a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("duplicate key 'a'"));
}

TEST_F(CheckpointIndexTest, FindReportsTheShardAndData) {
  dir.write("s1.safetensors", oneTensor("a"));
  dir.write(
      "s2.safetensors",
      safetensors(R"({"b":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                  std::string("\x01\x00\x00\x00\x02\x00\x00\x00", 8)));
  index(R"({"a":"s1.safetensors","b":"s2.safetensors"})");
  auto ckpt = Checkpoint::open(dir.path);
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  const SafetensorsFile *file = nullptr;
  const TensorInfo *b = (*ckpt)->find("b", &file);
  ASSERT_NE(b, nullptr);
  ASSERT_NE(file, nullptr);
  EXPECT_THAT(file->path().str(), HasSubstr("s2.safetensors"));
  // Another checkpoint's tensor of the same name has no bytes here.
  TensorInfo copy = *b;
  EXPECT_TRUE((*ckpt)->data(copy).empty());
  ASSERT_EQ((*ckpt)->data(*b).size(), 8u);
  EXPECT_EQ((*ckpt)->data(*b)[4], 2);
  EXPECT_EQ((*ckpt)->find("c", &file), nullptr);
  ASSERT_EQ((*ckpt)->tensors().size(), 2u);
  EXPECT_EQ((*ckpt)->tensors()[0].name, "a");
  EXPECT_EQ((*ckpt)->tensors()[1].name, "b");
}

TEST_F(CheckpointIndexTest, ShardsInASubfolder) {
  ASSERT_FALSE(llvm::sys::fs::create_directory(dir.file("sub")));
  dir.write("sub/s1.safetensors", oneTensor("a"));
  index(R"({"a":"sub/s1.safetensors"})");
  EXPECT_EQ(errorOf(), "");
}

TEST_F(CheckpointIndexTest, OneShardSpelledTwoWaysIsOpenedOnce) {
  dir.write(
      "s1.safetensors",
      safetensors(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
                  std::string(8, '\0')));
  index(R"({"a":"s1.safetensors","b":"./s1.safetensors"})");
  auto ckpt = Checkpoint::open(dir.path);
  ASSERT_TRUE(!!ckpt) << llvm::toString(ckpt.takeError());
  EXPECT_EQ((*ckpt)->files().size(), 1u);
  EXPECT_EQ((*ckpt)->tensors().size(), 2u);
}

TEST_F(CheckpointIndexTest, SymlinkInsideFolderIsFine) {
  dir.write("real.safetensors", oneTensor("a"));
  ASSERT_FALSE(llvm::sys::fs::create_link(dir.file("real.safetensors"),
                                          dir.file("link.safetensors")));
  index(R"({"a":"link.safetensors"})");
  EXPECT_EQ(errorOf(), "");
}

TEST_F(CheckpointIndexTest, SymlinkedFolderEscape) {
  // A link to a folder outside, used as a path component.
  TempDir outside;
  outside.write("x.safetensors", oneTensor("a"));
  ASSERT_FALSE(llvm::sys::fs::create_link(outside.path, dir.file("out")));
  index(R"({"a":"out/x.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("outside the model folder"));
}

TEST_F(CheckpointIndexTest, DotDotInTheMiddle) {
  ASSERT_FALSE(llvm::sys::fs::create_directory(dir.file("sub")));
  dir.write("s1.safetensors", oneTensor("a"));
  index(R"({"a":"sub/../s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("shard path 'sub/../s1.safetensors' leaves "
                                   "the model folder through '..'"));
}

TEST_F(CheckpointIndexTest, ControlCharacterInShardPath) {
  index(R"({"a":"s1.safetensors\u0000../x"})");
  EXPECT_THAT(errorOf(), HasSubstr("contains a control character"));
}

TEST_F(CheckpointIndexTest, ShardIsAFolder) {
  ASSERT_FALSE(llvm::sys::fs::create_directory(dir.file("s1.safetensors")));
  index(R"({"a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("s1.safetensors: is not a regular file"));
}

TEST_F(CheckpointIndexTest, CorruptShardIsNamed) {
  dir.write("s1.safetensors", "1234567");
  index(R"({"a":"s1.safetensors"})");
  EXPECT_THAT(errorOf(), HasSubstr("s1.safetensors: file of 7 bytes is too "
                                   "small"));
}

TEST_F(CheckpointIndexTest, WeightMapNotAnObject) {
  dir.write("model.safetensors.index.json", R"({"weight_map":["a"]})");
  EXPECT_THAT(errorOf(),
              HasSubstr("'weight_map' must be an object, got array"));
}

TEST_F(CheckpointIndexTest, EmptyWeightMap) {
  index("{}");
  EXPECT_THAT(errorOf(), HasSubstr("'weight_map' is empty"));
}

TEST_F(CheckpointIndexTest, IndexNotAnObject) {
  dir.write("model.safetensors.index.json", "[]");
  EXPECT_THAT(errorOf(), HasSubstr("must hold a JSON object, got array"));
}

TEST_F(CheckpointIndexTest, BadIndexJson) {
  dir.write("model.safetensors.index.json", "{\"weight_map\":");
  EXPECT_THAT(errorOf(), HasSubstr("model.safetensors.index.json: 1:"));
}

TEST_F(CheckpointIndexTest, MissingFolder) {
  auto ckpt = Checkpoint::open(dir.file("nope"));
  ASSERT_FALSE(!!ckpt);
  EXPECT_THAT(llvm::toString(ckpt.takeError()),
              HasSubstr("cannot open the model folder"));
}

TEST_F(CheckpointIndexTest, CorruptSingleFileIsNamed) {
  dir.write("model.safetensors", "");
  EXPECT_THAT(errorOf(), HasSubstr("model.safetensors: file of 0 bytes"));
}

} // namespace
