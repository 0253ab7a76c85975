#include "sql/connection.h"

#include <ctime>

#include "common/logging.h"
#include "sql/eval.h"
#include "sql/parser.h"
#include "sql/protocol.h"
#include "sql/wire.h"

namespace brkv::sql {

Connection::Connection(int fd, uint32_t id, const PacketConnOptions& options,
                       ConnectionContext ctx)
    : conn_(fd, options), id_(id), ctx_(ctx) {}

bool Connection::SendError(const SqlError& e) {
  conn_.Write(BuildErr(e));
  return conn_.Flush().ok();
}

bool Connection::SendOk(uint64_t affected, uint64_t last_id, uint16_t extra_status,
                        std::string_view info) {
  const uint16_t status = (session_ ? session_->status_flags() : status_flag::kAutocommit) |
                          extra_status;
  conn_.Write(BuildOk(affected, last_id, status, 0, info));
  return conn_.Flush().ok();
}

bool Connection::Handshake() {
  const std::string scramble = MakeScramble();
  conn_.Write(BuildHandshake(kServerVersion, id_, scramble, cap::kServerDefault));
  if (!conn_.Flush().ok()) return false;
  Result<std::string> packet = conn_.Read();
  if (!packet.ok()) return false;
  Result<HandshakeResponse> resp = ParseHandshakeResponse(*packet, cap::kServerDefault);
  if (!resp.ok()) {
    SendError(SqlError(1043, "08S01", "Bad handshake"));
    return false;
  }
  std::string token = resp->auth_response;
  if (!resp->plugin.empty() && resp->plugin != kNativePasswordPlugin) {
    // Ask the client to answer with mysql_native_password on the same scramble.
    conn_.Write(BuildAuthSwitch(scramble));
    if (!conn_.Flush().ok()) return false;
    Result<std::string> reply = conn_.Read();
    if (!reply.ok()) return false;
    token = *reply;
  }
  auto user = ctx_.users->find(resp->user);
  const std::string stored = user == ctx_.users->end() ? "" : NativePasswordHash(user->second);
  if (user == ctx_.users->end() || !VerifyNativePassword(token, scramble, stored)) {
    SendError(SqlError(er::kAccessDenied, "Access denied for user '" + resp->user +
                                              "'@'127.0.0.1' (using password: " +
                                              (token.empty() ? "NO" : "YES") + ")"));
    return false;
  }
  session_ = std::make_unique<Session>(id_, resp->user, ctx_.globals);
  if (!resp->database.empty()) {
    SqlError e = ctx_.executor->UseDatabase(session_.get(), resp->database);
    if (!e.ok()) {
      SendError(e);
      return false;
    }
  }
  return SendOk();
}

void Connection::Serve() {
  if (Handshake()) {
    while (true) {
      conn_.ResetSequence();
      Result<std::string> packet = conn_.Read();
      if (!packet.ok()) {
        if (conn_.too_large()) {
          SendError(SqlError(er::kNetPacketTooLarge,
                             "Got a packet bigger than 'max_allowed_packet' bytes"));
        } else if (packet.status().code() != Status::Code::kUnavailable) {
          LOG_INFO("connection {}: {}", id_, packet.status().ToString());
        }
        break;
      }
      if (!Dispatch(*packet)) break;
    }
  }
  if (session_) ctx_.executor->CloseSession(session_.get());
}

bool Connection::Dispatch(const std::string& packet) {
  if (packet.empty()) return false;  // malformed: no command byte
  const uint8_t cmd = static_cast<uint8_t>(packet[0]);
  std::string_view body = std::string_view(packet).substr(1);
  if (ctx_.questions) ++*ctx_.questions;
  switch (cmd) {
    case com::kQuit: return false;
    case com::kPing: return SendOk();
    case com::kInitDb: {
      SqlError e = ctx_.executor->UseDatabase(session_.get(), std::string(body));
      return e.ok() ? SendOk() : SendError(e);
    }
    case com::kQuery: {
      if (!body.empty() && body.back() == '\0') body.remove_suffix(1);
      return HandleQuery(body);
    }
    case com::kFieldList: return HandleFieldList(body);
    case com::kStatistics: {
      const int64_t up = static_cast<int64_t>(std::time(nullptr)) - ctx_.start_unix_s;
      conn_.Write("Uptime: " + std::to_string(up) + "  Threads: 1  Questions: " +
                  std::to_string(ctx_.questions ? ctx_.questions->load() : 0) +
                  "  Slow queries: 0  Opens: 0  Flush tables: 0  Open tables: 0  Queries per "
                  "second avg: 0.000");
      return conn_.Flush().ok();
    }
    case com::kStmtPrepare: return HandlePrepare(body);
    case com::kStmtExecute: return HandleExecute(body);
    case com::kStmtClose: {
      Result<uint32_t> id = PeekStatementId(body);
      if (id.ok()) prepared_.erase(*id);
      return true;  // no reply
    }
    case com::kStmtReset: {
      Result<uint32_t> id = PeekStatementId(body);
      if (!id.ok() || !prepared_.count(*id)) {
        return SendError(SqlError(1243, "HY000", "Unknown prepared statement handler given"));
      }
      return SendOk();
    }
    default:
      return SendError(SqlError(er::kUnknownCom, "Unknown command"));
  }
}

bool Connection::HandleFieldList(std::string_view payload) {
  PacketReader r(payload);
  std::string table(r.NulStr());
  if (!r.ok()) table = std::string(payload);
  SqlResult<std::vector<ColumnDef>> defs = ctx_.executor->FieldList(session_.get(), table);
  if (!defs.ok()) return SendError(defs.error());
  for (const ColumnDef& c : *defs) conn_.Write(BuildColumnDef(c, /*with_default=*/true));
  conn_.Write(BuildEof(session_->status_flags()));
  return conn_.Flush().ok();
}

bool Connection::HandlePrepare(std::string_view sql) {
  SqlResult<std::vector<ParsedStatement>> parsed = Parse(sql);
  if (!parsed.ok()) return SendError(parsed.error());
  auto unsupported = [&] {
    return SendError(SqlError(er::kUnsupportedPs,
                              "This command is not supported in the prepared statement "
                              "protocol yet"));
  };
  if (parsed->size() != 1) return unsupported();
  ParsedStatement& ps = parsed->front();
  const Statement& st = ps.stmt;
  if (!std::holds_alternative<SelectStmt>(st) && !std::holds_alternative<InsertStmt>(st) &&
      !std::holds_alternative<UpdateStmt>(st) && !std::holds_alternative<DeleteStmt>(st) &&
      !std::holds_alternative<TxnStmt>(st) && !std::holds_alternative<SetStmt>(st)) {
    return unsupported();
  }
  SqlResult<std::vector<ColumnDef>> cols = ctx_.executor->Describe(&ps, session_.get());
  if (!cols.ok()) return SendError(cols.error());
  const uint32_t id = next_stmt_id_++;
  Prepared p;
  p.sql = std::string(sql);
  p.num_params = static_cast<size_t>(ps.param_count);
  prepared_[id] = std::move(p);
  conn_.Write(BuildPrepareOk(id, static_cast<uint16_t>(cols->size()),
                             static_cast<uint16_t>(ps.param_count)));
  if (ps.param_count > 0) {
    ColumnDef param;
    param.name = "?";
    param.charset = kCollationBinary;
    param.type = 253;
    for (int i = 0; i < ps.param_count; ++i) conn_.Write(BuildColumnDef(param));
    conn_.Write(BuildEof(session_->status_flags()));
  }
  if (!cols->empty()) {
    for (const ColumnDef& c : *cols) conn_.Write(BuildColumnDef(c));
    conn_.Write(BuildEof(session_->status_flags()));
  }
  return conn_.Flush().ok();
}

bool Connection::HandleExecute(std::string_view body) {
  Result<uint32_t> id = PeekStatementId(body);
  if (!id.ok()) return false;  // malformed
  auto it = prepared_.find(*id);
  if (it == prepared_.end()) {
    return SendError(SqlError(1243, "HY000", "Unknown prepared statement handler given"));
  }
  Prepared& p = it->second;
  Result<ExecuteRequest> req = ParseExecute(body, p.num_params, &p.types);
  if (!req.ok()) {
    return SendError(SqlError(1210, "HY000", "Incorrect arguments to mysqld_stmt_execute: " +
                                                 req.status().message()));
  }
  // The statement is parsed again: execution binds and rewrites the tree in place.
  SqlResult<std::vector<ParsedStatement>> parsed = Parse(p.sql);
  if (!parsed.ok()) return SendError(parsed.error());
  SqlResult<ExecResult> r =
      ctx_.executor->Execute(&parsed->front(), session_.get(), req->params);
  if (!r.ok()) {
    if (r.error().close_connection()) {
      LOG_WARN("connection {}: closing: {}", id_, r.error().ToString());
      return false;
    }
    return SendError(r.error());
  }
  return SendResult(*r, 0, /*binary=*/true);
}

bool Connection::SendResult(const ExecResult& r, uint16_t extra_status, bool binary) {
  if (!r.has_result_set) {
    return SendOk(r.affected_rows, r.last_insert_id,
                  extra_status | (r.db_dropped ? status_flag::kDbDropped : 0), r.info);
  }
  const uint16_t status = session_->status_flags() | extra_status;
  PacketWriter count;
  count.LenencInt(r.columns.size());
  conn_.Write(count.data());
  for (const ColumnDef& c : r.columns) conn_.Write(BuildColumnDef(c));
  conn_.Write(BuildEof(session_->status_flags()));
  std::vector<std::optional<std::string>> text;
  size_t n = 0;
  for (const auto& row : r.rows) {
    if (binary) {
      conn_.Write(BuildBinaryRow(r.columns, row));
    } else {
      text.clear();
      for (const catalog::Datum& d : row) text.push_back(FormatText(d));
      conn_.Write(BuildTextRow(text));
    }
    if (++n % 1024 == 0 && !conn_.Flush().ok()) return false;
  }
  conn_.Write(BuildEof(status));
  return conn_.Flush().ok();
}

bool Connection::HandleQuery(std::string_view query) {
  SqlResult<std::vector<ParsedStatement>> parsed = Parse(query);
  if (!parsed.ok()) return SendError(parsed.error());
  std::vector<ParsedStatement>& stmts = *parsed;
  for (size_t i = 0; i < stmts.size(); ++i) {
    const bool more = i + 1 < stmts.size();
    SqlResult<ExecResult> r = ctx_.executor->Execute(&stmts[i], session_.get());
    if (!r.ok()) {
      LOG_DEBUG("connection {}: {} -> {}", id_, stmts[i].text, r.error().ToString());
      if (r.error().close_connection()) {
        LOG_WARN("connection {}: closing: {}", id_, r.error().ToString());
        return false;
      }
      return SendError(r.error());  // later statements are not run
    }
    if (!SendResult(*r, more ? status_flag::kMoreResults : 0)) return false;
  }
  return true;
}

}  // namespace brkv::sql
