//===- ChatTemplate.cpp - the DeepSeek-R1 chat template -------------------===//

#include "runtime/tokenizer/ChatTemplate.h"

#include <string_view>

namespace r1::tokenizer {

std::vector<ChatPiece> r1ChatPieces(const std::vector<ChatMessage> &messages,
                                    bool addGenerationPrompt) {
  std::vector<ChatPiece> out;
  auto marker = [&](std::string_view name) {
    out.push_back({ChatPiece::Kind::Marker, std::string(name)});
  };
  auto text = [&](std::string_view content) {
    if (!content.empty())
      out.push_back({ChatPiece::Kind::Text, std::string(content)});
  };

  // The template keeps the last system message and puts it first.
  std::string_view system;
  for (const ChatMessage &m : messages)
    if (m.role == ChatMessage::Role::System)
      system = m.content;

  marker("<｜begin▁of▁sentence｜>");
  text(system);
  for (const ChatMessage &m : messages) {
    switch (m.role) {
    case ChatMessage::Role::System:
      break;
    case ChatMessage::Role::User:
      marker("<｜User｜>");
      text(m.content);
      break;
    case ChatMessage::Role::Assistant: {
      // Jinja's content.split('</think>')[-1].
      constexpr std::string_view kEndThink = "</think>";
      size_t end = m.content.rfind(kEndThink);
      std::string_view answer = m.content;
      if (end != std::string::npos)
        answer.remove_prefix(end + kEndThink.size());
      marker("<｜Assistant｜>");
      text(answer);
      marker("<｜end▁of▁sentence｜>");
      break;
    }
    }
  }
  if (addGenerationPrompt) {
    marker("<｜Assistant｜>");
    marker("<think>");
    text("\n");
  }
  return out;
}

std::string renderR1Chat(const std::vector<ChatMessage> &messages,
                         bool addGenerationPrompt) {
  std::string out;
  for (const ChatPiece &piece : r1ChatPieces(messages, addGenerationPrompt))
    out += piece.text;
  return out;
}

std::vector<int32_t> encodeR1Chat(const Tokenizer &tokenizer,
                                  const std::vector<ChatMessage> &messages,
                                  bool addGenerationPrompt,
                                  bool parseSpecialInText) {
  EncodeOptions textOptions;
  textOptions.parseSpecial = parseSpecialInText;
  std::vector<int32_t> ids;
  // Text runs until the next marker token, and is encoded as one segment as
  // HuggingFace encodes the text between two added tokens.
  std::string run;
  auto flush = [&] {
    std::vector<int32_t> more = tokenizer.encode(run, textOptions);
    ids.insert(ids.end(), more.begin(), more.end());
    run.clear();
  };
  for (const ChatPiece &piece : r1ChatPieces(messages, addGenerationPrompt)) {
    std::optional<int32_t> id;
    if (piece.kind == ChatPiece::Kind::Marker)
      id = tokenizer.addedTokenId(piece.text);
    if (!id) {
      run += piece.text;
      continue;
    }
    flush();
    ids.push_back(*id);
  }
  flush();
  return ids;
}

} // namespace r1::tokenizer
