//===- ChatTemplate.h - the DeepSeek-R1 chat template ------------*- C++
//-*-===//
//
// This file renders a conversation the way DeepSeek-R1's tokenizer_config.json
// chat_template does (tool calls aside), so the runtime needs no Jinja. The
// template's markers (`<｜User｜>`, ...) are kept apart from the messages'
// text: encodeR1Chat puts each marker in as its token id and encodes the
// text without parsing special tokens, so a message that spells a marker
// cannot forge a turn.
//
//===----------------------------------------------------------------------===//

#ifndef R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H
#define R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H

#include "runtime/tokenizer/Tokenizer.h"

#include <cstdint>
#include <string>
#include <vector>

namespace r1::tokenizer {

struct ChatMessage {
  enum class Role { System, User, Assistant } role;
  std::string content;
};

/// One part of a rendered conversation: a marker of the template, named by
/// its added token's content, or text from a message.
struct ChatPiece {
  enum class Kind { Marker, Text } kind;
  std::string text;
};

/// `<｜begin▁of▁sentence｜>` + the system prompt, then `<｜User｜>text` and
/// `<｜Assistant｜>text<｜end▁of▁sentence｜>` turns. Only what follows the
/// last `</think>` of an assistant turn is kept: earlier reasoning is not fed
/// back. With `addGenerationPrompt` the text ends in
/// `<｜Assistant｜><think>\n`.
std::vector<ChatPiece> r1ChatPieces(const std::vector<ChatMessage> &messages,
                                    bool addGenerationPrompt);

/// The pieces as one string, as the Jinja template prints it: for display.
/// Encoding it with parseSpecial would let the messages write markers; use
/// encodeR1Chat instead.
std::string renderR1Chat(const std::vector<ChatMessage> &messages,
                         bool addGenerationPrompt);

/// The ids of the conversation: each marker as its added token (a marker
/// the tokenizer lacks is encoded as text, as HuggingFace would), each
/// message's text encoded with `parseSpecialInText` (off: as plain text).
/// The result starts with BOS; no post-processor template is added.
std::vector<int32_t> encodeR1Chat(const Tokenizer &tokenizer,
                                  const std::vector<ChatMessage> &messages,
                                  bool addGenerationPrompt,
                                  bool parseSpecialInText = false);

} // namespace r1::tokenizer

#endif // R1_RUNTIME_TOKENIZER_CHATTEMPLATE_H
