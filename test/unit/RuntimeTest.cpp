//===- RuntimeTest.cpp - the runtime's program reader ---------------------===//

#include "runtime/EmbeddedFiles.h"
#include "runtime/Program.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>

using namespace r1rt;

namespace {

// A digest's form (runtime/Digest.h): 32 hex digits.
const std::string kHash(32, 'a');

/// A small valid program: the slots, cache, weights and kernels of an
/// embedding and a linear to the logits (model.so holds their calls).
std::string validProgram() {
  return "r1-program 5\n"
         "target host avx2,fma\n"
         "file weights.bin 4096 " + kHash + "\n"
         "file model.so 100 " + kHash + "\n"
         "vocab 16\n"
         "context 64\n"
         "slot 1 i32\n"
         "slot 1 i32\n"
         "slot 8 f32\n"
         "slot 16 f32\n"
         "cache 8 f32\n"
         "weight 0 512\n"
         "weight 512 512\n"
         "kernel r1k_embed_8x16_0\n"
         "kernel r1k_linear_16x8_0\n"
         "ids 0\n"
         "positions 1\n"
         "logits 3\n";
}

std::string parseError(const std::string &text) {
  Program program;
  std::string error;
  EXPECT_FALSE(parseProgram(text, program, error)) << text;
  return error;
}

/// `text` with its first `from` replaced by `to` (which must be there).
std::string replacedIn(std::string text, const std::string &from,
                       const std::string &to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return at == std::string::npos ? text : text.replace(at, from.size(), to);
}

std::string replaced(const std::string &from, const std::string &to) {
  return replacedIn(validProgram(), from, to);
}

Program parsed(const std::string &text) {
  Program program;
  std::string error;
  EXPECT_TRUE(parseProgram(text, program, error)) << error;
  return program;
}

TEST(Program, ParsesAValidProgram) {
  Program program;
  std::string error;
  ASSERT_TRUE(parseProgram(validProgram(), program, error)) << error;
  EXPECT_EQ(program.target, "host");
  EXPECT_EQ(program.features, (std::vector<std::string>{"avx2", "fma"}));
  EXPECT_EQ(program.vocab, 16);
  EXPECT_EQ(program.slots.size(), 4u);
  EXPECT_EQ(program.caches.size(), 1u);
  EXPECT_EQ(program.weights[1].offset, 512u);
  EXPECT_EQ(program.kernels[1], "r1k_linear_16x8_0");
  EXPECT_TRUE(program.steps.empty());
  EXPECT_EQ(program.logits, 3);
}

TEST(Program, ParsesPlainAttentionsSlotsAndReplay) {
  // Scores per pair of tokens and per (token, context row) pair; calls
  // replay the sequence.
  std::string text = replacedIn(validProgram(), "slot 16 f32\n",
                                "slot 16 f32\nslot 4 f32 square\n"
                                "slot 4 f32 cross\n") +
                     "replay\n";
  Program program = parsed(text);
  EXPECT_TRUE(program.replay);
  EXPECT_TRUE(program.slots[4].square && !program.slots[4].cross);
  EXPECT_TRUE(program.slots[5].cross && !program.slots[5].square);
  EXPECT_FALSE(parsed(validProgram()).replay);
  EXPECT_EQ(hostLayout(program),
            "r1-host 2 slots 1i,1i,8,16,4s,4x caches 8 weights 0+512,512+512 "
            "kernels 2 steps 0");
  EXPECT_EQ(parseError(validProgram() + "replay 1\n"),
            "program.txt:19: 'replay' takes 0 fields");
  // Scores over a call's own rows are exact only when calls replay.
  EXPECT_EQ(parseError(replacedIn(validProgram(), "slot 16 f32\n",
                                  "slot 16 f32\nslot 4 f32 square\n")),
            "program.txt: square or cross slots need 'replay'");
  // The logits are per token: never a square slot.
  EXPECT_EQ(parseError(replacedIn(validProgram(), "slot 16 f32\n",
                                  "slot 16 f32 square\n") +
                       "replay\n"),
            "program.txt: ids, positions and logits must be token rows");
}

TEST(Program, ParsesBf16Weights) {
  // A bf16 checkpoint's linear panels stay bf16: half the bytes.
  Program program =
      parsed(replacedIn(validProgram(), "weight 512 512\n", "weight 512 256 bf16\n"));
  EXPECT_FALSE(program.weights[0].bf16);
  EXPECT_TRUE(program.weights[1].bf16);
  EXPECT_EQ(hostLayout(program),
            "r1-host 2 slots 1i,1i,8,16 caches 8 weights 0+512,512+256b "
            "kernels 2 steps 0");
  EXPECT_EQ(parseError(replacedIn(validProgram(), "weight 512 512\n",
                                  "weight 512 512 f16\n")),
            "program.txt:13: bad weight record");
}

TEST(Program, RefusesOtherVersionsAndFormats) {
  EXPECT_EQ(
      parseError(replaced("r1-program 5", "r1-program 3")),
      "program.txt:1: has format version 3; this runtime reads version 5: "
      "rebuild the artifact with this r1c");
  // Version 4 recorded SHA-256s.
  EXPECT_EQ(
      parseError(replaced("r1-program 5", "r1-program 4")),
      "program.txt:1: has format version 4; this runtime reads version 5: "
      "rebuild the artifact with this r1c");
  EXPECT_EQ(parseError("hello\n"),
            "program.txt:1: is not an r1 program (no 'r1-program VERSION' "
            "header)");
  EXPECT_EQ(parseError(""), "program.txt:1: is not an r1 program (no "
                            "'r1-program VERSION' header)");
}

TEST(Program, RefusesBadRecords) {
  EXPECT_EQ(parseError(replaced("vocab 16", "vocab 16 17")),
            "program.txt:5: 'vocab' takes 1 fields");
  EXPECT_EQ(parseError(replaced("vocab 16", "bogus 1")),
            "program.txt:5: unknown record 'bogus'");
  EXPECT_EQ(parseError(replaced("slot 8 f32", "slot 0 f32")),
            "program.txt:9: bad width '0'");
  EXPECT_EQ(parseError(replaced("slot 8 f32", "slot 99999999999999999999 f32")),
            "program.txt:9: bad width '99999999999999999999'");
  EXPECT_EQ(parseError(replaced("slot 8 f32", "slot 8 f64")),
            "program.txt:9: slot type must be f32 or i32");
  EXPECT_EQ(parseError(replaced("weight 512 512", "weight 500 512")),
            "program.txt:13: weight offset is not 64-byte aligned");
  EXPECT_EQ(parseError(replaced("kernel r1k_embed_8x16_0", "kernel ../../evil")),
            "program.txt:14: bad kernel symbol");
  EXPECT_EQ(parseError(replaced("file model.so", "file other.so")),
            "program.txt:4: names an unexpected file 'other.so'");
  EXPECT_EQ(parseError(replaced(kHash + "\nfile model.so", "xyz\nfile model.so")),
            "program.txt:3: has a bad size or digest");
  // A SHA-256 of version 4 is not a digest.
  EXPECT_EQ(parseError(replaced(kHash + "\nfile model.so",
                                std::string(64, 'a') + "\nfile model.so")),
            "program.txt:3: has a bad size or digest");
}

TEST(Program, RefusesTheCompiledHostProgramsRecords) {
  // Version 3's kernel calls, appends, branches and tail are model.so's
  // host program now.
  for (const char *record :
       {"call 0 s0:-1 w0:8,16 s2:8,-1", "append 0 2", "skip 2 0.5 1",
        "prefill 32 1", "jump 1", "tail 0"}) {
    std::string kind(record, std::string_view(record).find(' '));
    EXPECT_EQ(parseError(validProgram() + record + "\n"),
              "program.txt:19: unknown record '" + kind + "'");
  }
}

TEST(Program, RefusesDanglingReferences) {
  EXPECT_EQ(parseError(replaced("logits 3", "logits 9")),
            "program.txt:18: names slot '9', which does not exist");
}

/// validProgram plus a 2×2 one-channel image encoder into a 4-wide context.
std::string encoderProgram(const std::string &encoder,
                           bool encoderAfterEncode = false) {
  std::string text = replaced("slot 16 f32\n", "slot 16 f32\nslot 4 f32 context\n");
  text.replace(text.find("kernel r1k_embed"), 0,
               "weight 1024 16\nweight 1088 16\nweight 1152 64\n"
               "weight 1216 16\nweight 1280 16\n");
  std::string encode = "encode 4\n";
  return text + (encoderAfterEncode ? encode + encoder : encoder + encode);
}
const char *const kImage = "encoder image 1 2 2 1 4 2 3 5 6 1e-05\n";

TEST(Program, ParsesAnEncoder) {
  Program program;
  std::string error;
  ASSERT_TRUE(parseProgram(encoderProgram(kImage), program, error)) << error;
  ASSERT_EQ(program.encoders.size(), 1u);
  ASSERT_EQ(program.steps.size(), 1u);
  EXPECT_EQ(program.steps[0].kind, Step::Kind::Encode);
  EXPECT_EQ(program.steps[0].slot, 4);
}

TEST(Program, RefusesEncodersThatDoNotFit) {
  // 16 × 2^30 × 2^30 wraps to 0 in int64.
  EXPECT_EQ(parseError(encoderProgram(
                "encoder image 16 1073741824 1073741824 1073741824 "
                "4 2 3 5 6 1e-05\n")),
            "program.txt:25: the image is larger than 2^28 values");
  // Weights are checked against the context whatever the record order.
  EXPECT_EQ(parseError(encoderProgram("encoder image 1 2 2 1 4 0 3 5 6 1e-05\n",
                                      /*encoderAfterEncode=*/true)),
            "program.txt: an encoder's weights do not fit the context width");
  EXPECT_EQ(parseError(validProgram() + "encode 2\n"),
            "program.txt:19: encode needs a context slot");
}

/// validProgram with three i32 caches of width 2 and an LSH sort of them.
std::string lshSortProgram(const std::string &caches = "cache 2 i32\n"
                                                       "cache 2 i32\n"
                                                       "cache 2 i32\n",
                           const std::string &sort = "lshsort 1 2 3 64\n") {
  return replaced("cache 8 f32\n", "cache 8 f32\n" + caches) + sort;
}

TEST(Program, ParsesCacheTypesAndAnLshSort) {
  Program program;
  std::string error;
  ASSERT_TRUE(parseProgram(lshSortProgram(), program, error)) << error;
  ASSERT_EQ(program.caches.size(), 4u);
  EXPECT_FALSE(program.caches[0].isInt);
  EXPECT_TRUE(program.caches[3].isInt);
  ASSERT_EQ(program.steps.size(), 1u);
  EXPECT_EQ(program.steps[0].kind, Step::Kind::LshSort);
  EXPECT_EQ(program.steps[0].lshSort.count, 64);
}

TEST(Program, RefusesBadCachesAndLshSorts) {
  EXPECT_EQ(parseError(replaced("cache 8 f32", "cache 8")),
            "program.txt:11: 'cache' takes 2 fields");
  EXPECT_EQ(parseError(replaced("cache 8 f32", "cache 8 f64")),
            "program.txt:11: cache type must be f32 or i32");
  EXPECT_EQ(parseError(lshSortProgram("cache 2 i32\ncache 2 f32\n"
                                      "cache 2 i32\n")),
            "program.txt:22: lshsort caches must be i32 of one width");
  EXPECT_EQ(parseError(lshSortProgram("cache 2 i32\ncache 2 i32\n"
                                      "cache 3 i32\n")),
            "program.txt:22: lshsort caches must be i32 of one width");
  EXPECT_EQ(parseError(lshSortProgram(
                "cache 2 i32\ncache 2 i32\ncache 2 i32\n",
                "lshsort 1 1 3 64\n")),
            "program.txt:22: bad lshsort record");
  EXPECT_EQ(parseError(lshSortProgram(
                "cache 2 i32\ncache 2 i32\ncache 2 i32\n",
                "lshsort 1 2 3 65537\n")),
            "program.txt:22: bad lshsort record");
  EXPECT_EQ(parseError(lshSortProgram(
                "cache 2 i32\ncache 2 i32\ncache 2 i32\n",
                "lshsort 1 2 4 64\n")),
            "program.txt:22: names cache '4', which does not exist");
}

TEST(Program, RefusesContextRowsWhereTokenRowsAreRead) {
  // A context slot holds the encoder context's rows, not the tokens'.
  auto contextSlot = [](const std::string &from, const std::string &to) {
    return parseError(replaced(from, to));
  };
  EXPECT_EQ(contextSlot("slot 16 f32\n", "slot 16 f32 context\n"),
            "program.txt: ids, positions and logits must be token rows");
  EXPECT_EQ(contextSlot("slot 1 i32\nslot 1 i32\n",
                        "slot 1 i32 context\nslot 1 i32\n"),
            "program.txt: ids, positions and logits must be token rows");
}

/// A program with a router, routed experts, memory state and a classifier.
std::string hostStepsProgram() {
  return "r1-program 5\n"
         "target host -\n"
         "file weights.bin 8192 " + kHash + "\n"
         "file model.so 100 " + kHash + "\n"
         "vocab 16\n"
         "context 64\n"
         "slot 1 i32\n"   // 0 ids
         "slot 1 i32\n"   // 1 positions
         "slot 16 f32\n"  // 2 hidden
         "slot 4 f32\n"   // 3 router logits
         "slot 2 f32\n"   // 4 expert weights
         "slot 2 i32\n"   // 5 expert ids
         "slot 16 f32\n"  // 6 hidden
         "slot 16 f32\n"  // 7 logits
         "slot 32 f32\n"  // 8 expert outputs (2 × 16 per token)
         "weight 0 16\n"      // 0 router bias (4 experts)
         "weight 64 4096\n"   // 1 gate: 4 experts × [16, 16, 1]
         "weight 4160 1024\n" // 2 memory keys [16, 16]
         "weight 5184 1024\n" // 3 memory values
         "weight 6208 192\n"  // 4 classifier [3, 16]
         "kernel r1k_linear_a\n"
         "kernel r1k_swiglu_b\n"
         "state 2 16 16\n"
         "state 3 16 16\n"
         "ids 0\n"
         "positions 1\n"
         "logits 7\n"
         "classify 6 4 -1 3 last\n"
         "route 3 0 4 5 sigmoid 4 2 1 2 1 2.5\n"
         "experts 4 2 16 16 2 5 8 0 1 w1:16,16,1 w1:16,16,1 w1:16,16,1\n"
         "memread 6 2 0 1 6 4\n"
         "memrecord 6 0 1 0.9\n";
}

std::string hostError(const std::string &from, const std::string &to) {
  return parseError(replacedIn(hostStepsProgram(), from, to));
}

TEST(Program, ParsesRuntimeSteps) {
  Program program;
  std::string error;
  ASSERT_TRUE(parseProgram(hostStepsProgram(), program, error)) << error;
  ASSERT_EQ(program.steps.size(), 4u);
  EXPECT_EQ(program.steps[0].kind, Step::Kind::Route);
  EXPECT_FLOAT_EQ(program.steps[0].route.scaling, 2.5f);
  EXPECT_EQ(program.steps[1].kind, Step::Kind::Experts);
  EXPECT_EQ(program.steps[1].experts.gate.dims,
            (std::vector<int64_t>{16, 16, 1}));
  EXPECT_EQ(program.steps[2].kind, Step::Kind::MemoryRead);
  EXPECT_EQ(program.steps[3].kind, Step::Kind::MemoryRecord);
  EXPECT_EQ(program.classifier.labels, 3);
}

TEST(Program, RefusesBadRuntimeSteps) {
  EXPECT_EQ(hostError("sigmoid 4 2 1 2", "sigmoid 4 3 1 2"),
            "program.txt:29: route groups or top-k do not fit the experts");
  EXPECT_EQ(hostError("sigmoid 4 2 1 2", "sigmoid 4 2 1 5"),
            "program.txt:29: route groups or top-k do not fit the experts");
  EXPECT_EQ(hostError("sigmoid", "relu"),
            "program.txt:29: route scoring must be sigmoid or softmax");
  EXPECT_EQ(hostError("route 3 0 4 5", "route 3 1 4 5"),
            "program.txt:29: route bias is not one float per expert");
  EXPECT_EQ(hostError("route 3 0 4 5", "route 3 0 5 4"),
            "program.txt:29: route weights slot has the wrong width or type");
  EXPECT_EQ(hostError("1 2.5", "1 nan"), "program.txt:29: bad route record");
  // A runtime step reads token rows, never the encoder context's.
  EXPECT_EQ(hostError("slot 4 f32\n", "slot 4 f32 context\n"),
            "program.txt:29: route logits slot has the wrong width or type");
  EXPECT_EQ(hostError("experts 4 2 16 16 2", "experts 4 2 16 16 3"),
            "program.txt:30: experts input slot has the wrong width or type");
  EXPECT_EQ(hostError("2 5 8 0", "2 5 6 0"),
            "program.txt:30: experts output slot has the wrong width or type");
  EXPECT_EQ(hostError("2 5 8 0 1", "2 5 8 0 7"),
            "program.txt:30: names kernel '7', which does not exist");
  EXPECT_EQ(hostError("w1:16,16,1 w1:16,16,1 w1:16,16,1",
                      "w1:16,16,1 w1:16,16,1 s2:16,-1"),
            "program.txt:30: expert weights must be weights");
  EXPECT_EQ(hostError("memread 6 2 0 1 6 4", "memread 6 2 0 1 6 17"),
            "program.txt:31: memory top-k exceeds the slots");
  EXPECT_EQ(hostError("memread 6 2 0 1", "memread 6 2 0 9"),
            "program.txt:31: names state '9', which does not exist");
  EXPECT_EQ(hostError("memrecord 6 0 1 0.9", "memrecord 6 0 1 x"),
            "program.txt:32: bad memory decay");
  EXPECT_EQ(hostError("state 2 16 16", "state 2 16 17"),
            "program.txt:23: state does not match its initial weight's bytes");
  EXPECT_EQ(hostError("classify 6 4 -1 3 last", "classify 6 4 -1 4 last"),
            "program.txt:28: classify weight does not match labels × hidden");
  EXPECT_EQ(hostError("classify 6 4 -1 3 last", "classify 6 4 -1 3 max"),
            "program.txt:28: classify pooling must be last or mean");
}

TEST(Program, RefusesArgumentsThatDoNotFit) {
  // The experts record's weight views: a view wider than what it views
  // would let a kernel read past it.
  auto downView = [](const std::string &arg) {
    return hostError("w1:16,16,1\n", arg + "\n");
  };
  // Four experts of [16, 16, 1] panels fill weight 1 exactly; five do not.
  EXPECT_EQ(hostError("experts 4 2", "experts 5 2"),
            "program.txt:30: argument 'w1:16,16,1' does not view its "
            "weight's bytes");
  EXPECT_EQ(downView("w1:16,16,2"),
            "program.txt:30: argument 'w1:16,16,2' does not view its "
            "weight's bytes");
  EXPECT_EQ(downView("s2:9,-1"),
            "program.txt:30: argument 's2:9,-1' does not view its slot's "
            "width");
  EXPECT_EQ(downView("w5:16,16,1"),
            "program.txt:30: names a buffer '5', which does not exist");
  EXPECT_EQ(downView("x1:16,16,1"),
            "program.txt:30: bad argument 'x1:16,16,1'");
  EXPECT_EQ(downView("w1:16,16,0"), "program.txt:30: bad dim '0'");
  EXPECT_EQ(downView("w1:4,4,4,4,1"),
            "program.txt:30: argument has more than 4 dims");
  EXPECT_EQ(downView("w1:4294967296,4294967296,1"),
            "program.txt:30: bad dim '4294967296'");
  // 2^30 × 2^30 × 4 bytes wraps to 0 in 64 bits; Halide's dims are int32.
  EXPECT_EQ(downView("w1:1073741824,1073741824,4"),
            "program.txt:30: argument dims overflow");
  EXPECT_EQ(downView("w1:2147483648,1,1"),
            "program.txt:30: bad dim '2147483648'");
}

TEST(Program, NeedsItsFixedSlots) {
  EXPECT_EQ(parseError(replaced("logits 3", "logits 2")),
            "program.txt: logits must be an f32 slot of width vocab");
  EXPECT_EQ(parseError(replaced("ids 0", "ids 2")),
            "program.txt: ids and positions must be i32 slots of width 1");
  EXPECT_EQ(parseError(replaced("file model.so 100 " + kHash + "\n", "")),
            "program.txt: has no 'file model.so' record");
}

TEST(Program, NeedsAContextLength) {
  Program program;
  std::string error;
  ASSERT_TRUE(parseProgram(validProgram(), program, error)) << error;
  EXPECT_EQ(program.context, 64);
  EXPECT_EQ(parseError(replaced("context 64\n", "")),
            "program.txt: has no context length");
  EXPECT_NE(parseError(replaced("context 64", "context 0")).find("bad width"),
            std::string::npos);
}

TEST(HostLayout, NamesWhatTheHostProgramIndexes) {
  EXPECT_EQ(hostLayout(parsed(validProgram())),
            "r1-host 2 slots 1i,1i,8,16 caches 8 weights 0+512,512+512 "
            "kernels 2 steps 0");
  // An i32 slot's width carries an "i", a context slot's a "c"; the
  // encode is a runtime step.
  EXPECT_EQ(hostLayout(parsed(encoderProgram(kImage))),
            "r1-host 2 slots 1i,1i,8,16,4c caches 8 weights "
            "0+512,512+512,1024+16,1088+16,1152+64,1216+16,1280+16 "
            "kernels 2 steps 1");
  // No caches: an empty list is "-".
  EXPECT_EQ(hostLayout(parsed(hostStepsProgram())),
            "r1-host 2 slots 1i,1i,16,4,2,2i,16,16,32 caches - weights "
            "0+16,64+4096,4160+1024,5184+1024,6208+192 kernels 2 steps 4");
}

TEST(Program, RefusesAnEmptyFeature) {
  EXPECT_EQ(parseError(replaced("avx2,fma", "avx2,,fma")),
            "program.txt:2: names an empty CPU feature (no features is '-')");
  EXPECT_EQ(parseError(replaced("avx2,fma", "")),
            "program.txt:2: names an empty CPU feature (no features is '-')");
}

/// validProgram with an image and an audio encoder, in the order
/// printProgram writes its records (encoders after the kernels) and its
/// epsilons as it writes floats.
std::string encodersInOrder() {
  return replacedIn(encoderProgram(""), "ids 0\n",
                    "encoder image 1 2 2 1 4 2 3 5 6 9.99999975e-06\n"
                    "encoder audio 1 1 2 3 5 6 0.5\n"
                    "ids 0\n");
}

/// `text` parsed, printed and parsed again: equal programs.
void expectReadsBack(const std::string &text) {
  Program program = parsed(text);
  Program again = parsed(printProgram(program));
  EXPECT_TRUE(again == program) << text << "printed as\n"
                                << printProgram(program);
}

TEST(ProgramText, PrintsTheTextItParsed) {
  // The text r1c writes: the records in printProgram's order, floats with
  // 9 significant digits. Such a text prints back byte for byte.
  std::string plain = replacedIn(validProgram(), "slot 16 f32\n",
                                 "slot 16 f32\nslot 4 f32 square\n"
                                 "slot 4 f32 cross\n") +
                      "replay\n";
  std::string bf16 =
      replacedIn(validProgram(), "weight 512 512\n", "weight 512 256 bf16\n");
  std::string steps = replacedIn(hostStepsProgram(), "memrecord 6 0 1 0.9\n",
                                 "memrecord 6 0 1 0.899999976\n");
  for (const std::string &text : {validProgram(), plain, bf16, steps,
                                  lshSortProgram(), encodersInOrder()}) {
    EXPECT_EQ(printProgram(parsed(text)), text);
    expectReadsBack(text);
  }
}

TEST(ProgramText, ReadsBackWhatItPrints) {
  // Records in another order, floats in other spellings and integers with
  // leading zeros print differently, and parse back to the same program.
  std::string spelled = replacedIn(hostStepsProgram(), "sigmoid 4 2 1 2 1 2.5",
                                   "sigmoid 4 2 1 2 7 0.25e1");
  for (const std::string &text :
       {encoderProgram(kImage), encoderProgram(kImage, true),
        hostStepsProgram(), replaced("vocab 16", "vocab 016"), spelled})
    expectReadsBack(text);
  EXPECT_NE(printProgram(parsed(spelled)).find("sigmoid 4 2 1 2 1 2.5\n"),
            std::string::npos);

  // Changed fields reach the text: the printed program parses back to the
  // changed one, its floats exactly.
  Program program = parsed(hostStepsProgram());
  program.steps[0].route.scaling = std::nextafter(2.5f, 3.0f);
  program.steps[3].memory.decay = 0.1f;
  program.classifier.mean = true;
  program.features = {"avx2", "fma"};
  program.steps[1].experts.gate.dims = {16, 4, 4};
  Program again;
  std::string error;
  ASSERT_TRUE(parseProgram(printProgram(program), again, error)) << error;
  EXPECT_TRUE(again == program) << printProgram(program);
  Program image = parsed(encodersInOrder());
  image.encoders[0].eps = 1e-6f;
  image.encoders[1].eps = std::nextafter(1.0f, 0.0f);
  ASSERT_TRUE(parseProgram(printProgram(image), again, error)) << error;
  EXPECT_TRUE(again == image) << printProgram(image);
  // And equality sees each of those changes.
  EXPECT_FALSE(again == parsed(encodersInOrder()));
}

/// An executable's image as checkEmbeddedFiles sees it: a table of
/// `entries` (and its terminator) at the start, names and data after it.
struct EmbeddedImage {
  alignas(8) uint8_t bytes[256] = {};
  r1_embedded_file *table() { return reinterpret_cast<r1_embedded_file *>(bytes); }
  std::string check(size_t size = sizeof(bytes)) {
    std::string error;
    return checkEmbeddedFiles(table(), bytes, size, error) ? "" : error;
  }
};

/// `image` as r1c links it: program.txt and weights.bin, 64 bytes each.
void twoFiles(EmbeddedImage &image) {
  image = EmbeddedImage();
  std::memcpy(image.bytes + 96, "program.txt", 12);
  std::memcpy(image.bytes + 112, "weights.bin", 12);
  image.table()[0] = {reinterpret_cast<const char *>(image.bytes + 96),
                      image.bytes + 128, 64};
  image.table()[1] = {reinterpret_cast<const char *>(image.bytes + 112),
                      image.bytes + 192, 64};
}

TEST(EmbeddedFiles, AcceptsATableInsideItsImage) {
  EmbeddedImage image;
  twoFiles(image);
  EXPECT_EQ(image.check(), "");
  image.table()[0] = {}; // an empty table
  EXPECT_EQ(image.check(), "");
}

TEST(EmbeddedFiles, RefusesWhatLiesOutside) {
  EmbeddedImage image;
  twoFiles(image);
  EXPECT_NE(image.check(255).find("'weights.bin' (64 bytes) lies outside"),
            std::string::npos);
  twoFiles(image);
  image.table()[1].bytes = UINT64_MAX; // would wrap past the address space
  EXPECT_NE(image.check().find("lies outside"), std::string::npos);
  twoFiles(image);
  image.table()[0].name = reinterpret_cast<const char *>(
      reinterpret_cast<uintptr_t>(image.bytes) - 1);
  EXPECT_NE(image.check().find("has a name outside"), std::string::npos);
  twoFiles(image);
  std::memset(image.bytes + 112, 'x', 144); // runs to the image's end
  EXPECT_NE(image.check().find("unterminated"), std::string::npos);
  twoFiles(image);
  std::memcpy(image.bytes + 112, "weights\nbin", 12); // would break a message
  EXPECT_NE(image.check().find("not a printable file name"), std::string::npos);
  twoFiles(image);
  std::memcpy(image.bytes + 112, "program.txt", 12);
  EXPECT_NE(image.check().find("lists 'program.txt' twice"), std::string::npos);
  // A table whose terminator would lie past the image's end.
  std::string error;
  EXPECT_FALSE(checkEmbeddedFiles(
      reinterpret_cast<const r1_embedded_file *>(image.bytes + 240),
      image.bytes, sizeof(image.bytes), error));
  EXPECT_NE(error.find("runs past"), std::string::npos);
}

} // namespace
