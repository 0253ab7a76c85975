#include "catalog/row_codec.h"

#include <algorithm>
#include <limits>

#include "common/codec.h"

namespace brkv::catalog {

namespace {

void PutLE(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

uint64_t GetLE(std::string_view b) {
  uint64_t v = 0;
  for (size_t i = b.size(); i > 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i - 1]);
  return v;
}

}  // namespace

void AppendRowV2Value(std::string* out, const Datum& d) {
  switch (d.kind()) {
    case Datum::Kind::kNull:
      return;
    case Datum::Kind::kInt64: {
      int64_t v = d.int_value();
      int n = 8;
      if (v >= std::numeric_limits<int8_t>::min() && v <= std::numeric_limits<int8_t>::max()) {
        n = 1;
      } else if (v >= std::numeric_limits<int16_t>::min() &&
                 v <= std::numeric_limits<int16_t>::max()) {
        n = 2;
      } else if (v >= std::numeric_limits<int32_t>::min() &&
                 v <= std::numeric_limits<int32_t>::max()) {
        n = 4;
      }
      PutLE(out, static_cast<uint64_t>(v), n);
      return;
    }
    case Datum::Kind::kDouble:
      codec::EncodeFloat(out, d.double_value());
      return;
    case Datum::Kind::kBytes:
      out->append(d.bytes());
      return;
  }
}

Result<std::string> EncodeRowV2(std::span<const RowColumn> columns) {
  std::vector<const RowColumn*> not_null;
  std::vector<const RowColumn*> nulls;
  bool large = false;
  for (const RowColumn& c : columns) {
    if (c.id < 1 || c.id > std::numeric_limits<uint32_t>::max()) {
      return Status::InvalidArgument("row v2: column id out of range: " + std::to_string(c.id));
    }
    if (c.id > 255) large = true;
    (c.value.is_null() ? nulls : not_null).push_back(&c);
  }
  auto by_id = [](const RowColumn* a, const RowColumn* b) { return a->id < b->id; };
  std::sort(not_null.begin(), not_null.end(), by_id);
  std::sort(nulls.begin(), nulls.end(), by_id);
  {
    std::vector<int64_t> ids;
    ids.reserve(columns.size());
    for (const RowColumn& c : columns) ids.push_back(c.id);
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
      return Status::InvalidArgument("row v2: duplicate column id");
    }
  }
  if (not_null.size() > std::numeric_limits<uint16_t>::max() ||
      nulls.size() > std::numeric_limits<uint16_t>::max()) {
    return Status::InvalidArgument("row v2: too many columns");
  }

  std::string data;
  std::vector<uint64_t> offsets;
  offsets.reserve(not_null.size());
  for (const RowColumn* c : not_null) {
    AppendRowV2Value(&data, c->value);
    offsets.push_back(data.size());
  }
  if (data.size() > std::numeric_limits<uint16_t>::max()) large = true;
  if (data.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("row v2: row data exceeds 4 GiB");
  }

  const int id_size = large ? 4 : 1;
  const int off_size = large ? 4 : 2;
  std::string out;
  out.reserve(6 + (not_null.size() + nulls.size()) * id_size + offsets.size() * off_size +
              data.size());
  out.push_back(static_cast<char>(kRowCodecVer));
  out.push_back(static_cast<char>(large ? kRowFlagLarge : 0));
  PutLE(&out, not_null.size(), 2);
  PutLE(&out, nulls.size(), 2);
  for (const RowColumn* c : not_null) PutLE(&out, static_cast<uint64_t>(c->id), id_size);
  for (const RowColumn* c : nulls) PutLE(&out, static_cast<uint64_t>(c->id), id_size);
  for (uint64_t off : offsets) PutLE(&out, off, off_size);
  out.append(data);
  return out;
}

Result<std::vector<RowV2Cell>> ParseRowV2(std::string_view value) {
  if (value.size() < 6) return Status::Corruption("row v2: value shorter than its header");
  if (static_cast<uint8_t>(value[0]) != kRowCodecVer) {
    return Status::Corruption("row v2: unsupported row format byte " +
                              std::to_string(static_cast<uint8_t>(value[0])));
  }
  const uint8_t flags = static_cast<uint8_t>(value[1]);
  const bool large = (flags & kRowFlagLarge) != 0;
  const size_t not_null_cnt = GetLE(value.substr(2, 2));
  const size_t null_cnt = GetLE(value.substr(4, 2));
  const size_t id_size = large ? 4 : 1;
  const size_t off_size = large ? 4 : 2;
  size_t cursor = 6;
  const size_t ids_len = (not_null_cnt + null_cnt) * id_size;
  const size_t offs_len = not_null_cnt * off_size;
  if (value.size() < cursor + ids_len + offs_len) {
    return Status::Corruption("row v2: truncated column ids/offsets");
  }
  std::string_view ids = value.substr(cursor, ids_len);
  cursor += ids_len;
  std::string_view offs = value.substr(cursor, offs_len);
  cursor += offs_len;
  const size_t data_len = not_null_cnt == 0 ? 0 : GetLE(offs.substr(offs_len - off_size));
  if (value.size() < cursor + data_len) return Status::Corruption("row v2: truncated data");
  std::string_view data = value.substr(cursor, data_len);
  cursor += data_len;

  if (flags & kRowFlagChecksum) {
    if (value.size() < cursor + 5) return Status::Corruption("row v2: truncated checksum");
    const uint8_t header = static_cast<uint8_t>(value[cursor]);
    cursor += 5;
    if (header & 0x08) cursor += 4;  // extra checksum
  }
  if (cursor != value.size()) {
    return Status::Corruption("row v2: " + std::to_string(value.size() - cursor) +
                              " unexpected trailing bytes");
  }

  std::vector<RowV2Cell> cells;
  cells.reserve(not_null_cnt + null_cnt);
  size_t start = 0;
  for (size_t i = 0; i < not_null_cnt + null_cnt; ++i) {
    RowV2Cell cell;
    cell.id = static_cast<int64_t>(GetLE(ids.substr(i * id_size, id_size)));
    if (i < not_null_cnt) {
      const size_t end = GetLE(offs.substr(i * off_size, off_size));
      if (end < start || end > data.size()) {
        return Status::Corruption("row v2: column offsets out of order");
      }
      cell.data = data.substr(start, end - start);
      start = end;
    } else {
      cell.is_null = true;
    }
    // TiDB binary-searches each section, so ids must ascend within it.
    const bool section_start = i == 0 || i == not_null_cnt;
    if (!section_start && cell.id <= cells.back().id) {
      return Status::Corruption("row v2: column ids not ascending");
    }
    cells.push_back(cell);
  }
  return cells;
}

Result<Datum> DecodeRowV2Value(std::string_view data, RowValueKind kind) {
  switch (kind) {
    case RowValueKind::kInt:
      switch (data.size()) {
        case 1:
          return Datum::Int(static_cast<int8_t>(GetLE(data)));
        case 2:
          return Datum::Int(static_cast<int16_t>(GetLE(data)));
        case 4:
          return Datum::Int(static_cast<int32_t>(GetLE(data)));
        case 8:
          return Datum::Int(static_cast<int64_t>(GetLE(data)));
        default:
          return Status::Corruption("row v2: int column of " + std::to_string(data.size()) +
                                    " bytes");
      }
    case RowValueKind::kDouble: {
      if (data.size() != 8) {
        return Status::Corruption("row v2: double column of " + std::to_string(data.size()) +
                                  " bytes");
      }
      ASSIGN_OR_RETURN(double v, codec::DecodeFloat(&data));
      return Datum::Double(v);
    }
    case RowValueKind::kBytes:
      return Datum::Bytes(std::string(data));
  }
  return Status::Internal("row v2: unknown value kind");
}

}  // namespace brkv::catalog
