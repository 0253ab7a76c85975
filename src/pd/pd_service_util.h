// Helpers shared by PD's gRPC services (pdpb.PD and brkvpb.PDAdmin): the cluster-id check of
// a request header and the mapping of component Status codes onto pdpb.ErrorType. Statuses are
// mapped here and only here.
// Internal to the pd module. Thread-safety: stateless functions.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "pd/operator.h"
#include "proto/pdpb.pb.h"

namespace brkv::pd {

// Fills resp's cluster id. False (with CLUSTER_MISMATCH set) when `requested` names another
// non-zero cluster id than `mine`: the request must then not be executed.
bool CheckClusterId(uint64_t requested, uint64_t mine, pdpb::ResponseHeader* resp);

void SetError(pdpb::ResponseHeader* h, pdpb::ErrorType type, const std::string& msg);

// Maps a component Status onto the header (UNKNOWN, or `not_found` for NotFound); OK sets
// nothing.
void SetStatus(pdpb::ResponseHeader* h, const Status& s, pdpb::ErrorType not_found = pdpb::UNKNOWN);

// For the operator and store RPCs: keeps the Status code in the error type and the message
// clean, so a client can show one readable line.
void SetTypedStatus(pdpb::ResponseHeader* h, const Status& s, pdpb::ErrorType not_found);

pdpb::OperatorStatus ToProto(OpStatus s);

}  // namespace brkv::pd
