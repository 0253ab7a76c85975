#include "pd/pd_server.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>

#include "common/metrics.h"
#include "status/grpc_latency.h"
#include "status/status_server.h"
#include "common/logging.h"
#include "pd/cluster.h"
#include "pd/id_allocator.h"
#include "pd/pd_admin_service.h"
#include "pd/pd_service.h"
#include "pd/region_scheduler.h"
#include "pd/safe_point.h"
#include "pd/storage.h"
#include "pd/store_client.h"
#include "pd/tso.h"

namespace brkv::pd {

namespace {

// Fails fast, before the data dir is touched, when an IPv4 "host:port" is already bound.
// Other address forms are left to gRPC. Racy by nature; gRPC's own bind is the final check.
Status CheckPortFree(const std::string& addr) {
  auto colon = addr.rfind(':');
  if (colon == std::string::npos) return Status::InvalidArgument("address must be host:port");
  std::string host = addr.substr(0, colon);
  std::string port_str = addr.substr(colon + 1);
  char* end = nullptr;
  long port = std::strtol(port_str.c_str(), &end, 10);
  if (port_str.empty() || *end != '\0' || port < 0 || port > 65535) {
    return Status::InvalidArgument("bad port in address " + addr);
  }
  if (host == "localhost") host = "127.0.0.1";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  if (port == 0 || inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) return Status::OK();
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::OK();
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof(sa));
  int err = errno;
  ::close(fd);
  if (rc != 0) {
    return Status::Unavailable("cannot listen on " + addr + ": " + std::strerror(err));
  }
  return Status::OK();
}

}  // namespace

struct PdServer::Impl {
  PdServerOptions options;
  Clock* clock = nullptr;
  std::unique_ptr<PdStorage> storage;
  uint64_t cluster_id = 0;
  std::unique_ptr<TimestampOracle> tso;
  std::unique_ptr<IdAllocator> ids;
  std::unique_ptr<Cluster> cluster;
  std::unique_ptr<SafePointManager> safe_points;
  std::unique_ptr<StoreClient> store_client;
  std::unique_ptr<Coordinator> coordinator;
  std::unique_ptr<RegionScheduler> scheduler;
  std::unique_ptr<PdService> service;
  std::unique_ptr<PdAdminService> admin_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<status::StatusServer> status_server;
  std::vector<metrics::CallbackHandle> gauges;
  int port = 0;
  std::string host;

  std::thread ticker;
  std::mutex mu;
  std::condition_variable cv;
  bool stopping = false;  // guarded by mu
  bool shut_down = false;
  std::set<uint64_t> down_stores;  // ticker thread only

  void Tick();
  void TickerLoop();
};

void PdServer::Impl::Tick() {
  auto down = cluster->DownStores();
  std::set<uint64_t> now_down(down.begin(), down.end());
  for (uint64_t id : now_down) {
    if (!down_stores.count(id)) {
      LOG_WARN("store {} is down (no heartbeat for more than {} ms)", id, options.store_down_ms);
    }
  }
  down_stores = std::move(now_down);
  coordinator->Tick();

  if (options.gc_life_time_s > 0) {
    int64_t physical = clock->NowMs() - options.gc_life_time_s * 1000;
    if (physical > 0) {
      auto sp = safe_points->UpdateGcSafePoint(ComposeTs(physical, 0));
      if (!sp.ok()) LOG_WARN("automatic GC safe point update: {}", sp.status().ToString());
    }
  } else {
    // Still drop expired service safe points so the log says when they lapse.
    (void)safe_points->MinServiceSafePoint();
  }
}

void PdServer::Impl::TickerLoop() {
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    cv.wait_for(lock, std::chrono::milliseconds(options.gc_tick_ms), [&] { return stopping; });
    if (stopping) break;
    lock.unlock();
    Tick();
    lock.lock();
  }
}

PdServer::PdServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PdServer::~PdServer() { Shutdown(); }

Result<std::unique_ptr<PdServer>> PdServer::Start(const PdServerOptions& options) {
  if (options.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  if (options.addr.empty()) return Status::InvalidArgument("--addr is empty");
  if (options.store_down_ms <= 0) return Status::InvalidArgument("--store-down-ms must be > 0");
  if (options.gc_life_time_s < 0) return Status::InvalidArgument("--gc-life-time-s must be >= 0");
  if (options.gc_tick_ms <= 0) return Status::InvalidArgument("gc tick must be > 0");
  RETURN_IF_ERROR(ValidateScheduleOptions(options.schedule));

  RETURN_IF_ERROR(CheckPortFree(options.addr));

  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock ? options.clock : SystemClock();
  ASSIGN_OR_RETURN(impl->storage, PdStorage::Open(options.data_dir));
  ASSIGN_OR_RETURN(impl->cluster_id, LoadOrCreateClusterId(impl->storage.get(), impl->clock));
  ASSIGN_OR_RETURN(impl->tso, TimestampOracle::Open(impl->storage.get(), impl->clock));
  ASSIGN_OR_RETURN(impl->ids, IdAllocator::Open(impl->storage.get()));
  ClusterOptions copts;
  copts.cluster_id = impl->cluster_id;
  copts.store_down_ms = options.store_down_ms;
  ASSIGN_OR_RETURN(impl->cluster,
                   Cluster::Open(impl->storage.get(), impl->ids.get(), impl->clock, copts));
  ASSIGN_OR_RETURN(impl->safe_points, SafePointManager::Open(impl->storage.get(), impl->clock));
  GrpcStoreClientOptions sopts;
  sopts.rpc_timeout_ms = options.store_rpc_timeout_ms;
  impl->store_client = NewGrpcStoreClient(sopts);
  impl->coordinator = std::make_unique<Coordinator>(impl->cluster.get(), impl->ids.get(),
                                                    impl->clock, options.schedule);
  impl->scheduler = std::make_unique<RegionScheduler>(
      impl->cluster.get(), impl->store_client.get(), RegionSchedulerOptions{},
      impl->coordinator.get());
  impl->service = std::make_unique<PdService>(
      PdComponents{impl->cluster.get(), impl->tso.get(), impl->ids.get(),
                   impl->safe_points.get(), impl->scheduler.get(), impl->coordinator.get()});
  impl->admin_service =
      std::make_unique<PdAdminService>(impl->cluster.get(), impl->coordinator.get());

  grpc::ServerBuilder builder;
  // Refuse to share the port with another process (gRPC enables SO_REUSEPORT by default).
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(-1);
  builder.AddListeningPort(options.addr, grpc::InsecureServerCredentials(), &impl->port);
  if (!options.status_addr.empty()) {
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> ic;
    ic.push_back(status::NewGrpcLatencyFactory(status::GrpcLatencyNaming::kPd));
    builder.experimental().SetInterceptorCreators(std::move(ic));
  }
  builder.RegisterService(impl->service.get());
  builder.RegisterService(impl->admin_service.get());
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    return Status::Unavailable("cannot listen on " + options.addr +
                               " (address in use or invalid)");
  }
  auto colon = options.addr.rfind(':');
  impl->host = colon == std::string::npos ? options.addr : options.addr.substr(0, colon);
  if (!options.status_addr.empty()) {
    // PD's pd_cluster_status gauges, read from the cluster table at scrape time.
    Cluster* cluster = impl->cluster.get();
    auto count = [cluster](auto pred) {
      return [cluster, pred] {
        double n = 0;
        for (const StoreView& v : cluster->StoreViews()) n += pred(v) ? 1 : 0;
        return n;
      };
    };
    const char* help = "Status of the cluster";
    auto& reg = metrics::Default();
    impl->gauges.push_back(reg.GaugeFunc(
        "pd_cluster_status", help, {"type"}, {"store_up_count"},
        count([](const StoreView& v) { return v.up && !v.tombstone; })));
    impl->gauges.push_back(reg.GaugeFunc(
        "pd_cluster_status", help, {"type"}, {"store_down_count"},
        count([](const StoreView& v) { return !v.up && !v.tombstone; })));
    impl->gauges.push_back(reg.GaugeFunc(
        "pd_cluster_status", help, {"type"}, {"store_tombstone_count"},
        count([](const StoreView& v) { return v.tombstone; })));
    impl->gauges.push_back(
        reg.GaugeFunc("pd_cluster_status", help, {"type"}, {"region_count"}, [cluster] {
          return static_cast<double>(cluster->ScanRegions("", "", 0).size());
        }));
    status::StatusServerOptions so;
    so.addr = options.status_addr;
    ASSIGN_OR_RETURN(impl->status_server, status::StatusServer::Start(so));
    LOG_INFO("status server (Prometheus /metrics) on {}", impl->status_server->address());
  }
  impl->ticker = std::thread([p = impl.get()] { p->TickerLoop(); });
  LOG_INFO("pd-server cluster {} serving on {}:{} (data dir {}, store down after {} ms, GC life "
           "time {}, max-replicas {}, max-store-down-time {} s)",
           impl->cluster_id, impl->host, impl->port, options.data_dir, options.store_down_ms,
           options.gc_life_time_s > 0 ? std::to_string(options.gc_life_time_s) + " s"
                                      : std::string("off"),
           options.schedule.replication.max_replicas,
           options.schedule.replication.max_store_down_time_ms / 1000);
  return std::unique_ptr<PdServer>(new PdServer(std::move(impl)));
}

void PdServer::Shutdown() {
  if (!impl_ || impl_->shut_down) return;
  impl_->shut_down = true;
  impl_->status_server.reset();
  impl_->gauges.clear();
  if (impl_->server) {
    impl_->service->StopStreams();
    impl_->server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    impl_->server->Wait();
  }
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->ticker.joinable()) impl_->ticker.join();
  if (impl_->storage) {
    Status s = impl_->storage->Flush();
    if (!s.ok()) LOG_WARN("flush PD metadata at shutdown: {}", s.ToString());
  }
  LOG_INFO("pd-server stopped");
}

int PdServer::port() const { return impl_->port; }
std::string PdServer::address() const { return impl_->host + ":" + std::to_string(impl_->port); }
uint64_t PdServer::cluster_id() const { return impl_->cluster_id; }

int RunPdServer(const PdServerOptions& options) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  // Block before any thread starts so every thread inherits the mask and sigwait gets them.
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = PdServer::Start(options);
  if (!server.ok()) {
    std::fprintf(stderr, "pd-server: error: %s\n", server.status().ToString().c_str());
    return 1;
  }
  int sig = 0;
  sigwait(&set, &sig);
  LOG_INFO("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  (*server)->Shutdown();
  spdlog::default_logger()->flush();
  return 0;
}

}  // namespace brkv::pd
