#include "server/kv_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include "client/pd_client.h"
#include "common/logging.h"
#include "raftstore/raft_client.h"
#include "server/consistency_service.h"
#include "server/engine.h"
#include "server/node.h"
#include "server/region_manager.h"
#include "server/safe_point_worker.h"
#include "server/split_checker.h"
#include "server/splitter.h"
#include "server/tikv_service.h"
#include "status/grpc_latency.h"
#include "status/status_server.h"
#include "server/txn_store.h"

namespace brkv::server {

namespace {

constexpr int kMaxMessageBytes = 256 << 20;

// "host:port" with the port replaced; a wildcard host becomes 127.0.0.1 so that the advertised
// address is dialable.
std::string AdvertiseFor(const std::string& addr, int port) {
  std::string host = addr.substr(0, addr.rfind(':'));
  if (host.empty() || host == "0.0.0.0" || host == "[::]" || host == "::") host = "127.0.0.1";
  return host + ":" + std::to_string(port);
}

}  // namespace

struct KvServer::Impl {
  ServerConfig config;
  std::unique_ptr<Engine> engine;
  // Raft messages to other stores; resolves addresses through PD once the node has joined.
  std::unique_ptr<raftstore::RaftClient> raft_client;
  std::atomic<client::PdClient*> pd{nullptr};
  std::unique_ptr<RegionManager> regions;
  std::unique_ptr<TxnStore> txn;
  std::unique_ptr<TikvService> service;
  std::unique_ptr<ConsistencyService> consistency;
  std::vector<std::unique_ptr<grpc::Service>> extra_services;
  std::unique_ptr<grpc::Server> grpc_server;
  // The HTTP status port and the gauges it reads from this server (removed before the
  // regions go away).
  std::unique_ptr<status::StatusServer> status_server;
  std::vector<metrics::CallbackHandle> gauges;
  std::unique_ptr<Node> node;
  std::unique_ptr<RegionSplitter> splitter;
  std::unique_ptr<SplitChecker> split_checker;
  std::unique_ptr<SafePointWorker> gc_worker;
  int port = 0;
  std::string advertise;
  bool started = false;  // Start() completed

  std::mutex shutdown_mu;
  bool shut_down = false;

  void Shutdown();
};

void KvServer::Impl::Shutdown() {
  std::lock_guard<std::mutex> l(shutdown_mu);
  if (shut_down) return;
  shut_down = true;
  if (started) LOG_INFO("shutting down store {}", node->store_id());
  if (service) service->StopRaftStreams();
  if (grpc_server) {
    // Stops accepting; in-flight RPCs get the grace period, then are cancelled.
    grpc_server->Shutdown(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(config.graceful_shutdown_timeout_ms));
    grpc_server->Wait();
  }
  if (service) service->SetShuttingDown();
  status_server.reset();
  gauges.clear();
  if (split_checker) split_checker->Stop();
  if (gc_worker) gc_worker->Stop();
  if (regions) regions->SetChangeListener(nullptr);
  if (node) node->Stop();
  gc_worker.reset();
  split_checker.reset();
  grpc_server.reset();
  extra_services.clear();
  consistency.reset();
  service.reset();
  splitter.reset();
  pd.store(nullptr);
  node.reset();
  txn.reset();
  regions.reset();  // stops the Raft groups
  raft_client.reset();
  const bool was_open = engine != nullptr;
  engine.reset();  // closes RocksDB
  if (was_open && started) LOG_INFO("store stopped; data directory {} closed", config.data_dir);
}

KvServer::KvServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KvServer::~KvServer() { Shutdown(); }

void KvServer::Shutdown() {
  if (impl_) impl_->Shutdown();
}

int KvServer::port() const { return impl_->port; }
const std::string& KvServer::advertise_address() const { return impl_->advertise; }
uint64_t KvServer::store_id() const { return impl_->node ? impl_->node->store_id() : 0; }

Result<std::unique_ptr<KvServer>> KvServer::Start(const ServerConfig& config,
                                                  const KvServerOptions& options) {
  RETURN_IF_ERROR(ValidateServerConfig(config));
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  Impl* d = impl.get();
  // From here on, a failure tears down what was started via ~KvServer.
  std::unique_ptr<KvServer> server(new KvServer(std::move(impl)));

  EngineOptions eo;
  eo.path = config.data_dir;
  eo.sync_writes = config.sync_write;
  eo.block_cache_bytes = config.block_cache_size;
  auto engine = Engine::Open(eo);
  if (!engine.ok()) return engine.status();  // names the directory already
  d->engine = std::move(engine).value();
  raftstore::RaftClientOptions rco;
  rco.resolve = [d](uint64_t store_id) -> Result<std::string> {
    client::PdClient* pd = d->pd.load();
    if (pd == nullptr) return Status::Unavailable("not connected to PD yet");
    ASSIGN_OR_RETURN(metapb::Store store, pd->GetStore(store_id));
    if (store.address().empty()) {
      return Status::NotFound("store " + std::to_string(store_id) + " has no address");
    }
    return store.address();
  };
  d->raft_client = std::make_unique<raftstore::RaftClient>(std::move(rco));
  RegionRaftOptions ro;
  ro.transport = d->raft_client.get();
  ro.tick_ms = config.raft_base_tick_interval_ms;
  ro.election_ticks = config.raft_election_timeout_ticks;
  ro.heartbeat_ticks = config.raft_heartbeat_ticks;
  ro.peer_down_ms = config.max_peer_down_duration_ms;
  ro.sst_locator = options.sst_locator;
  auto regions = RegionManager::Open(d->engine.get(), std::move(ro));
  if (!regions.ok()) {
    return regions.status().WithContext("cannot load regions from " + config.data_dir);
  }
  d->regions = std::move(regions).value();
  d->txn = std::make_unique<TxnStore>(d->engine.get());
  d->service = std::make_unique<TikvService>(d->regions.get(), d->txn.get(), nullptr);
  d->consistency = std::make_unique<ConsistencyService>(d->regions.get());
  for (const ServiceFactory& factory : options.extra_services) {
    auto extra = factory(ServiceContext{&d->config, d->engine.get(), d->regions.get()});
    if (!extra.ok()) return extra.status();
    d->extra_services.push_back(std::move(extra).value());
  }

  grpc::ServerBuilder builder;
  grpc::ResourceQuota quota("kv-server");
  quota.SetMaxThreads(std::max(4, config.grpc_concurrency * 2));
  builder.SetResourceQuota(quota);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::NUM_CQS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MIN_POLLERS, 1);
  builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                              std::max(2, config.grpc_concurrency));
  builder.SetMaxReceiveMessageSize(kMaxMessageBytes);
  builder.SetMaxSendMessageSize(kMaxMessageBytes);
  // Without this, gRPC binds with SO_REUSEPORT and a second node on the same port would
  // silently share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(config.addr, grpc::InsecureServerCredentials(), &d->port);
  if (!config.status_addr.empty()) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> ic;
    ic.push_back(status::NewGrpcLatencyFactory(status::GrpcLatencyNaming::kTikv));
    builder.experimental().SetInterceptorCreators(std::move(ic));
  }
  builder.RegisterService(static_cast<tikvpb::Tikv::Service*>(d->service.get()));
  builder.RegisterService(static_cast<brkvpb::Debug::Service*>(d->service.get()));
  builder.RegisterService(d->consistency.get());
  for (const auto& extra : d->extra_services) builder.RegisterService(extra.get());
  d->grpc_server = builder.BuildAndStart();
  if (!d->grpc_server || d->port == 0) {
    d->grpc_server.reset();
    return Status::IOError("cannot listen on " + config.addr +
                           " (address in use or not a local address?)");
  }
  d->advertise = config.advertise_addr.empty() ? AdvertiseFor(config.addr, d->port)
                                               : config.advertise_addr;
  LOG_INFO("listening on {} (advertised as {})", config.addr, d->advertise);
  if (!config.status_addr.empty()) {
    // Gauges read at scrape time; only a process that serves metrics registers them (several
    // in-process servers would otherwise report the same series).
    RegionManager* rm = d->regions.get();
    auto& reg = metrics::Default();
    const char* help = "Number of regions this store holds a replica of / leads";
    d->gauges.push_back(reg.GaugeFunc("tikv_raftstore_region_count", help, {"type"}, {"region"},
                                      [rm] { return static_cast<double>(rm->RegionCount()); }));
    d->gauges.push_back(reg.GaugeFunc("tikv_raftstore_region_count", help, {"type"}, {"leader"},
                                      [rm] { return static_cast<double>(rm->LeaderCount()); }));
    status::StatusServerOptions so;
    so.addr = config.status_addr;
    auto st = status::StatusServer::Start(so);
    if (!st.ok()) return st.status();
    d->status_server = std::move(st).value();
    LOG_INFO("status server (Prometheus /metrics) on {}", d->status_server->address());
  }

  NodeOptions no;
  no.pd_address = config.pd;
  no.advertise_address = d->advertise;
  no.data_dir = config.data_dir;
  no.pd_connect_timeout_ms = config.pd_connect_timeout_ms;
  no.store_heartbeat_ms = config.store_heartbeat_interval_ms;
  no.region_heartbeat_ms = config.region_heartbeat_interval_ms;
  no.raft_tick_ms = config.raft_base_tick_interval_ms;
  auto node = Node::Join(no, d->regions.get(), d->engine.get());
  if (!node.ok()) return node.status();
  d->node = std::move(node).value();
  d->pd.store(d->node->pd());

  d->splitter = std::make_unique<RegionSplitter>(d->regions.get(), d->node->pd());
  d->service->SetSplitter(d->splitter.get());

  SplitCheckerOptions so;
  so.split_size = config.region_split_size;
  so.interval_ms = config.split_check_interval_ms;
  d->split_checker = std::make_unique<SplitChecker>(so, d->regions.get(), d->splitter.get());

  SplitChecker* checker = d->split_checker.get();
  Engine* eng = d->engine.get();
  d->node->SetRegionSizeFn([checker, eng](const metapb::Region& r, uint64_t* bytes,
                                          uint64_t* keys) {
    ApproximateRegionSize(eng, r, bytes, keys);
    RegionSizeInfo info;
    if (checker->LastSize(r.id(), &info)) *keys = info.keys;
  });
  Node* n = d->node.get();
  d->regions->SetChangeListener(
      [n](const std::vector<metapb::Region>& changed, bool removed) {
        n->RegionsChanged(changed, removed);
      });
  d->node->Start();

  d->regions->MarkAllForCheck();
  d->split_checker->Start();

  SafePointWorkerOptions go;
  go.interval_ms = config.gc_poll_interval_ms;
  d->gc_worker = std::make_unique<SafePointWorker>(go, d->regions.get(), d->txn.get(),
                                                   d->node->pd());
  d->gc_worker->Start();

  d->started = true;
  LOG_INFO("store {} is serving on {}: {} region replicas, {} led here", d->node->store_id(),
           d->advertise, d->regions->RegionCount(), d->regions->LeaderCount());
  return server;
}

}  // namespace brkv::server
