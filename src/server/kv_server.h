// KvServer: one running storage node — engine, regions, transactions, PD membership, background
// workers (heartbeats, split checker, GC) and the gRPC service. cmd/kv_server_main.cc is a thin
// wrapper around it; tests run it in-process (addr port 0 picks a free port).
//
// Start order: open RocksDB → load the store ident and start its Raft groups → bind and start
// gRPC (so the real port is known) → join the cluster through PD (store id — the Raft groups
// start here on a fresh store —, bootstrap, PutStore with the advertised address) → start
// heartbeats, split checker and GC worker. Raft messages to other stores go over BatchRaft
// streams to the addresses PD knows. Any failure stops what was started and returns one clear
// error.
// Shutdown: end the Raft streams, stop accepting RPCs and let in-flight ones finish (up to the
// graceful timeout), stop the workers and the Raft groups, close RocksDB. Everything
// acknowledged before was synced to the Raft log.
// Thread-safety: Shutdown may be called from any thread, once or more.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "proto/import_sstpb.pb.h"
#include "server/config.h"

namespace grpc {
class Service;
}  // namespace grpc

namespace brkv::server {

class Engine;
class RegionManager;

// What an extra gRPC service (registered through KvServerOptions) is built from. The pointers
// stay valid until after the service is destroyed. Factories run before the server listens,
// so the store id may not be known yet (read RegionManager::store_id() when serving).
struct ServiceContext {
  const ServerConfig* config = nullptr;
  Engine* engine = nullptr;
  RegionManager* regions = nullptr;
};
using ServiceFactory =
    std::function<Result<std::unique_ptr<grpc::Service>>(const ServiceContext&)>;

struct KvServerOptions {
  // Services served next to the Tikv service, built in order at Start (a failure fails Start)
  // and destroyed after the gRPC server has stopped. Lets binaries add services whose
  // libraries depend on this one (the backup endpoint). Default: none.
  std::vector<ServiceFactory> extra_services;
  // Where this store keeps the staged copy of an SST an IngestSST Raft command names (the
  // import service's download directory); unset: SST ingest is refused. See
  // RegionRaftOptions::sst_locator.
  std::function<Result<std::string>(const import_sstpb::SSTMeta&)> sst_locator;
};

class KvServer {
 public:
  static Result<std::unique_ptr<KvServer>> Start(const ServerConfig& config,
                                                 const KvServerOptions& options = {});
  ~KvServer();  // Shutdown()s

  // The port the gRPC server listens on and the address registered with PD.
  int port() const;
  const std::string& advertise_address() const;
  uint64_t store_id() const;

  // Graceful shutdown (see above). Idempotent.
  void Shutdown();

 private:
  struct Impl;
  explicit KvServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace brkv::server
