#include "table/table_reader.h"

#include <string>
#include <vector>

#include "catalog/row.h"
#include "catalog/tablecodec.h"
#include "table/csv.h"

namespace brkv::table {

Status TableReader::ScanRows(
    const std::function<bool(int64_t, std::span<const catalog::Datum>)>& fn) const {
  const catalog::KeyRange r = catalog::TableRecordRange(table_.id);
  Status error;
  RETURN_IF_ERROR(
      cluster_->GetSnapshot(ts_).ScanEach(r.start, r.end, [&](const client::KvPair& kv) {
        Result<catalog::DecodedRecordKey> key = catalog::DecodeRecordKey(kv.key);
        if (!key.ok()) {
          error = key.status();
          return false;
        }
        Result<std::vector<catalog::Datum>> row = catalog::DecodeRow(table_, kv.key, kv.value);
        if (!row.ok()) {
          error = row.status().WithContext("row " + std::to_string(key->handle) + " of table '" +
                                           table_.name.O + "'");
          return false;
        }
        return fn(key->handle, *row);
      }));
  return error;
}

Result<uint64_t> TableReader::CountRows() const {
  const catalog::KeyRange r = catalog::TableRecordRange(table_.id);
  ASSIGN_OR_RETURN(Checksum c,
                   cluster_->admin()->Checksum({client::KeyRange{r.start, r.end}}, ts_));
  return c.total_kvs;
}

Status TableReader::DumpCsv(const std::function<Status(std::string_view)>& sink) const {
  constexpr size_t kChunk = 64 * 1024;
  std::string buf;
  Status sink_error;
  std::vector<CsvField> fields;
  RETURN_IF_ERROR(ScanRows([&](int64_t, std::span<const catalog::Datum> row) {
    fields.clear();
    for (const catalog::Datum& d : row) fields.push_back(catalog::FormatColumnValue(d));
    AppendCsvRecord(&buf, fields);
    if (buf.size() >= kChunk) {
      sink_error = sink(buf);
      buf.clear();
      if (!sink_error.ok()) return false;
    }
    return true;
  }));
  RETURN_IF_ERROR(sink_error);
  if (!buf.empty()) RETURN_IF_ERROR(sink(buf));
  return Status::OK();
}

}  // namespace brkv::table
