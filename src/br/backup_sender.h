// BackupSender: one `backup.Backup/backup` server-streaming RPC to one store.
//
// Send delivers every BackupResponse of the stream to `on_response`, in order, on the calling
// thread, and returns how the stream ended:
//   OK            the store finished the request (errors inside responses are the caller's)
//   Unavailable   the store could not be reached or dropped the stream (down, restarting);
//                 the connection is reset so the next call dials again
//   TimedOut      no response for `idle_timeout` (the stream is cancelled: lessons.md 7), or
//                 the call's deadline passed
//   other         a non-OK status returned by on_response (the stream is cancelled), or a
//                 gRPC failure that retrying will not fix
// In every non-OK case what the store did not answer stays unanswered: the caller treats it
// as a gap to retry.
// Thread-safety: thread-safe; concurrent Sends to different stores are the normal use.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "br/backup_topology.h"
#include "common/status.h"
#include "proto/brpb.pb.h"

namespace brkv::client {
class ChannelCache;
}

namespace brkv::br {

class BackupSender {
 public:
  using ResponseFn = std::function<Status(const ::backup::BackupResponse&)>;
  virtual ~BackupSender() = default;

  // See the top of the file. `deadline` bounds the whole stream.
  virtual Status Send(const StoreTarget& store, const ::backup::BackupRequest& request,
                      std::chrono::steady_clock::time_point deadline,
                      const ResponseFn& on_response) = 0;
  // Cancels every stream in flight and makes later Sends return Aborted at once (br is
  // stopping). Default: nothing to cancel.
  virtual void CancelAll() {}
};

struct GrpcBackupSenderOptions {
  // A stream with no response for this long is cancelled and reported as TimedOut.
  // Default: 5 min (a rate-limited node may need minutes for one 144 MiB file).
  std::chrono::milliseconds idle_timeout{5 * 60 * 1000};
};

// The gRPC sender over the cluster's shared channels (`channels` must outlive it).
std::unique_ptr<BackupSender> NewGrpcBackupSender(client::ChannelCache* channels,
                                                  GrpcBackupSenderOptions options = {});

}  // namespace brkv::br
