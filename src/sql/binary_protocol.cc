#include "sql/binary_protocol.h"

#include <cstdio>
#include <cstring>

#include "sql/eval.h"
#include "sql/wire.h"

namespace brkv::sql {

namespace {

using catalog::Datum;

// MySQL type codes used here.
constexpr uint8_t kDecimal = 0, kTiny = 1, kShort = 2, kLong = 3, kFloat = 4, kDouble = 5,
                  kNull = 6, kTimestamp = 7, kLonglong = 8, kInt24 = 9, kDate = 10, kTime = 11,
                  kDatetime = 12, kYear = 13, kVarchar = 15, kBit = 16, kJson = 245,
                  kNewDecimal = 246, kEnum = 247, kSet = 248, kTinyBlob = 249,
                  kMediumBlob = 250, kLongBlob = 251, kBlob = 252, kVarString = 253,
                  kString = 254, kGeometry = 255;

bool IsTextType(uint8_t t) {
  switch (t) {
    case kDecimal: case kVarchar: case kBit: case kJson: case kNewDecimal: case kEnum: case kSet:
    case kTinyBlob: case kMediumBlob: case kLongBlob: case kBlob: case kVarString: case kString:
    case kGeometry:
      return true;
    default:
      return false;
  }
}

Result<Datum> ReadParam(PacketReader* r, ParamType t) {
  switch (t.type) {
    case kNull: return Datum::Null();
    case kTiny: {
      uint8_t v = r->Int1();
      return Datum::Int(t.is_unsigned ? v : static_cast<int8_t>(v));
    }
    case kShort:
    case kYear: {
      uint16_t v = r->Int2();
      return Datum::Int(t.is_unsigned ? v : static_cast<int16_t>(v));
    }
    case kLong:
    case kInt24: {
      uint32_t v = r->Int4();
      return Datum::Int(t.is_unsigned ? static_cast<int64_t>(v) : static_cast<int32_t>(v));
    }
    case kLonglong: {
      uint64_t v = r->Int8();
      if (t.is_unsigned && v > static_cast<uint64_t>(INT64_MAX)) {
        return Datum::Double(static_cast<double>(v));
      }
      return Datum::Int(static_cast<int64_t>(v));
    }
    case kFloat: {
      uint32_t bits = r->Int4();
      float f;
      std::memcpy(&f, &bits, 4);
      return Datum::Double(f);
    }
    case kDouble: {
      uint64_t bits = r->Int8();
      double d;
      std::memcpy(&d, &bits, 8);
      return Datum::Double(d);
    }
    case kDate:
    case kDatetime:
    case kTimestamp: {
      uint8_t len = r->Int1();
      PacketReader v(r->Bytes(len));
      unsigned y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, us = 0;
      if (len >= 4) {
        y = v.Int2();
        mo = v.Int1();
        d = v.Int1();
      }
      if (len >= 7) {
        h = v.Int1();
        mi = v.Int1();
        s = v.Int1();
      }
      if (len >= 11) us = v.Int4();
      char buf[40];
      if (t.type == kDate) {
        std::snprintf(buf, sizeof(buf), "%04u-%02u-%02u", y, mo, d);
      } else if (us) {
        std::snprintf(buf, sizeof(buf), "%04u-%02u-%02u %02u:%02u:%02u.%06u", y, mo, d, h, mi, s, us);
      } else {
        std::snprintf(buf, sizeof(buf), "%04u-%02u-%02u %02u:%02u:%02u", y, mo, d, h, mi, s);
      }
      return Datum::Bytes(buf);
    }
    case kTime: {
      uint8_t len = r->Int1();
      PacketReader v(r->Bytes(len));
      bool neg = false;
      unsigned days = 0, h = 0, mi = 0, s = 0;
      if (len >= 8) {
        neg = v.Int1() != 0;
        days = v.Int4();
        h = v.Int1();
        mi = v.Int1();
        s = v.Int1();
      }
      char buf[40];
      std::snprintf(buf, sizeof(buf), "%s%02u:%02u:%02u", neg ? "-" : "", days * 24 + h, mi, s);
      return Datum::Bytes(buf);
    }
    default:
      if (IsTextType(t.type)) return Datum::Bytes(std::string(r->LenencStr()));
      return Status::InvalidArgument("unsupported parameter type " + std::to_string(t.type));
  }
}

}  // namespace

std::string BuildPrepareOk(uint32_t stmt_id, uint16_t num_columns, uint16_t num_params) {
  PacketWriter w;
  w.Int1(0x00);
  w.Int4(stmt_id);
  w.Int2(num_columns);
  w.Int2(num_params);
  w.Int1(0x00);
  w.Int2(0);  // warnings
  return w.Take();
}

Result<uint32_t> PeekStatementId(std::string_view body) {
  PacketReader r(body);
  uint32_t id = r.Int4();
  if (!r.ok()) return Status::InvalidArgument("COM_STMT_EXECUTE without a statement id");
  return id;
}

Result<ExecuteRequest> ParseExecute(std::string_view body, size_t num_params,
                                    std::vector<ParamType>* types) {
  PacketReader r(body);
  ExecuteRequest req;
  req.stmt_id = r.Int4();
  r.Int1();  // flags (cursor type): cursors are not supported, 0 is what clients send
  r.Int4();  // iteration count, always 1
  if (!r.ok()) return Status::InvalidArgument("malformed COM_STMT_EXECUTE");
  if (num_params == 0) return req;
  std::string_view nulls = r.Bytes((num_params + 7) / 8);
  uint8_t bound = r.Int1();
  if (!r.ok()) return Status::InvalidArgument("malformed COM_STMT_EXECUTE parameters");
  if (bound == 1) {
    types->assign(num_params, ParamType{});
    for (size_t i = 0; i < num_params; ++i) {
      (*types)[i].type = r.Int1();
      (*types)[i].is_unsigned = (r.Int1() & 0x80) != 0;
    }
  } else if (types->size() != num_params) {
    return Status::InvalidArgument("COM_STMT_EXECUTE without parameter types");
  }
  for (size_t i = 0; i < num_params; ++i) {
    if (static_cast<uint8_t>(nulls[i / 8]) & (1u << (i % 8))) {
      req.params.push_back(Datum::Null());
      continue;
    }
    ASSIGN_OR_RETURN(Datum d, ReadParam(&r, (*types)[i]));
    req.params.push_back(std::move(d));
  }
  if (!r.ok()) return Status::InvalidArgument("COM_STMT_EXECUTE parameters are truncated");
  return req;
}

std::string BuildBinaryRow(std::span<const ColumnDef> columns, std::span<const Datum> values) {
  PacketWriter w;
  w.Int1(0x00);
  std::string bitmap((columns.size() + 9) / 8, '\0');
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i].is_null()) bitmap[(i + 2) / 8] |= static_cast<char>(1 << ((i + 2) % 8));
  }
  w.Raw(bitmap);
  for (size_t i = 0; i < values.size() && i < columns.size(); ++i) {
    const Datum& v = values[i];
    if (v.is_null()) continue;
    const uint8_t t = columns[i].type;
    auto as_int = [&]() -> int64_t {
      Datum n = ToNumber(v);
      return n.kind() == Datum::Kind::kInt64 ? n.int_value()
                                             : static_cast<int64_t>(n.double_value());
    };
    auto as_double = [&]() -> double {
      Datum n = ToNumber(v);
      return n.kind() == Datum::Kind::kInt64 ? static_cast<double>(n.int_value())
                                             : n.double_value();
    };
    switch (t) {
      case kTiny: w.Int1(static_cast<uint8_t>(as_int())); break;
      case kShort:
      case kYear: w.Int2(static_cast<uint16_t>(as_int())); break;
      case kLong:
      case kInt24: w.Int4(static_cast<uint32_t>(as_int())); break;
      case kLonglong: w.Int8(static_cast<uint64_t>(as_int())); break;
      case kFloat: {
        float f = static_cast<float>(as_double());
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        w.Int4(bits);
        break;
      }
      case kDouble: {
        double d = as_double();
        uint64_t bits;
        std::memcpy(&bits, &d, 8);
        w.Int8(bits);
        break;
      }
      default: w.LenencStr(FormatText(v).value_or("")); break;
    }
  }
  return w.Take();
}

}  // namespace brkv::sql
