#include "pd/pd_service_util.h"

namespace brkv::pd {

bool CheckClusterId(uint64_t requested, uint64_t mine, pdpb::ResponseHeader* resp) {
  resp->set_cluster_id(mine);
  if (requested != 0 && requested != mine) {
    SetError(resp, pdpb::CLUSTER_MISMATCH,
             "request is for cluster " + std::to_string(requested) + ", this PD serves " +
                 std::to_string(mine));
    return false;
  }
  return true;
}

void SetError(pdpb::ResponseHeader* h, pdpb::ErrorType type, const std::string& msg) {
  h->mutable_error()->set_type(type);
  h->mutable_error()->set_message(msg);
}

void SetStatus(pdpb::ResponseHeader* h, const Status& s, pdpb::ErrorType not_found) {
  if (s.ok()) return;
  pdpb::ErrorType type = pdpb::UNKNOWN;
  if (s.code() == Status::Code::kNotFound) type = not_found;
  SetError(h, type, s.ToString());
}

void SetTypedStatus(pdpb::ResponseHeader* h, const Status& s, pdpb::ErrorType not_found) {
  if (s.ok()) return;
  pdpb::ErrorType type = pdpb::UNKNOWN;
  switch (s.code()) {
    case Status::Code::kNotFound:
      type = not_found;
      break;
    case Status::Code::kInvalidArgument:
      type = pdpb::INVALID_VALUE;
      break;
    case Status::Code::kAlreadyExists:
      type = pdpb::ALREADY_EXISTS;
      break;
    case Status::Code::kUnavailable:
      type = pdpb::UNAVAILABLE;
      break;
    case Status::Code::kAborted:
      type = pdpb::ABORTED;
      break;
    default:
      break;
  }
  SetError(h, type, type == pdpb::UNKNOWN ? s.ToString() : s.message());
}

pdpb::OperatorStatus ToProto(OpStatus s) {
  switch (s) {
    case OpStatus::kRunning:
      return pdpb::RUNNING;
    case OpStatus::kFinished:
      return pdpb::SUCCESS;
    case OpStatus::kTimedOut:
      return pdpb::TIMEOUT;
    case OpStatus::kCancelled:
      return pdpb::CANCEL;
    case OpStatus::kReplaced:
      return pdpb::REPLACE;
  }
  return pdpb::CANCEL;
}

}  // namespace brkv::pd
