// SELECT: access path (FindRows) -> filter -> aggregation -> sort -> DISTINCT -> LIMIT ->
// projection, all in memory after the scan.
#include <algorithm>
#include <cstdio>
#include <unordered_map>

#include "catalog/tablecodec.h"
#include "sql/exec_internal.h"

namespace brkv::sql {

namespace {

using catalog::Datum;

std::string EncodeDatums(std::span<const Datum> ds) {
  std::string out;
  catalog::EncodeKey(&out, ds);
  return out;
}

struct AggState {
  int64_t count = 0;
  bool sum_double = false;
  int64_t isum = 0;
  double dsum = 0;
  Datum min, max;
  std::set<std::string> seen;
};

void CollectAggregates(Expr* e, std::vector<Expr*>* out) {
  if (!e) return;
  if (e->kind == Expr::Kind::kFunc && IsAggregateName(e->name)) {
    e->agg_index = static_cast<int>(out->size());
    out->push_back(e);
    return;  // nested aggregates are not allowed; arguments are evaluated per row
  }
  for (ExprPtr& a : e->args) CollectAggregates(a.get(), out);
}

SqlError Accumulate(const Expr& agg, AggState* st, const EvalEnv& env) {
  if (agg.star) {
    ++st->count;
    return SqlError::OK();
  }
  if (agg.args.empty()) {
    return SqlError(1582, "42000", "Incorrect parameter count in the call to native function '" + agg.name + "'");
  }
  SQL_ASSIGN_OR_RETURN(Datum v, Eval(*agg.args[0], env));
  if (v.is_null()) return SqlError::OK();
  if (agg.distinct) {
    std::string k;
    catalog::EncodeKeyDatum(&k, v);
    if (!st->seen.insert(k).second) return SqlError::OK();
  }
  ++st->count;
  const std::string& f = agg.name;
  if (f == "sum" || f == "avg") {
    Datum n = ToNumber(v);
    if (n.kind() == Datum::Kind::kInt64 && !st->sum_double) {
      int64_t r;
      if (__builtin_add_overflow(st->isum, n.int_value(), &r)) {
        st->sum_double = true;
        st->dsum = static_cast<double>(st->isum) + static_cast<double>(n.int_value());
      } else {
        st->isum = r;
      }
    } else {
      if (!st->sum_double) {
        st->sum_double = true;
        st->dsum = static_cast<double>(st->isum);
      }
      st->dsum += n.kind() == Datum::Kind::kInt64 ? static_cast<double>(n.int_value())
                                                  : n.double_value();
    }
  } else if (f == "min") {
    if (st->min.is_null() || Compare(v, st->min) < 0) st->min = v;
  } else if (f == "max") {
    if (st->max.is_null() || Compare(v, st->max) > 0) st->max = v;
  } else if (f != "count") {
    return SqlError(er::kNotSupportedYet, "This version of TiDB doesn't yet support '" + f + "'");
  }
  return SqlError::OK();
}

Datum Finalize(const Expr& agg, const AggState& st) {
  const std::string& f = agg.name;
  if (f == "count") return Datum::Int(st.count);
  if (st.count == 0) return Datum::Null();
  if (f == "sum") return st.sum_double ? Datum::Double(st.dsum) : Datum::Int(st.isum);
  if (f == "avg") {
    double total = st.sum_double ? st.dsum : static_cast<double>(st.isum);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.4f", total / static_cast<double>(st.count));
    return Datum::Bytes(buf);
  }
  if (f == "min") return st.min;
  return st.max;
}

ColumnDef ComputedColumn(const std::string& name, uint8_t type) {
  ColumnDef c;
  c.name = name;
  c.type = type;
  switch (type) {
    case 8: c.charset = kCollationBinary; c.length = 21; c.flags = 128; break;
    case 5: c.charset = kCollationBinary; c.length = 22; c.decimals = 31; c.flags = 128; break;
    case 246: c.charset = kCollationBinary; c.length = 42; c.flags = 128; break;
    case 6: c.charset = kCollationBinary; c.length = 0; c.flags = 128; break;
    default: c.length = 1024; break;
  }
  return c;
}

// Column definition of a computed select item; `sample` is the item's first non-NULL value.
ColumnDef InferColumn(const std::string& name, const Expr& e, const ResolvedTable* t,
                      const Datum* sample) {
  if (t && e.kind == Expr::Kind::kColumn && e.column_index >= 0) {
    return ColumnDefFor(t->db.name.O, t->table.name.O, t->table.columns[e.column_index], name);
  }
  if (e.kind == Expr::Kind::kFunc) {
    if (e.name == "count") return ComputedColumn(name, 8);
    if (e.name == "sum" || e.name == "avg") {
      ColumnDef c = ComputedColumn(name, sample && sample->kind() == Datum::Kind::kDouble ? 5 : 246);
      if (e.name == "avg") c.decimals = 4;
      return c;
    }
    if ((e.name == "min" || e.name == "max") && !e.args.empty() && t &&
        e.args[0]->kind == Expr::Kind::kColumn && e.args[0]->column_index >= 0) {
      ColumnDef c = ColumnDefFor(t->db.name.O, t->table.name.O,
                                 t->table.columns[e.args[0]->column_index], name);
      c.org_name.clear();
      c.org_table.clear();
      c.flags &= ~(2 | 4 | 8 | 512);
      return c;
    }
  }
  if (sample) {
    switch (sample->kind()) {
      case Datum::Kind::kInt64: return ComputedColumn(name, 8);
      case Datum::Kind::kDouble: return ComputedColumn(name, 5);
      default: return ComputedColumn(name, 253);
    }
  }
  if (e.kind == Expr::Kind::kLiteral && e.literal.is_null()) return ComputedColumn(name, 6);
  return ComputedColumn(name, 253);
}

SqlResult<int64_t> LimitValue(const Expr* e, const EvalEnv& env) {
  if (!e) return int64_t{-1};
  SQL_ASSIGN_OR_RETURN(Datum v, Eval(*e, env));
  Datum n = ToNumber(v);
  if (n.kind() != Datum::Kind::kInt64 || n.int_value() < 0) {
    return SqlError(1210, "HY000", "Incorrect arguments to LIMIT");
  }
  return n.int_value();
}

struct OutRow {
  std::vector<Datum> values;
  std::vector<Datum> keys;
};

}  // namespace

SqlResult<std::vector<ColumnDef>> StatementRunner::DescribeSelect(SelectStmt* s) {
  std::optional<ResolvedTable> table;
  if (s->from) {
    SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(*s->from));
    table = std::move(t);
  }
  std::vector<ColumnDef> defs;
  for (SelectItem& it : s->items) {
    if (it.star) {
      if (!table) return SqlError(1096, "HY000", "No tables used");
      for (const catalog::ColumnInfo& c : table->table.columns) {
        defs.push_back(ColumnDefFor(table->db.name.O, table->table.name.O, c, c.name.O));
      }
      continue;
    }
    if (table) {
      SQL_RETURN_IF_ERROR(BindColumns(it.expr.get(), table->table, s->from_alias, "field list"));
    }
    defs.push_back(InferColumn(it.alias, *it.expr, table ? &*table : nullptr, nullptr));
  }
  return defs;
}

SqlResult<ExecResult> StatementRunner::Select(SelectStmt* s) {
  std::optional<ResolvedTable> table;
  if (s->from) {
    SQL_ASSIGN_OR_RETURN(ResolvedTable t, ResolveTable(*s->from));
    table = std::move(t);
  }
  // Expand stars into column references.
  std::vector<SelectItem> items;
  for (SelectItem& it : s->items) {
    if (!it.star) {
      items.push_back(std::move(it));
      continue;
    }
    if (!table) return SqlError(1096, "HY000", "No tables used");
    for (const catalog::ColumnInfo& c : table->table.columns) {
      SelectItem x;
      x.expr = std::make_unique<Expr>();
      x.expr->kind = Expr::Kind::kColumn;
      x.expr->name = c.name.O;
      x.alias = c.name.O;
      items.push_back(std::move(x));
    }
  }
  s->items.clear();
  const std::string alias = s->from_alias;
  // ORDER BY: a select alias or position wins over a table column (MySQL's rule).
  std::vector<int> order_item(s->order_by.size(), -1);
  for (size_t i = 0; i < s->order_by.size(); ++i) {
    Expr* e = s->order_by[i].expr.get();
    if (e->kind == Expr::Kind::kLiteral && e->literal.kind() == Datum::Kind::kInt64) {
      int64_t pos = e->literal.int_value();
      if (pos < 1 || pos > static_cast<int64_t>(items.size())) {
        return SqlError(er::kBadField, "Unknown column '" + std::to_string(pos) + "' in 'order clause'");
      }
      order_item[i] = static_cast<int>(pos - 1);
    } else if (e->kind == Expr::Kind::kColumn && e->qualifier.empty()) {
      for (size_t j = 0; j < items.size(); ++j) {
        if (LowerCase(items[j].alias) == LowerCase(e->name) &&
            !(items[j].expr->kind == Expr::Kind::kColumn)) {
          order_item[i] = static_cast<int>(j);
          break;
        }
      }
    }
  }
  if (table) {
    const catalog::TableInfo& ti = table->table;
    for (SelectItem& it : items) SQL_RETURN_IF_ERROR(BindColumns(it.expr.get(), ti, alias, "field list"));
    SQL_RETURN_IF_ERROR(BindColumns(s->where.get(), ti, alias, "where clause"));
    for (ExprPtr& g : s->group_by) SQL_RETURN_IF_ERROR(BindColumns(g.get(), ti, alias, "group statement"));
    SQL_RETURN_IF_ERROR(BindColumns(s->having.get(), ti, alias, "having clause"));
    for (size_t i = 0; i < s->order_by.size(); ++i) {
      if (order_item[i] < 0) {
        SQL_RETURN_IF_ERROR(BindColumns(s->order_by[i].expr.get(), ti, alias, "order clause"));
      }
    }
  } else {
    auto no_columns = [](const Expr* e, auto&& self) -> SqlError {
      if (!e) return SqlError::OK();
      if (e->kind == Expr::Kind::kColumn) {
        return SqlError(er::kBadField, "Unknown column '" + e->name + "' in 'field list'");
      }
      for (const ExprPtr& a : e->args) SQL_RETURN_IF_ERROR(self(a.get(), self));
      return SqlError::OK();
    };
    for (SelectItem& it : items) SQL_RETURN_IF_ERROR(no_columns(it.expr.get(), no_columns));
    SQL_RETURN_IF_ERROR(no_columns(s->where.get(), no_columns));
  }

  std::vector<Expr*> aggs;
  for (SelectItem& it : items) CollectAggregates(it.expr.get(), &aggs);
  CollectAggregates(s->having.get(), &aggs);
  for (size_t i = 0; i < s->order_by.size(); ++i) {
    if (order_item[i] < 0) CollectAggregates(s->order_by[i].expr.get(), &aggs);
  }
  const bool aggregate = !aggs.empty() || !s->group_by.empty();

  SQL_ASSIGN_OR_RETURN(int64_t limit, LimitValue(s->limit.get(), Env()));
  SQL_ASSIGN_OR_RETURN(int64_t offset, LimitValue(s->offset.get(), Env()));
  if (offset < 0) offset = 0;

  std::vector<OutRow> out;
  // Evaluates the select list and ORDER BY keys of one output row.
  auto project = [&](std::span<const Datum> row, std::span<const Datum> agg_values) -> SqlError {
    OutRow r;
    EvalEnv env = Env(row, agg_values);
    for (SelectItem& it : items) {
      SQL_ASSIGN_OR_RETURN(Datum v, Eval(*it.expr, env));
      r.values.push_back(std::move(v));
    }
    for (size_t i = 0; i < s->order_by.size(); ++i) {
      if (order_item[i] >= 0) {
        r.keys.push_back(r.values[order_item[i]]);
      } else {
        SQL_ASSIGN_OR_RETURN(Datum k, Eval(*s->order_by[i].expr, env));
        r.keys.push_back(std::move(k));
      }
    }
    out.push_back(std::move(r));
    return SqlError::OK();
  };

  // Rows can stop early only when nothing after the scan needs all of them.
  const bool streaming = !aggregate && s->order_by.empty() && !s->distinct && limit >= 0;
  const size_t scan_limit = streaming ? static_cast<size_t>(limit + offset) : 0;

  if (aggregate) {
    struct Group {
      std::vector<Datum> first_row;
      std::vector<AggState> states;
    };
    std::vector<Group> groups;
    std::unordered_map<std::string, size_t> index;
    auto add_row = [&](std::vector<Datum>&& row) -> SqlError {
      EvalEnv env = Env(row);
      std::vector<Datum> key_values;
      for (ExprPtr& g : s->group_by) {
        SQL_ASSIGN_OR_RETURN(Datum v, Eval(*g, env));
        key_values.push_back(std::move(v));
      }
      std::string key = EncodeDatums(key_values);
      auto [it, inserted] = index.emplace(key, groups.size());
      if (inserted) groups.push_back(Group{row, std::vector<AggState>(aggs.size())});
      Group& g = groups[it->second];
      for (size_t i = 0; i < aggs.size(); ++i) SQL_RETURN_IF_ERROR(Accumulate(*aggs[i], &g.states[i], env));
      return SqlError::OK();
    };
    if (table) {
      SQL_RETURN_IF_ERROR(FindRows(*table, s->where.get(), 0,
                                   [&](TableRow&& r) { return add_row(std::move(r.values)); }));
    } else {
      bool keep = true;
      if (s->where) {
        SQL_ASSIGN_OR_RETURN(Datum w, Eval(*s->where, Env()));
        keep = Truth(w).value_or(false);
      }
      if (keep) SQL_RETURN_IF_ERROR(add_row({}));
    }
    if (groups.empty() && s->group_by.empty()) {
      groups.push_back(Group{std::vector<Datum>(table ? table->table.columns.size() : 0),
                             std::vector<AggState>(aggs.size())});
    }
    for (Group& g : groups) {
      std::vector<Datum> agg_values;
      for (size_t i = 0; i < aggs.size(); ++i) agg_values.push_back(Finalize(*aggs[i], g.states[i]));
      if (s->having) {
        SQL_ASSIGN_OR_RETURN(Datum h, Eval(*s->having, Env(g.first_row, agg_values)));
        if (!Truth(h).value_or(false)) continue;
      }
      SQL_RETURN_IF_ERROR(project(g.first_row, agg_values));
    }
  } else if (table) {
    if (limit != 0 || !streaming) {
      SQL_RETURN_IF_ERROR(FindRows(*table, s->where.get(), scan_limit,
                                   [&](TableRow&& r) { return project(r.values, {}); }));
    }
  } else {
    bool keep = true;
    if (s->where) {
      SQL_ASSIGN_OR_RETURN(Datum w, Eval(*s->where, Env()));
      keep = Truth(w).value_or(false);
    }
    if (keep) SQL_RETURN_IF_ERROR(project({}, {}));
  }

  if (!s->order_by.empty()) {
    std::stable_sort(out.begin(), out.end(), [&](const OutRow& a, const OutRow& b) {
      for (size_t i = 0; i < s->order_by.size(); ++i) {
        const Datum& x = a.keys[i];
        const Datum& y = b.keys[i];
        int c;
        if (x.is_null() || y.is_null()) {
          c = x.is_null() == y.is_null() ? 0 : (x.is_null() ? -1 : 1);
        } else {
          c = Compare(x, y);
        }
        if (c != 0) return s->order_by[i].desc ? c > 0 : c < 0;
      }
      return false;
    });
  }
  if (s->distinct) {
    std::set<std::string> seen;
    std::vector<OutRow> kept;
    for (OutRow& r : out) {
      if (seen.insert(EncodeDatums(r.values)).second) kept.push_back(std::move(r));
    }
    out = std::move(kept);
  }

  ExecResult res;
  res.has_result_set = true;
  size_t begin = std::min(out.size(), static_cast<size_t>(offset));
  size_t end = limit < 0 ? out.size() : std::min(out.size(), begin + static_cast<size_t>(limit));
  for (size_t i = begin; i < end; ++i) res.rows.push_back(std::move(out[i].values));
  for (size_t j = 0; j < items.size(); ++j) {
    const Datum* sample = nullptr;
    for (const auto& r : res.rows) {
      if (!r[j].is_null()) {
        sample = &r[j];
        break;
      }
    }
    res.columns.push_back(InferColumn(items[j].alias, *items[j].expr,
                                      table ? &*table : nullptr, sample));
  }
  return res;
}

}  // namespace brkv::sql
