// ObjectServerProcess: a real object-store protocol server, run as a child process for tests.
//
// Two servers from tests/storage_servers/node_modules (installed by scripts/deps.sh, `npm ci`):
//   kS3rver  — s3rver, an S3 server (also stands in for GCS's S3-compatible XML API);
//   kAzurite — azurite-blob, Microsoft's Azure Blob emulator (checks Shared Key signatures).
// The server listens on 127.0.0.1 only, on a port picked once and kept across restarts, and
// keeps its objects in `data_dir`, so Kill()+Start() models a crash and a restart. The child
// gets PR_SET_PDEATHSIG(SIGKILL), so a crashed test leaves no server behind.
// Durability across restarts: s3rver writes every object through to data_dir at once.
// Azurite writes blob data at once but saves its metadata (containers, the blob index) only
// periodically and on a clean shutdown, so after Kill() recently created containers and blobs
// may be gone; use Stop() for a restart that must keep them.
//
// Environment overrides: BRKV_NODE (the node binary), BRKV_S3RVER (s3rver's bin/s3rver.js),
// BRKV_AZURITE (azurite's dist/src/blob/main.js).
//
// Thread-safety: not thread-safe; drive one object from one thread. Start() must be called
// from a thread that outlives the server (PR_SET_PDEATHSIG fires when the forking *thread*
// exits), e.g. the test's main thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace brkv::testing {

enum class ObjectServerKind { kS3rver, kAzurite };

class ObjectServerProcess {
 public:
  // Empty when node and the server's npm package are installed; otherwise the reason (for
  // GTEST_SKIP), naming what to run to install it.
  static std::string Missing(ObjectServerKind kind);

  // data_dir: where the server keeps its objects (created if missing). Not started yet.
  ObjectServerProcess(ObjectServerKind kind, std::string data_dir);
  // Stop(). Leaves data_dir alone (the caller owns it); removes the server's log file.
  ~ObjectServerProcess();
  ObjectServerProcess(const ObjectServerProcess&) = delete;
  ObjectServerProcess& operator=(const ObjectServerProcess&) = delete;

  // Starts the server and waits (at most 30 s) until it accepts connections. The first call
  // picks a free 127.0.0.1 port; later calls (after Kill/Stop) reuse the same port and data
  // dir. OK when already running. Unavailable (with the tail of the server's log) when the
  // server exits or does not answer in time; NotSupported when it is not installed.
  Status Start();
  // SIGKILL (as in a crash), then reaps the process. No-op when not running.
  void Kill();
  // SIGTERM, waits at most 5 s, then SIGKILL; reaps. No-op when not running.
  void Stop();
  bool running() const;
  // 0 before the first Start().
  uint16_t port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string endpoint() const;
  // The server's stdout+stderr so far (all starts).
  std::string Log() const;

  // Creates a bucket (s3rver) / container (azurite) named `name`; OK when it already exists.
  // REQUIRES: running().
  Status CreateBucket(const std::string& name);

  // The credentials the server accepts: s3rver "S3RVER"/"S3RVER"; azurite's well-known
  // development account "devstoreaccount1" and its published key.
  std::string access_key() const;
  std::string secret_key() const;

  // A storage URL for bucket/prefix on this server with credentials in the URL (prefix may be
  // empty): s3://b/p?endpoint=…&force-path-style=true&access-key=…&secret-access-key=… , or
  // azblob://c/p?endpoint=http://127.0.0.1:P/devstoreaccount1&account-name=…&account-key=… .
  std::string Url(const std::string& bucket, const std::string& prefix) const;
  // kS3rver only: gcs://b/p?endpoint=…&access-key=…&secret-access-key=… (GCS's XML API with
  // HMAC keys is S3-compatible, so s3rver stands in for it).
  std::string GcsUrl(const std::string& bucket, const std::string& prefix) const;

 private:
  ObjectServerKind kind_;
  std::string data_dir_;
  std::string log_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace brkv::testing
