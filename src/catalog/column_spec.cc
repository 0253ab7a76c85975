#include "catalog/column_spec.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace brkv::catalog {

namespace {

constexpr size_t kMaxIdentifierLen = 64;
constexpr int kMaxVarcharChars = 16383;  // 65535 bytes / 4 bytes per utf8mb4 character
constexpr int kMaxCharChars = 255;
constexpr int kBlobFlen = 65535;

enum class Tok { kWord, kQuoted, kNumber, kLParen, kRParen, kComma, kEnd };

struct Token {
  Tok kind;
  std::string text;
  size_t pos;
};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsWordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
}

Status SyntaxError(const std::string& what, size_t pos) {
  return Status::InvalidArgument("column spec: " + what + " at offset " + std::to_string(pos));
}

Result<std::vector<Token>> Tokenize(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(') {
      out.push_back({Tok::kLParen, "(", i++});
    } else if (c == ')') {
      out.push_back({Tok::kRParen, ")", i++});
    } else if (c == ',') {
      out.push_back({Tok::kComma, ",", i++});
    } else if (c == '`') {
      const size_t start = i++;
      std::string text;
      for (;;) {
        if (i >= s.size()) return SyntaxError("unterminated `quoted` name", start);
        if (s[i] == '`') {
          if (i + 1 < s.size() && s[i + 1] == '`') {  // `` is a literal backquote
            text.push_back('`');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        text.push_back(s[i++]);
      }
      out.push_back({Tok::kQuoted, std::move(text), start});
    } else if (IsWordChar(c)) {
      const size_t start = i;
      while (i < s.size() && IsWordChar(s[i])) ++i;
      std::string text(s.substr(start, i - start));
      const bool digits = std::all_of(text.begin(), text.end(),
                                      [](char ch) { return std::isdigit(static_cast<unsigned char>(ch)); });
      out.push_back({digits ? Tok::kNumber : Tok::kWord, std::move(text), start});
    } else {
      return SyntaxError(std::string("unexpected character '") + c + "'", i);
    }
  }
  out.push_back({Tok::kEnd, "", s.size()});
  return out;
}

struct ColumnDef {
  ColumnInfo info;
  bool primary = false;
  bool unique = false;
  bool auto_increment = false;
  bool explicit_null = false;
};

struct KeyPart {
  std::string name;
  int length = kUnspecifiedLength;
  size_t pos = 0;
};

struct IndexDef {
  std::string name;  // empty: derive from the first column
  bool primary = false;
  bool unique = false;
  std::vector<KeyPart> parts;
  size_t pos = 0;
};

class SpecParser {
 public:
  explicit SpecParser(std::vector<Token> toks) : toks_(std::move(toks)) {}

  // Parses the whole spec into columns_ and indexes_ (in declaration order).
  Status Parse() {
    if (Peek().kind == Tok::kEnd) return Status::InvalidArgument("column spec is empty");
    for (;;) {
      RETURN_IF_ERROR(ParseItem());
      const Token& t = Next();
      if (t.kind == Tok::kEnd) return Status::OK();
      if (t.kind != Tok::kComma) return SyntaxError("expected ',' but found '" + t.text + "'", t.pos);
    }
  }

  std::vector<ColumnDef> columns_;
  std::vector<IndexDef> indexes_;

 private:
  const Token& Peek(size_t ahead = 0) const {
    return toks_[std::min(pos_ + ahead, toks_.size() - 1)];
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ < toks_.size() - 1) ++pos_;
    return t;
  }
  bool PeekWord(std::string_view lower_kw, size_t ahead = 0) const {
    const Token& t = Peek(ahead);
    return t.kind == Tok::kWord && Lower(t.text) == lower_kw;
  }
  bool AcceptWord(std::string_view lower_kw) {
    if (!PeekWord(lower_kw)) return false;
    Next();
    return true;
  }
  Status ExpectWord(std::string_view lower_kw) {
    if (AcceptWord(lower_kw)) return Status::OK();
    const Token& t = Peek();
    return SyntaxError("expected " + std::string(lower_kw) + " but found '" + t.text + "'", t.pos);
  }
  Status Expect(Tok kind, const char* what) {
    const Token& t = Peek();
    if (t.kind != kind) {
      return SyntaxError(std::string("expected ") + what + " but found '" + t.text + "'", t.pos);
    }
    Next();
    return Status::OK();
  }

  Result<std::string> Identifier(const char* what) {
    const Token& t = Peek();
    if (t.kind != Tok::kWord && t.kind != Tok::kQuoted) {
      return SyntaxError(std::string("expected ") + what + " but found '" + t.text + "'", t.pos);
    }
    if (t.text.empty() || t.text.size() > kMaxIdentifierLen) {
      return SyntaxError("invalid name '" + t.text + "' (1 to 64 characters)", t.pos);
    }
    std::string name = t.text;
    Next();
    return name;
  }

  Result<int> ParenNumber(const char* what) {
    RETURN_IF_ERROR(Expect(Tok::kLParen, "'('"));
    const Token& t = Peek();
    if (t.kind != Tok::kNumber || t.text.size() > 9) {
      return SyntaxError(std::string("expected ") + what + " but found '" + t.text + "'", t.pos);
    }
    int n = std::stoi(t.text);
    Next();
    RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
    return n;
  }

  Status ParseItem() {
    const Token& t = Peek();
    if (t.kind == Tok::kWord) {
      const std::string kw = Lower(t.text);
      if (kw == "primary") {
        Next();
        RETURN_IF_ERROR(ExpectWord("key"));
        IndexDef idx;
        idx.primary = idx.unique = true;
        idx.pos = t.pos;
        return ParseKeyParts(&idx);
      }
      if (kw == "unique" || kw == "index" || kw == "key") {
        IndexDef idx;
        idx.pos = t.pos;
        Next();
        if (kw == "unique") {
          idx.unique = true;
          if (!AcceptWord("index")) AcceptWord("key");
        }
        if (Peek().kind != Tok::kLParen) {
          ASSIGN_OR_RETURN(idx.name, Identifier("index name"));
        }
        return ParseKeyParts(&idx);
      }
      if (kw == "constraint" || kw == "foreign" || kw == "fulltext" || kw == "spatial" ||
          kw == "check" || kw == "vector") {
        return Status::InvalidArgument("column spec: " + Lower(t.text) +
                                       " definitions are not supported");
      }
    }
    return ParseColumn();
  }

  Status ParseKeyParts(IndexDef* idx) {
    RETURN_IF_ERROR(Expect(Tok::kLParen, "'(' before the key columns"));
    for (;;) {
      KeyPart part;
      part.pos = Peek().pos;
      ASSIGN_OR_RETURN(part.name, Identifier("key column name"));
      if (Peek().kind == Tok::kLParen) {
        ASSIGN_OR_RETURN(part.length, ParenNumber("a prefix length"));
      }
      if (PeekWord("asc") || PeekWord("desc")) {
        return SyntaxError("ASC/DESC key parts are not supported", Peek().pos);
      }
      idx->parts.push_back(std::move(part));
      const Token& t = Next();
      if (t.kind == Tok::kRParen) break;
      if (t.kind != Tok::kComma) return SyntaxError("expected ',' or ')' in key columns", t.pos);
    }
    if (Peek().kind == Tok::kWord) {
      const Token& t = Peek();
      return Status::InvalidArgument("column spec: index options are not supported: '" +
                                     t.text + "' at offset " + std::to_string(t.pos));
    }
    indexes_.push_back(std::move(*idx));
    return Status::OK();
  }

  Status ParseType(ColumnDef* col) {
    FieldType& ft = col->info.type;
    const std::string& name = col->info.name.O;
    const Token& t = Peek();
    if (t.kind != Tok::kWord) {
      return SyntaxError("expected a type for column '" + name + "' but found '" + t.text + "'",
                         t.pos);
    }
    const std::string type = Lower(t.text);
    Next();
    auto binary_charset = [&ft] {
      ft.charset = mysql::kCharsetBin;
      ft.collate = mysql::kCollationBin;
    };
    auto utf8_charset = [&ft] {
      ft.charset = mysql::kCharsetUTF8MB4;
      ft.collate = mysql::kCollationUTF8MB4Bin;
    };
    if (type == "bigint" || type == "int" || type == "integer") {
      const bool big = type == "bigint";
      ft.tp = big ? mysql::kTypeLonglong : mysql::kTypeLong;
      ft.flen = big ? 20 : 11;
      ft.decimal = 0;
      if (Peek().kind == Tok::kLParen) {
        ASSIGN_OR_RETURN(int width, ParenNumber("a display width"));
        if (width < 1 || width > 255) {
          return Status::InvalidArgument("display width " + std::to_string(width) +
                                         " out of range for column '" + name + "'");
        }
        ft.flen = width;
      }
      binary_charset();
    } else if (type == "double") {
      ft.tp = mysql::kTypeDouble;
      ft.flen = 22;
      ft.decimal = kUnspecifiedLength;
      binary_charset();
    } else if (type == "varchar") {
      if (Peek().kind != Tok::kLParen) {
        return Status::InvalidArgument("varchar column '" + name + "' needs a length");
      }
      ASSIGN_OR_RETURN(int n, ParenNumber("a varchar length"));
      if (n > kMaxVarcharChars) {
        return Status::InvalidArgument("column length too big for column '" + name + "' (max " +
                                       std::to_string(kMaxVarcharChars) + ")");
      }
      ft.tp = mysql::kTypeVarchar;
      ft.flen = n;
      utf8_charset();
    } else if (type == "char") {
      int n = 1;
      if (Peek().kind == Tok::kLParen) {
        ASSIGN_OR_RETURN(n, ParenNumber("a char length"));
      }
      if (n > kMaxCharChars) {
        return Status::InvalidArgument("column length too big for column '" + name + "' (max " +
                                       std::to_string(kMaxCharChars) + ")");
      }
      ft.tp = mysql::kTypeString;
      ft.flen = n;
      utf8_charset();
    } else if (type == "blob" || type == "text") {
      if (Peek().kind == Tok::kLParen) {
        return Status::InvalidArgument(type + "(n) is not supported for column '" + name + "'");
      }
      ft.tp = mysql::kTypeBlob;
      ft.flen = kBlobFlen;
      if (type == "blob") {
        binary_charset();
        ft.flag |= mysql::kBinaryFlag;
      } else {
        utf8_charset();
      }
    } else {
      static const std::set<std::string> kKnown = {
          "tinyint", "smallint", "mediumint", "decimal", "numeric", "dec", "fixed", "float",
          "real", "bool", "boolean", "bit", "serial", "date", "datetime", "timestamp", "time",
          "year", "json", "enum", "set", "binary", "varbinary", "tinyblob", "mediumblob",
          "longblob", "tinytext", "mediumtext", "longtext", "geometry", "vector", "nchar",
          "nvarchar"};
      const std::string supported =
          " (supported: bigint, int, double, varchar(n), char(n), blob, text)";
      if (kKnown.count(type) != 0) {
        return Status::InvalidArgument("unsupported column type '" + type + "' for column '" +
                                       name + "'" + supported);
      }
      return Status::InvalidArgument("unknown column type '" + t.text + "' for column '" +
                                     name + "'" + supported);
    }
    return Status::OK();
  }

  Status ParseColumn() {
    ColumnDef col;
    const size_t pos = Peek().pos;
    ASSIGN_OR_RETURN(std::string name, Identifier("a column name"));
    col.info.name = CIStr::From(name);
    RETURN_IF_ERROR(ParseType(&col));
    bool not_null = false;
    for (;;) {
      const Token& t = Peek();
      if (t.kind == Tok::kComma || t.kind == Tok::kEnd) break;
      const std::string kw = t.kind == Tok::kWord ? Lower(t.text) : std::string();
      if (kw == "not") {
        Next();
        RETURN_IF_ERROR(ExpectWord("null"));
        not_null = true;
      } else if (kw == "null") {
        Next();
        col.explicit_null = true;
      } else if (kw == "primary") {
        Next();
        RETURN_IF_ERROR(ExpectWord("key"));
        col.primary = true;
      } else if (kw == "key") {  // a bare KEY in a column definition means PRIMARY KEY
        Next();
        col.primary = true;
      } else if (kw == "unique") {
        Next();
        AcceptWord("key");
        col.unique = true;
      } else if (kw == "auto_increment") {
        Next();
        col.auto_increment = true;
      } else if (kw == "unsigned" || kw == "zerofill") {
        return Status::InvalidArgument(kw + " is not supported (column '" + name + "')");
      } else if (kw == "default" || kw == "comment" || kw == "collate" || kw == "character" ||
                 kw == "charset" || kw == "generated" || kw == "as" || kw == "on" ||
                 kw == "references" || kw == "check") {
        return Status::InvalidArgument(Lower(t.text) + " is not supported (column '" + name +
                                       "')");
      } else {
        return SyntaxError("unexpected '" + t.text + "' in the definition of column '" + name +
                               "'", t.pos);
      }
    }
    if (not_null && col.explicit_null) {
      return Status::InvalidArgument("column '" + name + "' is both NULL and NOT NULL");
    }
    if (not_null) col.info.type.flag |= mysql::kNotNullFlag;
    columns_.push_back(std::move(col));
    if (columns_.back().primary) {
      IndexDef idx;
      idx.primary = idx.unique = true;
      idx.parts.push_back(KeyPart{name, kUnspecifiedLength, pos});
      idx.pos = pos;
      indexes_.push_back(std::move(idx));
    }
    if (columns_.back().unique) {
      IndexDef idx;
      idx.unique = true;
      idx.parts.push_back(KeyPart{name, kUnspecifiedLength, pos});
      idx.pos = pos;
      indexes_.push_back(std::move(idx));
    }
    return Status::OK();
  }

  std::vector<Token> toks_;
  size_t pos_ = 0;
};

bool IsIntColumn(const ColumnInfo& c) {
  return c.type.tp == mysql::kTypeLonglong || c.type.tp == mysql::kTypeLong;
}

}  // namespace

Result<TableInfo> ParseColumnSpec(std::string_view table_name, std::string_view spec,
                                  const IdAllocator& alloc_table_id) {
  if (table_name.empty() || table_name.size() > kMaxIdentifierLen) {
    return Status::InvalidArgument("invalid table name '" + std::string(table_name) +
                                   "' (1 to 64 characters)");
  }
  ASSIGN_OR_RETURN(std::vector<Token> toks, Tokenize(spec));
  SpecParser p(std::move(toks));
  RETURN_IF_ERROR(p.Parse());

  TableInfo t;
  t.name = CIStr::From(table_name);

  // Columns.
  for (size_t i = 0; i < p.columns_.size(); ++i) {
    ColumnInfo& c = p.columns_[i].info;
    if (t.FindColumn(c.name.O) != nullptr) {
      return Status::InvalidArgument("duplicate column name '" + c.name.O + "'");
    }
    c.id = static_cast<int64_t>(i) + 1;
    c.offset = static_cast<int>(i);
    c.state = kStatePublic;
    c.version = kColumnInfoVersion;
    if (p.columns_[i].auto_increment) c.type.flag |= mysql::kAutoIncrementFlag;
    t.columns.push_back(c);
  }
  t.max_col_id = static_cast<int64_t>(t.columns.size());

  // Resolve key parts and find the primary key.
  const IndexDef* primary = nullptr;
  std::vector<std::vector<int>> part_offsets(p.indexes_.size());
  for (size_t k = 0; k < p.indexes_.size(); ++k) {
    const IndexDef& idx = p.indexes_[k];
    if (idx.primary) {
      if (primary != nullptr) return Status::InvalidArgument("multiple primary keys defined");
      primary = &idx;
    }
    std::set<int> seen;
    for (const KeyPart& part : idx.parts) {
      const ColumnInfo* c = t.FindColumn(part.name);
      if (c == nullptr) {
        return Status::InvalidArgument("key column '" + part.name + "' doesn't exist in table");
      }
      if (!seen.insert(c->offset).second) {
        return Status::InvalidArgument("duplicate column '" + c->name.O + "' in a key");
      }
      const bool is_string = c->type.tp == mysql::kTypeVarchar ||
                             c->type.tp == mysql::kTypeString || c->type.tp == mysql::kTypeBlob;
      if (part.length != kUnspecifiedLength) {
        if (!is_string || part.length < 1 ||
            (c->type.tp != mysql::kTypeBlob && part.length > c->type.flen)) {
          return Status::InvalidArgument("incorrect prefix length " +
                                         std::to_string(part.length) + " for key column '" +
                                         c->name.O + "'");
        }
      } else if (c->type.tp == mysql::kTypeBlob) {
        return Status::InvalidArgument("BLOB/TEXT column '" + c->name.O +
                                       "' used in a key without a key length");
      }
      part_offsets[k].push_back(c->offset);
    }
  }

  // Primary key: a single signed integer column is the handle; anything else is an index.
  if (primary != nullptr) {
    for (const KeyPart& part : primary->parts) {
      ColumnInfo& c = t.columns[t.FindColumn(part.name)->offset];
      if (p.columns_[c.offset].explicit_null) {
        return Status::InvalidArgument("all parts of a PRIMARY KEY must be NOT NULL; column '" +
                                       c.name.O + "' is NULL");
      }
      c.type.flag |= mysql::kNotNullFlag | mysql::kPriKeyFlag;
    }
    if (primary->parts.size() == 1 && primary->parts[0].length == kUnspecifiedLength &&
        IsIntColumn(*t.FindColumn(primary->parts[0].name))) {
      t.pk_is_handle = true;
    }
  }

  // Indexes.
  std::set<std::string> index_names;
  for (size_t k = 0; k < p.indexes_.size(); ++k) {
    const IndexDef& def = p.indexes_[k];
    ColumnInfo& first = t.columns[part_offsets[k][0]];
    if (def.primary) {
      if (t.pk_is_handle) continue;
    } else if (def.unique && def.parts.size() == 1) {
      first.type.flag |= mysql::kUniqueKeyFlag;
    } else {
      first.type.flag |= mysql::kMultipleKeyFlag;
    }
    std::string name = def.primary ? "PRIMARY" : def.name;
    if (name.empty()) {
      // MySQL names an unnamed key after its first column, adding _2, _3, ... on collisions.
      name = first.name.O;
      for (int n = 2; index_names.count(Lower(name)) != 0 || Lower(name) == "primary"; ++n) {
        name = first.name.O + "_" + std::to_string(n);
      }
    } else if (!def.primary && Lower(name) == "primary") {
      return Status::InvalidArgument("incorrect index name 'PRIMARY'");
    }
    if (!index_names.insert(Lower(name)).second) {
      return Status::InvalidArgument("duplicate key name '" + name + "'");
    }
    IndexInfo idx;
    idx.id = static_cast<int64_t>(t.indices.size()) + 1;
    idx.name = CIStr::From(name);
    idx.table_name = t.name;
    idx.unique = def.unique;
    idx.primary = def.primary;
    idx.state = kStatePublic;
    idx.index_type = kIndexTypeBtree;
    for (size_t i = 0; i < def.parts.size(); ++i) {
      IndexColumn ic;
      ic.name = t.columns[part_offsets[k][i]].name;
      ic.offset = part_offsets[k][i];
      ic.length = def.parts[i].length;
      idx.columns.push_back(std::move(ic));
    }
    t.indices.push_back(std::move(idx));
  }
  t.max_idx_id = static_cast<int64_t>(t.indices.size());

  // AUTO_INCREMENT: at most one, an integer, and the first column of some key.
  const ColumnInfo* auto_col = nullptr;
  for (const ColumnInfo& c : t.columns) {
    if (!c.IsAutoIncrement()) continue;
    if (auto_col != nullptr) {
      return Status::InvalidArgument("there can be only one AUTO_INCREMENT column");
    }
    auto_col = &c;
    if (!IsIntColumn(c)) {
      return Status::InvalidArgument("AUTO_INCREMENT column '" + c.name.O +
                                     "' must be an integer");
    }
    bool keyed = t.pk_is_handle && c.IsPriKey();
    for (const IndexInfo& idx : t.indices) keyed = keyed || idx.columns[0].offset == c.offset;
    if (!keyed) {
      return Status::InvalidArgument("AUTO_INCREMENT column '" + c.name.O +
                                     "' must be defined as a key");
    }
  }

  // TiDB marks NOT NULL columns that have no default (auto_increment ones excepted).
  for (ColumnInfo& c : t.columns) {
    if (c.IsNotNull() && !c.IsAutoIncrement()) c.type.flag |= mysql::kNoDefaultValueFlag;
  }

  ASSIGN_OR_RETURN(t.id, alloc_table_id());
  return t;
}

}  // namespace brkv::catalog
