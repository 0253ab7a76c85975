#include "status/grpc_latency.h"

#include <cctype>
#include <chrono>

#include "common/metrics.h"

namespace brkv::status {

namespace {

using grpc::experimental::InterceptionHookPoints;

const std::vector<double>& Buckets() {
  static const std::vector<double> b = metrics::ExponentialBuckets(0.0005, 2, 20);  // 0.5ms..
  return b;
}

class LatencyInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit LatencyInterceptor(metrics::Histogram* h)
      : h_(h), start_(std::chrono::steady_clock::now()) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* m) override {
    if (m->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      h_->Observe(metrics::SecondsSince(start_));
    }
    m->Proceed();
  }

 private:
  metrics::Histogram* h_;
  std::chrono::steady_clock::time_point start_;
};

class Factory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit Factory(GrpcLatencyNaming naming) : naming_(naming) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    if (info->type() != grpc::experimental::ServerRpcInfo::Type::UNARY) return nullptr;
    // "/tikvpb.Tikv/KvGet"
    const std::string full = info->method() ? info->method() : "";
    const size_t slash = full.rfind('/');
    const std::string service = slash != std::string::npos && slash > 0 ? full.substr(1, slash - 1) : "";
    const std::string method = slash != std::string::npos ? full.substr(slash + 1) : full;
    metrics::Histogram* h;
    if (naming_ == GrpcLatencyNaming::kTikv) {
      static auto& fam = metrics::Default().Histogram(
          "tikv_grpc_msg_duration_seconds", "Bucketed histogram of grpc server messages",
          {"type"}, Buckets());
      h = &fam.With({SnakeCase(method)});
    } else {
      static auto& fam = metrics::Default().Histogram(
          "grpc_server_handling_seconds",
          "Histogram of response latency (seconds) of gRPC that had been application-level "
          "handled by the server.",
          {"grpc_type", "grpc_service", "grpc_method"}, Buckets());
      h = &fam.With({"unary", service, method});
    }
    return new LatencyInterceptor(h);
  }

 private:
  const GrpcLatencyNaming naming_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewGrpcLatencyFactory(
    GrpcLatencyNaming naming) {
  return std::make_unique<Factory>(naming);
}

std::string SnakeCase(const std::string& camel) {
  std::string out;
  for (size_t i = 0; i < camel.size(); ++i) {
    const char c = camel[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace brkv::status
