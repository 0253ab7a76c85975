#include "tools/store_health.h"

#include <chrono>
#include <set>

namespace brkv::tools {

int64_t UnixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<bool> StoresUp(client::PdClient* pd, const std::vector<std::string>& addresses,
                      int64_t since_unix_ms, std::string* waiting_for) {
  std::string scratch;
  std::string* why = waiting_for ? waiting_for : &scratch;
  ASSIGN_OR_RETURN(bool bootstrapped, pd->IsBootstrapped());
  if (!bootstrapped) {
    *why = "the first store to bootstrap the cluster";
    return false;
  }
  ASSIGN_OR_RETURN(auto stores, pd->GetAllStores());
  const int64_t since_ns = since_unix_ms * 1000000;
  std::set<std::string> up;
  for (const auto& s : stores) {
    if (s.store().state() == metapb::Up && !s.is_down() && s.store().last_heartbeat() >= since_ns) {
      up.insert(s.store().address());
    }
  }
  std::string missing;
  for (const auto& a : addresses) {
    if (!up.count(a)) missing += (missing.empty() ? "" : ", ") + a;
  }
  if (missing.empty()) return true;
  *why = "stores " + missing + " to register and heartbeat";
  return false;
}

}  // namespace brkv::tools
