#include "client/cluster.h"

#include "client/lock_resolver.h"
#include "client/region_request.h"
#include "client/store_client.h"

namespace brkv::client {

struct Cluster::Impl {
  Impl(const ClusterOptions& opts, ClusterParts parts, std::unique_ptr<ChannelCache> ch)
      : options(opts),
        pd(std::move(parts.pd)),
        source(std::move(parts.region_source)),
        channels(std::move(ch)),
        transport(std::move(parts.transport)),
        tso(std::move(parts.tso)),
        cache(source.get()),
        sender(&cache, transport.get(), options.rpc_timeout_ms),
        resolver(&sender, tso) {}

  ClusterOptions options;
  std::unique_ptr<PdClient> pd;
  std::unique_ptr<RegionSource> source;
  std::unique_ptr<ChannelCache> channels;
  std::unique_ptr<TikvTransport> transport;
  std::function<Result<uint64_t>()> tso;
  RegionCache cache;
  RegionRequestSender sender;
  LockResolver resolver;
  std::unique_ptr<RawClient> raw;
  std::unique_ptr<Admin> admin;
};

Cluster::Cluster(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->raw = std::make_unique<RawClient>(this);
  impl_->admin = std::make_unique<Admin>(this);
}

Cluster::~Cluster() = default;

Result<std::unique_ptr<Cluster>> Cluster::Connect(const ClusterOptions& options) {
  if (options.pd_address.empty()) return Status::InvalidArgument("no PD address given");
  PdClientOptions pd_opts;
  pd_opts.address = options.pd_address;
  pd_opts.rpc_timeout_ms = options.rpc_timeout_ms;
  pd_opts.retry_budget_ms = options.retry_budget_ms;
  ASSIGN_OR_RETURN(std::unique_ptr<PdClient> pd, PdClient::Connect(pd_opts));
  PdClient* pd_ptr = pd.get();
  auto channels = std::make_unique<ChannelCache>();
  ClusterParts parts;
  parts.region_source = NewPdRegionSource(pd_ptr);
  parts.transport = NewGrpcTikvTransport(channels.get());
  parts.tso = [pd_ptr]() { return pd_ptr->GetTS(); };
  parts.pd = std::move(pd);
  return std::unique_ptr<Cluster>(
      new Cluster(std::make_unique<Impl>(options, std::move(parts), std::move(channels))));
}

std::unique_ptr<Cluster> Cluster::Create(const ClusterOptions& options, ClusterParts parts) {
  return std::unique_ptr<Cluster>(
      new Cluster(std::make_unique<Impl>(options, std::move(parts), nullptr)));
}

const ClusterOptions& Cluster::options() const { return impl_->options; }
PdClient* Cluster::pd() { return impl_->pd.get(); }
RegionCache* Cluster::regions() { return &impl_->cache; }
RawClient* Cluster::raw() { return impl_->raw.get(); }
Admin* Cluster::admin() { return impl_->admin.get(); }
RegionRequestSender* Cluster::sender() { return &impl_->sender; }
LockResolver* Cluster::lock_resolver() { return &impl_->resolver; }
TikvTransport* Cluster::transport() { return impl_->transport.get(); }
ChannelCache* Cluster::channels() { return impl_->channels.get(); }

Result<uint64_t> Cluster::GetTS() { return impl_->tso(); }

Result<std::unique_ptr<Txn>> Cluster::Begin() {
  ASSIGN_OR_RETURN(uint64_t start_ts, GetTS());
  return std::make_unique<Txn>(this, start_ts);
}

Snapshot Cluster::GetSnapshot(uint64_t ts) { return Snapshot(this, ts); }

BackoffOptions Cluster::backoff_options() const {
  BackoffOptions o;
  o.base_ms = 20;
  o.max_ms = 1000;
  o.budget_ms = impl_->options.retry_budget_ms;
  return o;
}

}  // namespace brkv::client
