// The CSV dialect of kvctl insert / dump (RFC 4180 plus MySQL's NULL spelling):
//   * one record per line, fields separated by ',', lines end with "\n" (a "\r\n" ending is
//     accepted on input); no header line; fields are in column order;
//   * a field may be enclosed in double quotes; inside quotes, "" stands for one quote and
//     commas, CR and newlines are literal;
//   * an unquoted \N is SQL NULL; a quoted "\N" is the two-character string;
//   * an unquoted empty field is the empty string.
// The writer quotes exactly the fields that need it (containing ',', '"', '\r' or '\n', or
// equal to \N), writes NULL as \N and ends every record with "\n", so its output is
// deterministic and reads back to the same fields.
// Thread-safety: CsvReader is not thread-safe; the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace brkv::table {

// One field: nullopt is NULL.
using CsvField = std::optional<std::string>;

struct CsvRecord {
  std::vector<CsvField> fields;
  // 1-based line number where the record starts.
  int64_t line = 0;
};

class CsvReader {
 public:
  // REQUIRES: `input` outlives the reader.
  explicit CsvReader(std::string_view input) : in_(input) {}

  // Reads the next record into *record. Returns false at the end of the input (a final line
  // ending does not start another record). InvalidArgument "line N: ..." for an unterminated
  // quoted field or text between a closing quote and the next separator.
  Result<bool> Next(CsvRecord* record);

 private:
  std::string_view in_;
  size_t pos_ = 0;
  int64_t line_ = 1;
};

// Appends one field / one record in the dialect above.
void AppendCsvField(std::string* out, const CsvField& field);
void AppendCsvRecord(std::string* out, const std::vector<CsvField>& fields);

}  // namespace brkv::table
