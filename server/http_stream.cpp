// Offer streams (Server-Sent Events) on libmicrohttpd: the response reads from the agent's
// subscription; with nothing to send, the connection is suspended (no thread waits and no
// loop spins) until a message, the keep-alive timer or the end of the stream resumes it.
#include <cstring>

#include "server/http_exchange.h"

namespace iwd::server {

namespace {

using Box = std::shared_ptr<StreamState>;  // the response's closure: keeps the state alive

ssize_t read_stream(void* cls, std::uint64_t, char* buf, std::size_t max) {
  StreamState& s = **static_cast<Box*>(cls);
  std::lock_guard<std::mutex> lock(s.mu);
  if (s.sent == s.pending.size()) {
    s.pending.clear();
    s.sent = 0;
    std::vector<SseMessage> messages;
    const bool open = s.subscription->take(&messages);
    for (const SseMessage& m : messages) s.pending += m.text();
    if (s.pending.empty()) {
      if (!open) return MHD_CONTENT_READER_END_OF_STREAM;
      if (!s.keep_alive_due) {
        s.suspended = true;  // until wake()
        MHD_suspend_connection(s.connection);
        return 0;
      }
      s.pending = ": keep-alive\n\n";  // also finds clients that went away
    }
    s.keep_alive_due = false;
  }
  const std::size_t n = std::min(max, s.pending.size() - s.sent);
  std::memcpy(buf, s.pending.data() + s.sent, n);
  s.sent += n;
  return static_cast<ssize_t>(n);
}

void free_stream(void* cls) {
  auto* box = static_cast<Box*>(cls);
  StreamState& s = **box;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.gone = true;
  }
  // Outside the stream's lock: the hub publishes under its own lock and then takes ours.
  s.subscription->on_ready(nullptr);
  s.hub->unsubscribe(s.subscription);
  delete box;
}

}  // namespace

void StreamState::wake(bool keep_alive) {
  bool resume = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (keep_alive) keep_alive_due = true;
    resume = suspended && !gone;
    suspended = false;
  }
  // Outside the lock (libmicrohttpd takes its own): the connection stays suspended until this
  // call, so nothing else can resume or close it meanwhile.
  if (resume) resume_connection(connection);
}

MHD_Response* stream_response(const std::shared_ptr<StreamState>& stream) {
  std::weak_ptr<StreamState> weak = stream;
  stream->subscription->on_ready([weak] {
    if (auto s = weak.lock()) s->wake(false);
  });
  return MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_stream, new Box(stream), free_stream);
}

void StreamRegistry::add(const std::shared_ptr<StreamState>& s) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_.push_back(s);
}

std::size_t StreamRegistry::each(const std::function<void(StreamState&)>& f) {
  std::vector<std::shared_ptr<StreamState>> live;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::weak_ptr<StreamState>> kept;
    for (auto& w : streams_)
      if (auto s = w.lock()) {
        live.push_back(s);
        kept.push_back(w);
      }
    streams_.swap(kept);
  }
  for (auto& s : live) f(*s);
  return live.size();
}

}  // namespace iwd::server
