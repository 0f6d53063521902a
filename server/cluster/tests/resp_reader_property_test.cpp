// The RESP reader on what a hostile or broken Redis could send: any bytes end in values or
// an error value, never a crash; and any reply tree reads back as itself however it is split.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "server/cluster/resp_codec.hpp"

namespace resync::server::cluster {
namespace {

rc::Gen<RespValue> reply_tree(int depth) {
  const auto leaf = rc::gen::oneOf(
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>('!', '~')), &RespValue::simple_string),
      rc::gen::map(rc::gen::container<std::string>(rc::gen::inRange<char>('!', '~')), &RespValue::error),
      rc::gen::map(rc::gen::arbitrary<std::int64_t>(), &RespValue::integer_value),
      rc::gen::map(rc::gen::arbitrary<std::string>(), &RespValue::bulk_string), rc::gen::just(RespValue::null()));
  if (depth == 0) return leaf;
  return rc::gen::oneOf(leaf, rc::gen::map(rc::gen::resize(5, rc::gen::container<std::vector<RespValue>>(reply_tree(depth - 1))),
                                           &RespValue::array));
}

RC_GTEST_PROP(RespReader, AnyBytesEndInValuesOrAnErrorNeverACrash, ()) {
  // Bytes built from RESP's own vocabulary, so they reach deep into the parser.
  const auto pieces = *rc::gen::container<std::vector<std::string>>(rc::gen::element<std::string>(
      "*", "$", ":", "+", "-", "\r\n", "\r", "\n", "0", "1", "2", "-1", "9", "99999999999999999999", "x", ""));
  std::string bytes;
  for (const std::string& piece : pieces) bytes += piece;
  RespLimits limits;
  limits.reply_bytes_max = 256;
  limits.array_elements_max = 16;
  RespReader reader(limits);
  const std::size_t split = *rc::gen::inRange<std::size_t>(0, bytes.size() + 1);
  for (const std::string_view part : {std::string_view(bytes).substr(0, split), std::string_view(bytes).substr(split)}) {
    reader.feed(part);
    for (std::size_t taken = 0; taken <= bytes.size(); ++taken) {
      auto value = reader.take();
      if (!value.ok()) {
        RC_ASSERT(!value.error().empty());
        RC_ASSERT(!reader.take().ok());  // final
        return;
      }
      if (!value.value()) break;
    }
  }
}

RC_GTEST_PROP(RespReader, AnyReplyTreeReadsBackAsItselfWhereverTheBytesAreSplit, ()) {
  const RespValue value = *reply_tree(4);
  const std::string bytes = encode_value(value);
  const std::size_t split = *rc::gen::inRange<std::size_t>(0, bytes.size() + 1);
  RespReader reader;
  reader.feed(std::string_view(bytes).substr(0, split));
  auto first = reader.take();
  RC_ASSERT(first.ok());
  std::optional<RespValue> read = first.value();
  if (!read) {
    reader.feed(std::string_view(bytes).substr(split));
    auto second = reader.take();
    RC_ASSERT(second.ok());
    read = second.value();
  }
  RC_ASSERT(read.has_value());
  RC_ASSERT(*read == value);
}

}  // namespace
}  // namespace resync::server::cluster
