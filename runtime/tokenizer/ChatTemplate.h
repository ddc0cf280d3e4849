//===- ChatTemplate.h - the DeepSeek-R1 chat template ------------*- C++
//-*-===//
//
// This file renders a conversation the way DeepSeek-R1's tokenizer_config.json
// chat_template does (tool calls aside), so the runtime needs no Jinja.
// Encode the result with addSpecial = false: the text starts with BOS.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H
#define R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H

#include <string>
#include <vector>

namespace r1::tokenizer {

struct ChatMessage {
  enum class Role { System, User, Assistant } role;
  std::string content;
};

/// `<｜begin▁of▁sentence｜>` + the system prompt, then `<｜User｜>text` and
/// `<｜Assistant｜>text<｜end▁of▁sentence｜>` turns. Only what follows the
/// last `</think>` of an assistant turn is kept: earlier reasoning is not fed
/// back. With `addGenerationPrompt` the text ends in
/// `<｜Assistant｜><think>\n`.
std::string renderR1Chat(const std::vector<ChatMessage> &messages,
                         bool addGenerationPrompt);

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H
