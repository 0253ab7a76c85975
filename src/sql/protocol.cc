#include "sql/protocol.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sql/wire.h"

namespace brkv::sql {

namespace {

std::string Sha1(std::string_view a, std::string_view b = {}) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha1(), nullptr);
  EVP_DigestUpdate(ctx, a.data(), a.size());
  if (!b.empty()) EVP_DigestUpdate(ctx, b.data(), b.size());
  EVP_DigestFinal_ex(ctx, md, &n);
  EVP_MD_CTX_free(ctx);
  return std::string(reinterpret_cast<char*>(md), n);
}

std::string Xor(std::string_view a, std::string_view b) {
  std::string out(a);
  for (size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
  return out;
}

}  // namespace

std::string MakeScramble() {
  unsigned char buf[20];
  if (RAND_bytes(buf, sizeof(buf)) != 1) {
    for (size_t i = 0; i < sizeof(buf); ++i) buf[i] = static_cast<unsigned char>(i * 37 + 11);
  }
  std::string s(20, 'a');
  // Printable ASCII without NUL or quotes, like TiDB's RandomBuf.
  for (size_t i = 0; i < 20; ++i) s[i] = static_cast<char>(0x21 + buf[i] % 0x5E);
  return s;
}

std::string BuildHandshake(std::string_view server_version, uint32_t connection_id,
                           std::string_view scramble20, uint32_t capabilities) {
  PacketWriter w;
  w.Int1(0x0A);
  w.NulStr(server_version);
  w.Int4(connection_id);
  w.Raw(scramble20.substr(0, 8));
  w.Int1(0);
  w.Int2(static_cast<uint16_t>(capabilities & 0xFFFF));
  w.Int1(kCollationUtf8mb4Bin);
  w.Int2(status_flag::kAutocommit);
  w.Int2(static_cast<uint16_t>(capabilities >> 16));
  w.Int1(21);  // auth_plugin_data_len: 20 scramble bytes + NUL
  w.Zeros(10);
  w.Raw(scramble20.substr(8, 12));
  w.Int1(0);
  w.NulStr(kNativePasswordPlugin);
  return w.Take();
}

Result<HandshakeResponse> ParseHandshakeResponse(std::string_view payload, uint32_t server_caps) {
  PacketReader r(payload);
  HandshakeResponse h;
  h.client_flags = r.Int4();
  if (!r.ok() || (h.client_flags & cap::kProtocol41) == 0) {
    return Status::InvalidArgument("handshake response is not protocol 4.1");
  }
  const uint32_t caps = h.client_flags & server_caps;
  h.max_packet = r.Int4();
  h.collation = r.Int1();
  r.Skip(23);
  h.user = std::string(r.NulStr());
  if (caps & cap::kPluginAuthLenencData) {
    h.auth_response = std::string(r.LenencStr());
  } else if (caps & cap::kSecureConnection) {
    uint8_t n = r.Int1();
    h.auth_response = std::string(r.Bytes(n));
  } else {
    h.auth_response = std::string(r.NulStr());
  }
  if ((caps & cap::kConnectWithDb) && !r.AtEnd()) h.database = std::string(r.NulStr());
  if ((caps & cap::kPluginAuth) && !r.AtEnd()) h.plugin = std::string(r.NulStr());
  // Connect attributes are parsed only far enough to reject garbage; their values are unused.
  if ((caps & cap::kConnectAttrs) && !r.AtEnd()) {
    std::optional<uint64_t> total = r.LenencInt();
    if (r.ok() && total && *total <= r.remaining()) {
      PacketReader attrs(r.Bytes(static_cast<size_t>(*total)));
      while (attrs.ok() && !attrs.AtEnd()) {
        attrs.LenencStr();
        attrs.LenencStr();
      }
      if (!attrs.ok()) return Status::InvalidArgument("malformed connect attributes");
    } else {
      return Status::InvalidArgument("malformed connect attributes");
    }
  }
  if (!r.ok()) return Status::InvalidArgument("malformed handshake response");
  return h;
}

std::string NativePasswordHash(std::string_view password) {
  if (password.empty()) return "";
  return Sha1(Sha1(password));
}

std::string NativePasswordToken(std::string_view password, std::string_view scramble) {
  if (password.empty()) return "";
  const std::string stage1 = Sha1(password);
  return Xor(stage1, Sha1(scramble, Sha1(stage1)));
}

bool VerifyNativePassword(std::string_view token, std::string_view scramble,
                          std::string_view stored_hash) {
  if (stored_hash.empty()) return token.empty();
  if (token.size() != 20 || stored_hash.size() != 20) return false;
  const std::string stage1 = Xor(token, Sha1(scramble, stored_hash));
  return Sha1(stage1) == stored_hash;
}

std::string BuildAuthSwitch(std::string_view scramble20) {
  PacketWriter w;
  w.Int1(0xFE);
  w.NulStr(kNativePasswordPlugin);
  w.Raw(scramble20);
  w.Int1(0);
  return w.Take();
}

std::string BuildOk(uint64_t affected_rows, uint64_t last_insert_id, uint16_t status,
                    uint16_t warnings, std::string_view info) {
  PacketWriter w;
  w.Int1(0x00);
  w.LenencInt(affected_rows);
  w.LenencInt(last_insert_id);
  w.Int2(status);
  w.Int2(warnings);
  if (!info.empty()) w.LenencStr(info);
  return w.Take();
}

std::string BuildErr(const SqlError& e) {
  PacketWriter w;
  w.Int1(0xFF);
  w.Int2(e.code());
  w.Int1('#');
  std::string state = e.sqlstate();
  state.resize(5, '0');
  w.Raw(state);
  // Keep the message well inside one packet.
  w.Raw(std::string_view(e.message()).substr(0, 4096));
  return w.Take();
}

std::string BuildEof(uint16_t status, uint16_t warnings) {
  PacketWriter w;
  w.Int1(0xFE);
  w.Int2(warnings);
  w.Int2(status);
  return w.Take();
}

std::string BuildColumnDef(const ColumnDef& c, bool with_default) {
  PacketWriter w;
  w.LenencStr("def");
  w.LenencStr(c.schema);
  w.LenencStr(c.table);
  w.LenencStr(c.org_table);
  w.LenencStr(c.name);
  w.LenencStr(c.org_name);
  w.LenencInt(0x0C);
  w.Int2(c.charset);
  w.Int4(c.length);
  w.Int1(c.type);
  w.Int2(c.flags);
  w.Int1(c.decimals);
  w.Zeros(2);
  if (with_default) w.Int1(0xFB);
  return w.Take();
}

std::string BuildTextRow(const std::vector<std::optional<std::string>>& values) {
  PacketWriter w;
  for (const auto& v : values) {
    if (v) {
      w.LenencStr(*v);
    } else {
      w.Int1(0xFB);
    }
  }
  return w.Take();
}

}  // namespace brkv::sql
