// The JSON path in the parser's own messages (duplicate keys, nesting too deep), at several
// depths of objects and arrays: each enclosing array is named by the index of the element
// that holds the problem, counting from zero.
#include <gtest/gtest.h>

#include <string>

#include "engine/json_reader.hpp"
#include "engine/loader.hpp"
#include "fixture.hpp"

namespace firedrill::testing {
namespace {

std::string parse_error(const std::string& text) {
  const ParsedJson parsed = parse_json(text, "x.json");
  EXPECT_FALSE(parsed.value.has_value()) << text;
  return parsed.error ? parsed.error->message : std::string("(no error)");
}

TEST(JsonPath, DuplicateKeyAtTheTopLevel) {
  EXPECT_EQ(parse_error(R"({"a": 1, "b": 2, "a": 3})"), "duplicate key 'a' at a");
}

TEST(JsonPath, DuplicateKeyNamesTheKeyNotThePreviousOne) {
  EXPECT_EQ(parse_error(R"({"o": {"x": 1, "y": 2, "x": 3}})"), "duplicate key 'x' at o.x");
}

TEST(JsonPath, DuplicateKeyInTheFirstElementOfAnArray) {
  EXPECT_EQ(parse_error(R"({"plan": {"vms": [{"boot_time": 1, "boot_time": 2}]}})"),
            "duplicate key 'boot_time' at plan.vms[0].boot_time");
}

TEST(JsonPath, DuplicateKeyInALaterElementOfAnArray) {
  EXPECT_EQ(parse_error(R"({"vms": [{}, {"n": 1}, {"n": 1, "n": 2}, {}]})"),
            "duplicate key 'n' at vms[2].n");
}

TEST(JsonPath, DuplicateKeyInsideNestedArrays) {
  EXPECT_EQ(parse_error(R"({"a": [[1], [2, 3, {"k": 0, "k": 1}]]})"),
            "duplicate key 'k' at a[1][2].k");
  EXPECT_EQ(parse_error(R"([{"s": [{"h": [{"c": 1, "c": 2}]}]}])"),
            "duplicate key 'c' at [0].s[0].h[0].c");
}

TEST(JsonPath, DuplicateKeyAfterAnEarlierNestedContainer) {
  // The earlier sibling's own array was closed: it must not shift the index.
  EXPECT_EQ(parse_error(R"({"e": [{"l": [1, 2, 3]}, {"l": [], "l": []}]})"),
            "duplicate key 'l' at e[1].l");
}

TEST(JsonPath, NestingTooDeepInArraysCountsFromZero) {
  const std::string text =
      std::string(kMaxJsonDepth + 5, '[') + std::string(kMaxJsonDepth + 5, ']');
  std::string expected = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels at ";
  for (std::size_t i = 0; i < kMaxJsonDepth; ++i) expected += "[0]";
  EXPECT_EQ(parse_error(text), expected);
}

TEST(JsonPath, NestingTooDeepAfterSiblings) {
  // {"events": [1, [2, [ ... 62 more ... ]]]}: the too-deep array is the second element of
  // each enclosing array.
  std::string text = R"({"events": [1, )";
  std::string expected =
      "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels at events[1]";
  std::size_t depth = 2;  // the object and the events array
  std::string closing = "]}";
  while (depth < kMaxJsonDepth) {
    text += "[0, ";
    closing = "]" + closing;
    expected += "[1]";
    ++depth;
  }
  text += "[]" + closing;
  EXPECT_EQ(parse_error(text), expected);
}

TEST(JsonPath, NestingTooDeepInObjects) {
  std::string text, closing,
      expected = "nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels at ";
  for (std::size_t i = 0; i < kMaxJsonDepth; ++i) {
    text += R"({"first": 0, "k": )";
    closing += "}";
    if (i > 0) expected += ".";
    expected += "k";
  }
  text += "{}" + closing;
  EXPECT_EQ(parse_error(text), expected);
}

TEST(JsonPath, TheScenarioLoaderCarriesThePath) {
  Json scenario = valid_scenario();
  std::string text = scenario.dump();
  // A second boot_time inside the first VM, written by hand since Json cannot hold it.
  const std::string first_vm = R"("vms":[{)";
  const std::size_t at = text.find(first_vm);
  ASSERT_NE(at, std::string::npos);
  text.insert(at + first_vm.size(), R"("boot_time":"1m","boot_time":"2m",)");
  TempDir dir;
  const std::string file = dir.write("s.json", text);
  const Result<Loaded> loaded = load_scenario(file);
  ASSERT_FALSE(loaded.ok());
  ASSERT_FALSE(loaded.errors().empty());
  EXPECT_EQ(loaded.errors().front().message, "duplicate key 'boot_time' at plan.vms[0].boot_time");
}

}  // namespace
}  // namespace firedrill::testing
