// Checks a gRPC service of ours against the method list a test writes down from kvproto: every
// method we serve under a kvproto service name must exist there with the same request and
// response types and the same streaming on each side.
#pragma once

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

namespace brkv::wire {

struct MethodShape {
  std::string request;  // full message name, e.g. "pdpb.TsoRequest"
  std::string response;
  bool client_streaming = false;
  bool server_streaming = false;
};

// kvproto's methods of one service, by method name (only those we need to compare).
using ServiceShape = std::map<std::string, MethodShape>;

inline void ExpectServiceMatches(const std::string& service, const ServiceShape& kvproto) {
  const auto* svc = google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service);
  ASSERT_NE(svc, nullptr) << service;
  for (int i = 0; i < svc->method_count(); ++i) {
    const auto* m = svc->method(i);
    auto it = kvproto.find(m->name());
    ASSERT_NE(it, kvproto.end()) << service << "/" << m->name() << " is not a kvproto method";
    EXPECT_EQ(m->input_type()->full_name(), it->second.request) << m->full_name();
    EXPECT_EQ(m->output_type()->full_name(), it->second.response) << m->full_name();
    EXPECT_EQ(m->client_streaming(), it->second.client_streaming) << m->full_name();
    EXPECT_EQ(m->server_streaming(), it->second.server_streaming) << m->full_name();
  }
}

}  // namespace brkv::wire
