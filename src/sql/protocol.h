// The MySQL client/server protocol messages the server sends and parses (protocol 4.1, as
// libmariadb / Connector/C 3.3 speaks it): the Initial Handshake v10, the Handshake Response,
// mysql_native_password, OK / ERR / EOF packets, column definitions and text rows.
// See docs/sql.md and the MySQL "Client/Server Protocol" pages for the layouts.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sql/error.h"

namespace brkv::sql {

namespace cap {
inline constexpr uint32_t kLongPassword = 0x1;
inline constexpr uint32_t kFoundRows = 0x2;
inline constexpr uint32_t kLongFlag = 0x4;
inline constexpr uint32_t kConnectWithDb = 0x8;
inline constexpr uint32_t kProtocol41 = 0x200;
inline constexpr uint32_t kTransactions = 0x2000;
inline constexpr uint32_t kSecureConnection = 0x8000;
inline constexpr uint32_t kMultiStatements = 0x10000;
inline constexpr uint32_t kMultiResults = 0x20000;
inline constexpr uint32_t kPsMultiResults = 0x40000;
inline constexpr uint32_t kPluginAuth = 0x80000;
inline constexpr uint32_t kConnectAttrs = 0x100000;
inline constexpr uint32_t kPluginAuthLenencData = 0x200000;
// What this server offers: no SSL, compression, LOCAL INFILE, session tracking or
// DEPRECATE_EOF (libmariadb has none of it).
inline constexpr uint32_t kServerDefault =
    kLongPassword | kFoundRows | kLongFlag | kConnectWithDb | kProtocol41 | kTransactions |
    kSecureConnection | kMultiStatements | kMultiResults | kPsMultiResults | kPluginAuth |
    kConnectAttrs | kPluginAuthLenencData;
}  // namespace cap

namespace status_flag {
inline constexpr uint16_t kInTrans = 0x1;
inline constexpr uint16_t kAutocommit = 0x2;
inline constexpr uint16_t kMoreResults = 0x8;
inline constexpr uint16_t kDbDropped = 0x100;
}  // namespace status_flag

inline constexpr uint8_t kCollationUtf8mb4Bin = 46;
inline constexpr uint8_t kCollationBinary = 63;
inline constexpr std::string_view kNativePasswordPlugin = "mysql_native_password";

// Command bytes.
namespace com {
inline constexpr uint8_t kQuit = 0x01;
inline constexpr uint8_t kInitDb = 0x02;
inline constexpr uint8_t kQuery = 0x03;
inline constexpr uint8_t kFieldList = 0x04;
inline constexpr uint8_t kStatistics = 0x09;
inline constexpr uint8_t kPing = 0x0E;
inline constexpr uint8_t kStmtPrepare = 0x16;
inline constexpr uint8_t kStmtExecute = 0x17;
inline constexpr uint8_t kStmtClose = 0x19;
inline constexpr uint8_t kStmtReset = 0x1A;
}  // namespace com

// 20 random printable bytes (no NUL), the auth scramble.
std::string MakeScramble();

// Initial Handshake v10 payload.
std::string BuildHandshake(std::string_view server_version, uint32_t connection_id,
                           std::string_view scramble20, uint32_t capabilities);

struct HandshakeResponse {
  uint32_t client_flags = 0;
  uint32_t max_packet = 0;
  uint8_t collation = 0;
  std::string user;
  std::string auth_response;
  std::string database;  // empty: none
  std::string plugin;    // empty: none named
};
// Parses a Handshake Response 41, reading the optional fields only when both sides have the
// capability (`server_caps` is what we offered). InvalidArgument when malformed or pre-4.1.
Result<HandshakeResponse> ParseHandshakeResponse(std::string_view payload, uint32_t server_caps);

// SHA1(SHA1(password)): what the server stores for mysql_native_password.
std::string NativePasswordHash(std::string_view password);
// The client's token for `password` and `scramble` (what a client computes); "" for an empty
// password.
std::string NativePasswordToken(std::string_view password, std::string_view scramble);
// True iff `token` proves knowledge of the password whose stored hash is `stored_hash`
// (empty stored hash = empty password, which accepts only an empty token).
bool VerifyNativePassword(std::string_view token, std::string_view scramble,
                          std::string_view stored_hash);

// AuthSwitchRequest to mysql_native_password with `scramble20`.
std::string BuildAuthSwitch(std::string_view scramble20);

std::string BuildOk(uint64_t affected_rows, uint64_t last_insert_id, uint16_t status,
                    uint16_t warnings, std::string_view info = {});
std::string BuildErr(const SqlError& e);
std::string BuildEof(uint16_t status, uint16_t warnings = 0);

// One column of a result set.
struct ColumnDef {
  std::string schema;
  std::string table;
  std::string org_table;
  std::string name;
  std::string org_name;
  uint16_t charset = kCollationUtf8mb4Bin;
  uint32_t length = 0;
  uint8_t type = 253;  // VAR_STRING
  uint16_t flags = 0;
  uint8_t decimals = 0;
};
// Column Definition 41. `with_default` adds the COM_FIELD_LIST default (NULL: none).
std::string BuildColumnDef(const ColumnDef& c, bool with_default = false);
// A text-protocol row: lenenc strings, 0xFB for NULL.
std::string BuildTextRow(const std::vector<std::optional<std::string>>& values);

}  // namespace brkv::sql
