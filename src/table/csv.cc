#include "table/csv.h"

namespace brkv::table {

namespace {

constexpr std::string_view kNullText = "\\N";

}  // namespace

Result<bool> CsvReader::Next(CsvRecord* record) {
  if (pos_ >= in_.size()) return false;
  record->fields.clear();
  record->line = line_;
  while (true) {
    // At the start of a field.
    std::string field;
    bool quoted = false;
    if (pos_ < in_.size() && in_[pos_] == '"') {
      quoted = true;
      const int64_t open_line = line_;
      ++pos_;
      while (true) {
        if (pos_ >= in_.size()) {
          return Status::InvalidArgument("line " + std::to_string(open_line) +
                                         ": quoted field is not closed");
        }
        const char c = in_[pos_++];
        if (c == '"') {
          if (pos_ < in_.size() && in_[pos_] == '"') {
            field.push_back('"');
            ++pos_;
            continue;
          }
          break;
        }
        if (c == '\n') ++line_;
        field.push_back(c);
      }
      // After the closing quote: a separator, a line end or the end of input.
      if (pos_ < in_.size() && in_[pos_] != ',' && in_[pos_] != '\n' &&
          !(in_[pos_] == '\r' && pos_ + 1 < in_.size() && in_[pos_ + 1] == '\n') &&
          !(in_[pos_] == '\r' && pos_ + 1 == in_.size())) {
        return Status::InvalidArgument("line " + std::to_string(line_) +
                                       ": unexpected text after a closing quote");
      }
    } else {
      while (pos_ < in_.size() && in_[pos_] != ',' && in_[pos_] != '\n') {
        const char c = in_[pos_];
        if (c == '"') {
          return Status::InvalidArgument("line " + std::to_string(line_) +
                                         ": a quote inside an unquoted field (quote the whole "
                                         "field and double the quote)");
        }
        if (c == '\r' && (pos_ + 1 == in_.size() || in_[pos_ + 1] == '\n')) {
          ++pos_;  // CR of a CRLF line ending
          continue;
        }
        field.push_back(c);
        ++pos_;
      }
    }
    if (!quoted && field == kNullText) {
      record->fields.push_back(std::nullopt);
    } else {
      record->fields.push_back(std::move(field));
    }
    if (pos_ < in_.size() && in_[pos_] == '\r') ++pos_;  // after a quoted field
    if (pos_ >= in_.size()) return true;
    const char sep = in_[pos_++];
    if (sep == '\n') {
      ++line_;
      return true;
    }
    // sep == ',': another field follows (possibly empty, possibly at the end of input).
  }
}

void AppendCsvField(std::string* out, const CsvField& field) {
  if (!field) {
    out->append(kNullText);
    return;
  }
  const std::string& f = *field;
  const bool quote = f == kNullText || f.find_first_of(",\"\r\n") != std::string::npos;
  if (!quote) {
    out->append(f);
    return;
  }
  out->push_back('"');
  for (char c : f) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(std::string* out, const std::vector<CsvField>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendCsvField(out, fields[i]);
  }
  out->push_back('\n');
}

}  // namespace brkv::table
