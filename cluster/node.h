// A node of a deployment (docs/deployment.md, "Placement" and "Leases with fencing"): it keeps
// its row in iwd_node with a heartbeat, places every workspace by rendezvous hash over the live
// nodes, acquires the leases of those placed on it, renews them every ttl/3, hands over those
// placed on another live node, and takes any lease that expired (so that a workspace is never
// left unowned while its placed node is dead).
//
// Safety comes from the database (pgstore/lease.h): a node stops serving a workspace at its
// own deadline, ttl less a tenth counted from when it sent the acquire or renewal that came
// back, before the database could let anyone else take it, and at once when a renewal is
// Fenced. A watchdog thread keeps that deadline even while the node's thread waits on a
// database that does not answer.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cluster/clock.h"
#include "cluster/store.h"

namespace iwd::cluster {

// Why a node stopped serving a workspace.
struct Loss {
  enum class Why {
    deadline,  // no renewal came back before the lease's own deadline
    fenced,    // the database refused a renewal: another node holds it now
    moved,     // placed on another live node: handed over (callback first, then the release)
    stopping,  // the node stops (Node::stop), and releases
    removed,   // no longer in the deployment's list (a workspace deleted): given up, and released
  };
  Why why;
  std::string message;
};
const char* why_name(Loss::Why w);  // "deadline", "fenced", "moved", "stopping"

struct NodeOptions {
  std::string name;     // configured; the process's name adds '#' and a start id (Node::name)
  std::string address;  // advertised to the other nodes (owner_of)
  std::chrono::milliseconds lease_ttl{2000};
  std::chrono::milliseconds node_ttl{0};       // a node is alive while its heartbeat is younger: 0 = lease_ttl
  std::chrono::milliseconds scan_interval{0};  // how often leases and nodes are read: 0 = lease_ttl / 8
  // How long a free or expired lease placed on another live node waits before this node takes
  // it (its placed node goes first): 0 = two scan intervals, so that the placed node, busy
  // with its own acquires or short of CPU, gets more than one scan of lead over the others.
  std::chrono::milliseconds grace{0};
  // The workspaces of the deployment, read at every scan (the same list on every node). A
  // workspace this node serves that the list no longer has is lost (Why::removed) and its lease
  // released, so that a workspace of the same name created later can take it.
  std::function<std::vector<std::string>()> workspaces;
  // Called one at a time, in the order of the changes (acquired before its lost), from the
  // node's threads: quick (hand the work over), except that `lost` with Why::moved or
  // Why::stopping may take the time to stop serving, as the release waits for it. `lost` with
  // deadline or fenced must stop the workspace's writes at once.
  std::function<void(const std::string& workspace, std::int64_t epoch)> acquired;
  std::function<void(const std::string& workspace, const Loss& why)> lost;
  std::shared_ptr<const Clock> clock;  // null: the steady clock
};

class Node {
 public:
  // Starts the node's threads; nothing is awaited: the database is reached from the node's
  // thread and retried while unavailable. `store`: null for a PgStore on `conninfo`.
  Node(NodeOptions options, const std::string& conninfo, std::unique_ptr<Store> store = nullptr);
  ~Node();  // stop()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Stops serving every workspace (lost(Why::stopping)), releases their leases and removes the
  // node's row, so that the others take over at once. Idempotent.
  void stop();

  // The process's name as written in lease rows: the configured name, '#', a random start id.
  const std::string& name() const { return name_; }
  // The advertised address of the node holding `workspace`'s lease, as of the last scan (this
  // node's own when it serves it); nullopt when nobody holds it or it is not known yet.
  std::optional<std::string> owner_of(const std::string& workspace) const;
  // The workspaces this node serves now, with their epochs.
  std::map<std::string, std::int64_t> owned() const;

  // What a health or readiness probe asks (iwd serve --node's /healthz, /readyz, /metrics).
  struct Health {
    bool store_up = false;  // the node's last round of calls to the database was answered
    bool scanned = false;   // the nodes and leases read at least once since it started
    // Since the heartbeat that last came back was sent (none yet: nullopt); the others take the
    // node for alive while it is younger than `node_ttl`.
    std::optional<std::chrono::milliseconds> heartbeat_age;
    std::chrono::milliseconds node_ttl{0};
    struct Held {
      std::int64_t epoch = 0;
      std::chrono::milliseconds left{0};  // until its own deadline: it stops serving then unless renewed
    };
    std::map<std::string, Held> owned;  // the leases it holds
    std::set<std::string> placed;       // the workspaces placed on it (rendezvous) at the last scan
    // Back from a database outage, the time left of its settling (see `back_at_`): nullopt when not.
    std::optional<std::chrono::milliseconds> settling_left;
  };
  Health health() const;

 private:
  using time_point = std::chrono::steady_clock::time_point;
  struct Owned {
    Lease lease;
    time_point deadline;    // stop serving then unless a renewal came back
    time_point next_renew;  // every ttl/3
  };

  void run();       // the node's thread: heartbeats, renewals, releases, scans
  void watch();     // the watchdog's thread: deadlines
  bool renew_due();     // false when the database is unavailable (the round ends)
  bool release_stale();
  bool scan();
  // The first round answered after none was for more than node_ttl / 2: settle (back_at_).
  void settle_after_outage(time_point now);
  std::optional<std::chrono::milliseconds> settling(time_point now) const;  // the time left, if settling
  void take(const std::string& workspace, const Lease& lease, time_point valid_until);
  // Stops serving `workspace` if this node still serves it at `epoch` and `still(o)` holds:
  // lost(why), then (when `release`) its lease goes to be released.
  bool lose(const std::string& workspace, std::int64_t epoch, const std::function<bool(const Owned&)>& still,
            const Loss& why, bool release);
  std::chrono::milliseconds margin() const { return options_.lease_ttl / 10; }

  NodeOptions options_;
  std::string name_;
  std::unique_ptr<Store> store_;  // the node's thread's only

  mutable std::mutex mutex_;  // guards what follows, up to the node thread's own
  std::condition_variable wake_;
  bool stopping_ = false;
  std::map<std::string, Owned> owned_;
  std::map<std::string, std::string> owners_;  // workspace -> its holder's address, at the last scan
  std::vector<Lease> stale_;                   // given up, to be released by the node's thread
  // For health(): the last round's outcome, a scan made, when the last heartbeat that came
  // back was sent, the workspaces placed here at the last scan.
  bool store_up_ = false, scanned_ = false;
  std::optional<time_point> heartbeat_sent_;
  std::set<std::string> placed_;
  // Back from an outage of the database longer than half the node ttl: every other node's
  // heartbeat went stale meanwhile too, and the nodes come back one by one, so the first back
  // would see itself alone, take every workspace and hand each over again as the others beat.
  // It settles for two node ttls from its first round answered (back_at_). In the first, long
  // enough for every node that is back to beat again, scans count a node alive if its
  // heartbeat is younger than the node ttl plus the outage (widen_); in the second, the live
  // nodes as usual, so that a node that did not come back is dead again, while the others,
  // back up to a node ttl later, end their first. Through both, this node acquires only the
  // workspaces placed on it: none that another node, still in its first, sees placed elsewhere.
  std::optional<time_point> back_at_;

  std::mutex callbacks_;  // one callback at a time, in the order of the changes

  // The node's thread's own.
  std::set<std::string> unknown_;                 // acquires whose answer never came: read back
  std::map<std::string, time_point> free_since_;  // workspaces without a lease row, since when seen
  time_point next_scan_{}, next_heartbeat_{};
  std::optional<time_point> last_answered_;  // the last round whose calls the database answered
  std::chrono::milliseconds widen_{0};       // the outage settled from (back_at_)

  std::thread worker_, watchdog_;
};

}  // namespace iwd::cluster
