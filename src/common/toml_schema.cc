#include "common/toml_schema.h"

#include <algorithm>
#include <cctype>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <toml.hpp>
#include <utility>

namespace brkv {

// toml11 stays behind this wrapper so that users of the header need not include it.
struct TomlSchema::Node {
  const toml::value& value;
};

namespace {

std::string Trim(std::string_view s) {
  size_t b = 0;
  size_t e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// toml11 explains a syntax error over several lines: "[error] what", " --> file",
// " 3 | text", ... Keep the first line and add the line number.
std::string FirstLineWithLocation(const std::string& what) {
  std::istringstream in(what);
  std::string first;
  std::getline(in, first);
  const std::string tag = "[error] ";
  if (first.rfind(tag, 0) == 0) first = first.substr(tag.size());
  std::string line;
  while (std::getline(in, line)) {
    const size_t bar = line.find('|');
    if (bar == std::string::npos) continue;
    const std::string num = Trim(line.substr(0, bar));
    if (!num.empty() && std::all_of(num.begin(), num.end(), [](char c) {
          return std::isdigit(static_cast<unsigned char>(c)) != 0;
        })) {
      return first + " (line " + num + ")";
    }
  }
  return first;
}

}  // namespace

TomlSchema::TomlSchema() = default;
TomlSchema::~TomlSchema() = default;

// The setters below throw toml11's type_error on a type mismatch (caught at the adapter
// boundary in ApplyTable) and return a Status for a bad format or range.

void TomlSchema::String(const std::string& key, std::string* out) {
  setters_[key] = [out](const Node& n) {
    *out = toml::get<std::string>(n.value);
    return Status::OK();
  };
}

void TomlSchema::Bool(const std::string& key, bool* out) {
  setters_[key] = [out](const Node& n) {
    *out = toml::get<bool>(n.value);
    return Status::OK();
  };
}

void TomlSchema::Int(const std::string& key, int* out) {
  setters_[key] = [out](const Node& n) {
    *out = static_cast<int>(toml::get<int64_t>(n.value));
    return Status::OK();
  };
}

void TomlSchema::Uint32(const std::string& key, uint32_t* out, int64_t max) {
  setters_[key] = [out, max](const Node& n) -> Status {
    const int64_t v = toml::get<int64_t>(n.value);
    if (v < 0 || v > max) {
      return Status::InvalidArgument("must be between 0 and " + std::to_string(max));
    }
    *out = static_cast<uint32_t>(v);
    return Status::OK();
  };
}

void TomlSchema::Size(const std::string& key, uint64_t* out, SizeParser parse) {
  setters_[key] = [out, parse = std::move(parse)](const Node& n) -> Status {
    if (n.value.is_integer()) {
      if (n.value.as_integer() < 0) return Status::InvalidArgument("size must not be negative");
      *out = static_cast<uint64_t>(n.value.as_integer());
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*out, parse(toml::get<std::string>(n.value)));
    return Status::OK();
  };
}

void TomlSchema::Duration(const std::string& key, int64_t* out, DurationParser parse,
                          IntegerDuration integers) {
  setters_[key] = [out, parse = std::move(parse), integers](const Node& n) -> Status {
    if (n.value.is_integer()) {
      if (integers == IntegerDuration::kMilliseconds) {
        *out = n.value.as_integer();
        return Status::OK();
      }
      ASSIGN_OR_RETURN(*out, parse(std::to_string(n.value.as_integer())));
      return Status::OK();
    }
    ASSIGN_OR_RETURN(*out, parse(toml::get<std::string>(n.value)));
    return Status::OK();
  };
}

Status TomlSchema::Apply(std::string_view text, const std::string& source) const {
  toml::value doc;
  try {
    std::istringstream in{std::string(text)};
    doc = toml::parse(in, source);
  } catch (const std::exception& e) {
    return Status::InvalidArgument(source + ": malformed TOML: " + FirstLineWithLocation(e.what()));
  }
  return ApplyTable(Node{doc}, "", source);
}

Status TomlSchema::ApplyTable(const Node& table, const std::string& prefix,
                              const std::string& source) const {
  for (const auto& [key, value] : table.value.as_table()) {
    const std::string full = prefix.empty() ? key : prefix + "." + key;
    if (value.is_table()) {
      // A known section is a prefix of some key: the first key at or after "full." tells.
      auto next = setters_.lower_bound(full + ".");
      if (next == setters_.end() || next->first.rfind(full + ".", 0) != 0) {
        return Status::InvalidArgument(source + ": unknown config section [" + full + "]");
      }
      RETURN_IF_ERROR(ApplyTable(Node{value}, full, source));
      continue;
    }
    auto it = setters_.find(full);
    if (it == setters_.end()) {
      return Status::InvalidArgument(source + ": unknown config key \"" + full + "\"");
    }
    Status s;
    try {
      s = it->second(Node{value});
    } catch (const std::exception&) {
      return Status::InvalidArgument(source + ": config key \"" + full + "\" has the wrong type");
    }
    if (!s.ok()) {
      return Status::InvalidArgument(source + ": config key \"" + full + "\": " + s.message());
    }
  }
  return Status::OK();
}

Result<std::string> ReadConfigFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::IOError("cannot read config file " + path + ": no such regular file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read config file " + path);
  std::stringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Status::IOError("cannot read config file " + path);
  return buf.str();
}

}  // namespace brkv
