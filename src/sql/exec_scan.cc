// Access paths: which record keys a WHERE clause needs (FindRows).
#include <algorithm>
#include <cmath>
#include <set>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "sql/exec_internal.h"

namespace brkv::sql {

namespace {

using catalog::Datum;

// The handles a predicate allows: a set of points and/or an inclusive range.
struct HandleBounds {
  bool empty = false;
  std::optional<std::set<int64_t>> points;
  int64_t lo = INT64_MIN;
  int64_t hi = INT64_MAX;
};

// The value of a constant as a handle, if it is an exact integer.
std::optional<int64_t> AsHandle(const Datum& d) {
  Datum n = ToNumber(d);
  if (n.kind() == Datum::Kind::kInt64) {
    if (d.kind() == Datum::Kind::kBytes) {
      // '12abc' converts to 12 but is not equal to 12 for every row: use no bound.
      auto text = FormatText(n);
      if (!text || *text != d.bytes()) return std::nullopt;
    }
    return n.int_value();
  }
  return std::nullopt;
}

void Conjuncts(const Expr* e, std::vector<const Expr*>* out) {
  if (e->kind == Expr::Kind::kBinary && e->op == "and") {
    Conjuncts(e->args[0].get(), out);
    Conjuncts(e->args[1].get(), out);
  } else {
    out->push_back(e);
  }
}

bool IsHandleColumn(const Expr& e, int handle_offset) {
  return e.kind == Expr::Kind::kColumn && e.column_index == handle_offset;
}

void Narrow(HandleBounds* b, const std::set<int64_t>& pts) {
  if (!b->points) {
    b->points = pts;
    return;
  }
  std::set<int64_t> keep;
  for (int64_t p : pts) {
    if (b->points->count(p)) keep.insert(p);
  }
  b->points = std::move(keep);
}

// Applies one conjunct to the bounds when it constrains the handle column.
void ApplyConjunct(const Expr& c, int handle_offset, const EvalEnv& env, HandleBounds* b) {
  auto constant = [&](const Expr& x) -> std::optional<Datum> {
    if (!IsConstant(x)) return std::nullopt;
    SqlResult<Datum> v = Eval(x, env);
    if (!v.ok()) return std::nullopt;
    return *v;
  };
  if (c.kind == Expr::Kind::kBinary) {
    const Expr* col = c.args[0].get();
    const Expr* val = c.args[1].get();
    std::string op = c.op;
    if (!IsHandleColumn(*col, handle_offset)) {
      std::swap(col, val);
      if (op == "<") op = ">";
      else if (op == ">") op = "<";
      else if (op == "<=") op = ">=";
      else if (op == ">=") op = "<=";
    }
    if (!IsHandleColumn(*col, handle_offset)) return;
    if (op != "=" && op != "<" && op != "<=" && op != ">" && op != ">=") return;
    std::optional<Datum> v = constant(*val);
    if (!v) return;
    if (v->is_null()) {
      b->empty = true;
      return;
    }
    Datum n = ToNumber(*v);
    if (op == "=") {
      std::optional<int64_t> h = AsHandle(*v);
      if (h) Narrow(b, {*h});
      return;
    }
    // Range bounds work on the numeric value (doubles round towards the inside).
    double x = n.kind() == Datum::Kind::kInt64 ? static_cast<double>(n.int_value())
                                               : n.double_value();
    if (n.kind() == Datum::Kind::kInt64) {
      int64_t i = n.int_value();
      if (op == ">") {
        if (i == INT64_MAX) b->empty = true; else b->lo = std::max(b->lo, i + 1);
      } else if (op == ">=") {
        b->lo = std::max(b->lo, i);
      } else if (op == "<") {
        if (i == INT64_MIN) b->empty = true; else b->hi = std::min(b->hi, i - 1);
      } else {
        b->hi = std::min(b->hi, i);
      }
    } else if (x > -9e18 && x < 9e18) {
      if (op == ">" || op == ">=") {
        b->lo = std::max(b->lo, static_cast<int64_t>(std::ceil(op == ">" && x == std::floor(x) ? x + 1 : x)));
      } else {
        b->hi = std::min(b->hi, static_cast<int64_t>(std::floor(op == "<" && x == std::floor(x) ? x - 1 : x)));
      }
    }
    return;
  }
  if (c.kind == Expr::Kind::kIn && !c.negated && IsHandleColumn(*c.args[0], handle_offset)) {
    std::set<int64_t> pts;
    for (size_t i = 1; i < c.args.size(); ++i) {
      std::optional<Datum> v = constant(*c.args[i]);
      if (!v) return;
      if (v->is_null()) continue;
      std::optional<int64_t> h = AsHandle(*v);
      if (!h) return;
      pts.insert(*h);
    }
    Narrow(b, pts);
    return;
  }
  if (c.kind == Expr::Kind::kBetween && !c.negated && IsHandleColumn(*c.args[0], handle_offset)) {
    std::optional<Datum> lo = constant(*c.args[1]);
    std::optional<Datum> hi = constant(*c.args[2]);
    if (!lo || !hi) return;
    if (lo->is_null() || hi->is_null()) {
      b->empty = true;
      return;
    }
    std::optional<int64_t> l = AsHandle(*lo), h = AsHandle(*hi);
    if (l) b->lo = std::max(b->lo, *l);
    if (h) b->hi = std::min(b->hi, *h);
  }
}

std::string PrefixNext(std::string key) {
  for (size_t i = key.size(); i > 0; --i) {
    if (static_cast<uint8_t>(key[i - 1]) != 0xFF) {
      key[i - 1] = static_cast<char>(static_cast<uint8_t>(key[i - 1]) + 1);
      key.resize(i);
      return key;
    }
  }
  return "";  // all 0xFF: no upper bound
}

// An equality on the first column of a public, non-prefix index over an integer or string
// column: `col = const` or `col IN (consts)`, values already cast to the column.
struct IndexLookup {
  const catalog::IndexInfo* index = nullptr;
  std::vector<Datum> values;
};

std::optional<IndexLookup> ChooseIndex(const catalog::TableInfo& table,
                                       const std::vector<const Expr*>& conj, const EvalEnv& env) {
  for (const Expr* c : conj) {
    const Expr* col = nullptr;
    std::vector<const Expr*> consts;
    if (c->kind == Expr::Kind::kBinary && c->op == "=") {
      for (int side = 0; side < 2; ++side) {
        if (c->args[side]->kind == Expr::Kind::kColumn && IsConstant(*c->args[1 - side])) {
          col = c->args[side].get();
          consts = {c->args[1 - side].get()};
        }
      }
    } else if (c->kind == Expr::Kind::kIn && !c->negated &&
               c->args[0]->kind == Expr::Kind::kColumn) {
      col = c->args[0].get();
      for (size_t i = 1; i < c->args.size(); ++i) {
        if (!IsConstant(*c->args[i])) {
          col = nullptr;
          break;
        }
        consts.push_back(c->args[i].get());
      }
    }
    if (!col || col->column_index < 0) continue;
    const catalog::ColumnInfo& info = table.columns[col->column_index];
    const uint8_t tp = info.type.tp;
    if (tp == catalog::mysql::kTypeDouble || tp == catalog::mysql::kTypeFloat) continue;
    for (const catalog::IndexInfo& idx : table.indices) {
      if (idx.state != catalog::kStatePublic || idx.columns.empty() ||
          idx.columns[0].offset != col->column_index ||
          idx.columns[0].length != catalog::kUnspecifiedLength) {
        continue;
      }
      IndexLookup lookup{&idx, {}};
      bool usable = true;
      for (const Expr* k : consts) {
        SqlResult<Datum> v = Eval(*k, env);
        if (!v.ok()) {
          usable = false;
          break;
        }
        if (v->is_null()) continue;  // never equal
        Result<Datum> cast = catalog::CastColumnValue(info, *v);
        if (!cast.ok() || cast->kind() != v->kind()) {
          usable = false;  // the cast changed the value's kind: let the filter decide
          break;
        }
        lookup.values.push_back(std::move(cast).value());
      }
      if (usable) return lookup;
    }
  }
  return std::nullopt;
}

}  // namespace

SqlError StatementRunner::FindRows(const ResolvedTable& t, const Expr* where, size_t limit,
                                   const std::function<SqlError(TableRow&&)>& fn) {
  const catalog::TableInfo& table = t.table;
  if (t.virtual_rows) {
    size_t matched = 0;
    for (std::vector<Datum>& row : *t.virtual_rows) {
      if (where) {
        SQL_ASSIGN_OR_RETURN(Datum keep, Eval(*where, Env(row)));
        if (!Truth(keep).value_or(false)) continue;
      }
      SQL_RETURN_IF_ERROR(fn(TableRow{0, row}));
      if (limit != 0 && ++matched >= limit) break;
    }
    return SqlError::OK();
  }
  SQL_ASSIGN_OR_RETURN(table::KvReader * kv, reader());
  HandleBounds bounds;
  const catalog::ColumnInfo* pk = table.PkHandleColumn();
  std::vector<const Expr*> conj;
  if (where) Conjuncts(where, &conj);
  if (pk) {
    EvalEnv env = Env();
    for (const Expr* c : conj) ApplyConjunct(*c, pk->offset, env, &bounds);
  }
  if (bounds.empty || bounds.lo > bounds.hi) return SqlError::OK();
  // No handle bounds: an index equality gives the handles instead of a full scan.
  if (!bounds.points && bounds.lo == INT64_MIN && bounds.hi == INT64_MAX && !conj.empty()) {
    std::optional<IndexLookup> lookup = ChooseIndex(table, conj, Env());
    if (lookup) {
      const catalog::IndexInfo& idx = *lookup->index;
      std::set<int64_t> handles;
      Status decode;
      for (const Datum& v : lookup->values) {
        std::string start = catalog::IndexPrefix(table.id, idx.id);
        catalog::EncodeKeyDatum(&start, v);
        const std::string end = PrefixNext(start);
        SQL_RETURN_IF_STATUS(kv->ScanEach(start, end, [&](const client::KvPair& e) {
          Result<catalog::DecodedIndexKey> k = catalog::DecodeIndexKey(e.key, idx.columns.size());
          if (!k.ok()) {
            decode = k.status();
            return false;
          }
          if (k->has_handle) {
            handles.insert(k->handle);
          } else {
            Result<int64_t> h = catalog::DecodeIndexValueHandle(e.value);
            if (!h.ok()) {
              decode = h.status();
              return false;
            }
            handles.insert(*h);
          }
          return true;
        }));
        SQL_RETURN_IF_STATUS(decode);
      }
      bounds.points = std::move(handles);
    }
  }

  size_t matched = 0;
  SqlError err;
  // Decodes one record, filters it, hands it on. False stops the scan.
  auto visit = [&](std::string_view key, std::string_view value) -> bool {
    Result<catalog::DecodedRecordKey> k = catalog::DecodeRecordKey(key);
    Result<std::vector<Datum>> row = catalog::DecodeRow(table, key, value);
    if (!k.ok() || !row.ok()) {
      err = FromStatus(k.ok() ? row.status() : k.status());
      return false;
    }
    if (where) {
      SqlResult<Datum> keep = Eval(*where, Env(*row));
      if (!keep.ok()) {
        err = keep.error();
        return false;
      }
      if (!Truth(*keep).value_or(false)) return true;
    }
    err = fn(TableRow{k->handle, std::move(row).value()});
    if (!err.ok()) return false;
    ++matched;
    return limit == 0 || matched < limit;
  };

  if (bounds.points) {
    std::vector<std::string> keys;
    for (int64_t h : *bounds.points) {
      if (h >= bounds.lo && h <= bounds.hi) keys.push_back(catalog::RecordKey(table.id, h));
    }
    if (keys.empty()) return SqlError::OK();
    std::map<std::string, std::string> found;
    if (keys.size() == 1) {
      Result<std::string> v = kv->Get(keys[0]);
      if (v.ok()) {
        found.emplace(keys[0], std::move(v).value());
      } else if (!v.status().IsNotFound()) {
        return FromStatus(v.status());
      }
    } else {
      SQL_ASSIGN_OR_RETURN_STATUS(found, kv->BatchGet(keys));
    }
    // Record keys sort in handle order, so the map is already in handle order.
    for (const auto& [key, value] : found) {
      if (!visit(key, value)) break;
    }
    return err;
  }
  const catalog::KeyRange all = catalog::TableRecordRange(table.id);
  std::string start = bounds.lo == INT64_MIN ? all.start : catalog::RecordKey(table.id, bounds.lo);
  std::string end = all.end;
  if (bounds.hi != INT64_MAX) {
    end = catalog::RecordKey(table.id, bounds.hi);
    end.push_back('\0');
  }
  Status s = kv->ScanEach(start, end, [&](const client::KvPair& p) { return visit(p.key, p.value); });
  if (!err.ok()) return err;
  SQL_RETURN_IF_STATUS(s);
  return SqlError::OK();
}

}  // namespace brkv::sql
