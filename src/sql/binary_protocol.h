// The prepared-statement half of the protocol: COM_STMT_PREPARE's answer, the parameters of
// COM_STMT_EXECUTE and binary result rows.
//
// Parameter types are sent by the client only on the first execute after a bind
// (new_params_bound_flag = 1); later executes reuse them, so callers keep the types per
// statement and pass them back in (`types` in/out).
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/datum.h"
#include "common/status.h"
#include "sql/protocol.h"

namespace brkv::sql {

// One parameter type as sent by the client: MySQL type code and the unsigned flag.
struct ParamType {
  uint8_t type = 253;
  bool is_unsigned = false;
};

// COM_STMT_PREPARE_OK header (the column and parameter definitions follow separately).
std::string BuildPrepareOk(uint32_t stmt_id, uint16_t num_columns, uint16_t num_params);

struct ExecuteRequest {
  uint32_t stmt_id = 0;
  std::vector<catalog::Datum> params;
};

// Reads the statement id from a COM_STMT_EXECUTE body (after the command byte).
// InvalidArgument when the body is shorter than 4 bytes.
Result<uint32_t> PeekStatementId(std::string_view body);

// Parses a COM_STMT_EXECUTE body (after the command byte) for a statement with `num_params`
// parameters. `types` holds the types saved from the last bind and is replaced when the
// request binds new ones. Dates and times become 'YYYY-MM-DD HH:MM:SS[.ffffff]' strings,
// unsigned 64-bit values above INT64_MAX become doubles. InvalidArgument for a malformed
// body, a missing type bind or an unknown type.
Result<ExecuteRequest> ParseExecute(std::string_view body, size_t num_params,
                                    std::vector<ParamType>* types);

// One binary-protocol result row; values are encoded for the column types in `columns`
// (integers by width, FLOAT/DOUBLE as IEEE, everything else length-encoded text).
std::string BuildBinaryRow(std::span<const ColumnDef> columns,
                           std::span<const catalog::Datum> values);

}  // namespace brkv::sql
