//===- ChatTemplate.cpp - the DeepSeek-R1 chat template -------------------===//

#include "runtime/tokenizer/ChatTemplate.h"

#include <string_view>

namespace r1::tokenizer {

std::string renderR1Chat(const std::vector<ChatMessage> &messages,
                         bool addGenerationPrompt) {
  // The template keeps the last system message and puts it first.
  std::string system;
  for (const ChatMessage &m : messages)
    if (m.role == ChatMessage::Role::System)
      system = m.content;

  std::string out = "<｜begin▁of▁sentence｜>" + system;
  for (const ChatMessage &m : messages) {
    switch (m.role) {
    case ChatMessage::Role::System:
      break;
    case ChatMessage::Role::User:
      out += "<｜User｜>" + m.content;
      break;
    case ChatMessage::Role::Assistant: {
      // Jinja's content.split('</think>')[-1].
      constexpr std::string_view kEndThink = "</think>";
      size_t end = m.content.rfind(kEndThink);
      std::string_view answer = m.content;
      if (end != std::string::npos)
        answer.remove_prefix(end + kEndThink.size());
      out += "<｜Assistant｜>";
      out += answer;
      out += "<｜end▁of▁sentence｜>";
      break;
    }
    }
  }
  if (addGenerationPrompt)
    out += "<｜Assistant｜><think>\n";
  return out;
}

} // namespace r1::tokenizer
