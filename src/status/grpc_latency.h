// A gRPC server interceptor that records each unary call's handling time in a histogram, by
// method: kv-server as TiKV's tikv_grpc_msg_duration_seconds{type="kv_get"}, pd-server as
// go-grpc-prometheus' grpc_server_handling_seconds{grpc_method="GetRegion",...}. Streaming calls
// (Raft transport, TSO streams) live as long as their stream and are not recorded.
// Includes grpc++: only the servers' setup code includes it.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

namespace brkv::status {

enum class GrpcLatencyNaming {
  kTikv,  // tikv_grpc_msg_duration_seconds{type="<method in snake_case>"}
  kPd,    // grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
};

// For ServerBuilder::experimental().SetInterceptorCreators. Records into metrics::Default().
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewGrpcLatencyFactory(
    GrpcLatencyNaming naming);

// "KvGet" -> "kv_get", "BatchRaft" -> "batch_raft".
std::string SnakeCase(const std::string& camel);

}  // namespace brkv::status
