// Nodes in one process against a real PostgreSQL cluster: placement of 12 workspaces over 3
// nodes, a joining node taking its share, a clean stop handing over at once, an acquire whose
// answer was lost read back, a lease stopped at its own deadline or at once when fenced, and
// PostgreSQL restarted under the nodes without two owners at once.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "cluster/node.h"
#include "cluster/rendezvous.h"
#include "tests/unit/cluster/cluster_test.h"

namespace iwd::cluster::testing {
namespace {

using iwd::pgstore::Rows;
using std::chrono::milliseconds;
using namespace std::chrono_literals;

std::vector<std::string> workspaces(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("w" + std::to_string(i));
  return out;
}

// A clock the test moves by hand.
class ManualClock final : public iwd::cluster::Clock {
 public:
  using steady = std::chrono::steady_clock;
  steady::time_point now() const override { return steady::time_point(steady::duration(at_.load())); }
  void advance(steady::duration d) { at_ += d.count(); }

 private:
  std::atomic<steady::rep> at_{steady::now().time_since_epoch().count()};
};

// A real store with faults put in: the answer of the first acquire lost after it committed,
// renewals that never come back.
class FaultyStore final : public Store {
 public:
  explicit FaultyStore(const std::string& conninfo) : real_(conninfo) {}
  std::atomic<bool> lose_first_acquire{false};
  std::atomic<bool> drop_renewals{false};
  std::atomic<bool> cut_off{false};  // every call unanswered, as for a node that died

  Status heartbeat(const NodeRow& me) override { return cut_off ? gone() : real_.heartbeat(me); }
  Status leave(const std::string& name) override { return cut_off ? gone() : real_.leave(name); }
  Status nodes(milliseconds fresh_for, std::vector<NodeRow>* out) override {
    return cut_off ? gone() : real_.nodes(fresh_for, out);
  }
  Status leases(const std::vector<std::string>& ws, std::vector<LeaseRow>* out) override {
    return cut_off ? gone() : real_.leases(ws, out);
  }
  Status acquire(const std::string& ws, const std::string& node, milliseconds ttl, Lease* out) override {
    Status s = real_.acquire(ws, node, ttl, out);
    if (lose_first_acquire.exchange(false))
      return Status::fail(Code::Unavailable, "cannot acquire: the connection broke (the test's fault)");
    return s;
  }
  Status renew(Lease* lease, milliseconds ttl) override {
    if (cut_off || drop_renewals) return Status::fail(Code::Unavailable, "cannot renew: no answer (the test's fault)");
    return real_.renew(lease, ttl);
  }
  Status release(const Lease& lease) override { return cut_off ? gone() : real_.release(lease); }

 private:
  static Status gone() { return Status::fail(Code::Unavailable, "no answer (the test's fault)"); }
  PgStore real_;
};

class NodeTest : public ClusterTest {
 protected:
  // A node named `name` over `list`, reporting to events_ under its configured name.
  std::unique_ptr<Node> start(const std::string& name, std::vector<std::string> list, milliseconds ttl,
                              std::unique_ptr<Store> store = nullptr,
                              std::shared_ptr<const iwd::cluster::Clock> clock = nullptr,
                              milliseconds node_ttl = milliseconds(0)) {
    NodeOptions o;
    o.node_ttl = node_ttl;
    o.name = name;
    o.address = "http://" + name + ":8080";
    o.lease_ttl = ttl;
    o.clock = std::move(clock);
    o.workspaces = [list] { return list; };
    o.acquired = [this, name](const std::string& ws, std::int64_t epoch) {
      events_.add({name, ws, true, epoch, "", Clock::now()});
    };
    o.lost = [this, name](const std::string& ws, const Loss& why) {
      events_.add({name, ws, false, 0, why_name(why.why), Clock::now()});
    };
    return std::make_unique<Node>(std::move(o), cluster->conninfo(), std::move(store));
  }
  bool all_served(const std::vector<std::string>& list, milliseconds timeout) {
    return events_.wait([&](const std::vector<Event>& e) { return each_served_once(e, list); }, timeout);
  }
  // Served once each and by its placed node among `nodes`.
  bool all_placed(const std::vector<std::string>& list, const std::vector<std::string>& nodes,
                  milliseconds timeout) {
    return events_.wait(
        [&](const std::vector<Event>& e) {
          if (!each_served_once(e, list)) return false;
          const auto s = serving(e);
          for (const std::string& ws : list)
            if (s.at(ws)[0] != nodes[place(ws, nodes)]) return false;
          return true;
        },
        timeout);
  }

  Events events_;
};

TEST_F(NodeTest, ThreeNodesSpreadTwelveWorkspacesEachOnItsPlacedNode) {
  const auto list = workspaces(12);
  auto a = start("a", list, 2s), b = start("b", list, 2s), c = start("c", list, 2s);
  ASSERT_TRUE(all_placed(list, {"a", "b", "c"}, 20s)) << ::testing::PrintToString(serving(events_.all()));
  std::map<std::string, int> count;
  for (const auto& [ws, nodes] : serving(events_.all())) ++count[nodes[0]];
  for (const std::string n : {"a", "b", "c"}) {
    EXPECT_GE(count[n], 2) << n;  // 4 each, within 2 of even
    EXPECT_LE(count[n], 6) << n;
  }
  // Every node names every workspace's owner by its advertised address, once it scanned.
  std::this_thread::sleep_for(500ms);
  const auto owners = serving(events_.all());
  for (const auto* n : {a.get(), b.get(), c.get()})
    for (const std::string& ws : list) EXPECT_EQ(n->owner_of(ws), "http://" + owners.at(ws)[0] + ":8080") << ws;
  EXPECT_EQ(a->owner_of("w-unknown"), std::nullopt);
  EXPECT_EQ(overlaps(events_.all()), "");
}

TEST_F(NodeTest, AJoiningNodeGetsItsShareAndNothingElseMoves) {
  const auto list = workspaces(12);
  auto a = start("a", list, 2s), b = start("b", list, 2s);
  ASSERT_TRUE(all_placed(list, {"a", "b"}, 20s));
  const auto before = serving(events_.all());
  const std::size_t mark = events_.all().size();
  auto c = start("c", list, 2s);
  ASSERT_TRUE(all_placed(list, {"a", "b", "c"}, 20s)) << ::testing::PrintToString(serving(events_.all()));
  const auto after = serving(events_.all());
  int moved = 0;
  for (const std::string& ws : list) {
    if (after.at(ws) != before.at(ws)) {
      EXPECT_EQ(after.at(ws)[0], "c") << ws;  // only to the new node
      ++moved;
    }
  }
  EXPECT_GE(moved, 2);
  // Handed over: a `moved` loss, never an expiry, for each workspace that went to c.
  int handed = 0;
  const auto since = events_.all();
  for (std::size_t i = mark; i < since.size(); ++i) {
    const Event& e = since[i];
    if (!e.acquired) {
      EXPECT_EQ(e.why, "moved") << e.node << " " << e.workspace;
      ++handed;
    }
  }
  std::string log;
  for (std::size_t i = mark; i < since.size(); ++i)
    log += since[i].node + (since[i].acquired ? " took " : " lost ") + since[i].workspace + " " + since[i].why + "\n";
  EXPECT_EQ(handed, moved) << log;
  EXPECT_EQ(overlaps(events_.all()), "");
}

TEST_F(NodeTest, ACleanStopReleasesSoThatTheOthersTakeOverWithoutWaitingForTheLease) {
  const auto list = workspaces(6);
  // A lease of 20 s: a takeover by expiry would take that long.
  auto a = start("a", list, 20s), b = start("b", list, 20s);
  ASSERT_TRUE(all_placed(list, {"a", "b"}, 20s));
  const auto had = a->owned();
  ASSERT_FALSE(had.empty());
  const auto stopped = Clock::now();
  const std::size_t mark = events_.all().size();
  a->stop();
  EXPECT_TRUE(a->owned().empty());
  ASSERT_TRUE(all_served(list, 10s));
  for (const auto& [ws, epoch] : had) EXPECT_EQ(b->owned().at(ws), epoch + 1) << ws;
  EXPECT_LT(Clock::now() - stopped, 10s);
  const auto since = events_.all();
  for (std::size_t i = mark; i < since.size(); ++i) {
    if (!since[i].acquired) {
      EXPECT_EQ(since[i].why, "stopping");
    }
  }
  Rows rows;
  ASSERT_TRUE(db->exec("read the nodes", "SELECT base FROM iwd_node", {}, &rows).ok());
  ASSERT_EQ(rows.size(), 1);  // a's row removed
  EXPECT_EQ(rows.at(0, 0), "b");
  EXPECT_EQ(overlaps(events_.all()), "");
}

// A node gone silent whose row others still count as alive (b reads heartbeats as fresh for
// a minute): its workspace is placed on it, yet b takes the expired lease after the grace
// rather than waiting for the placed node.
TEST_F(NodeTest, AnExpiredLeaseIsTakenByAnotherNodeEvenWhileItsPlacedNodeSeemsAlive) {
  std::string ws;
  for (int i = 1; ws.empty(); ++i)
    if (place("w" + std::to_string(i), {"a", "b"}) == 0) ws = "w" + std::to_string(i);
  auto store = std::make_unique<FaultyStore>(cluster->conninfo());
  auto* faults = store.get();
  auto a = start("a", {ws}, 1s, std::move(store));
  auto b = start("b", {ws}, 1s, nullptr, nullptr, 60s);
  ASSERT_TRUE(all_placed({ws}, {"a", "b"}, 20s));
  faults->cut_off = true;
  const auto cut = Clock::now();
  ASSERT_TRUE(events_.wait(
      [&](const std::vector<Event>& e) { return std::any_of(e.begin(), e.end(), [&](const Event& x) {
        return x.node == "b" && x.acquired && x.at > cut;
      }); },
      10s));
  EXPECT_LT(Clock::now() - cut, 5s);  // the lease (1 s) and the grace, not b's minute
  EXPECT_EQ(b->owned().count(ws), 1u);
  EXPECT_EQ(overlaps(events_.all()), "");
}

TEST_F(NodeTest, AnAcquireWhoseAnswerNeverCameIsReadBackAndKeptAtItsEpoch) {
  auto store = std::make_unique<FaultyStore>(cluster->conninfo());
  store->lose_first_acquire = true;
  auto a = start("a", {"w1"}, 2s, std::move(store));
  ASSERT_TRUE(all_served({"w1"}, 10s));
  std::this_thread::sleep_for(1s);  // renewed meanwhile
  const auto e = events_.all();
  ASSERT_EQ(e.size(), 1u);  // acquired once, never lost
  EXPECT_EQ(e[0].epoch, 1);  // the row its acquire wrote, not a second acquire
  Rows rows;
  ASSERT_TRUE(db->exec("read the lease", "SELECT holder, epoch FROM iwd_lease", {}, &rows).ok());
  EXPECT_EQ(rows.at(0, 0), a->name());
  EXPECT_EQ(rows.integer(0, 1), 1);
}

TEST_F(NodeTest, RenewalsThatDoNotComeBackStopTheWorkspaceATenthOfTheTtlBeforeTheLeaseEnds) {
  auto clock = std::make_shared<ManualClock>();
  auto store = std::make_unique<FaultyStore>(cluster->conninfo());
  store->drop_renewals = true;
  auto a = start("a", {"w1"}, 10s, std::move(store), clock);
  ASSERT_TRUE(all_served({"w1"}, 10s));  // acquired with the clock standing: its deadline is now + 9 s
  clock->advance(9s - 1ms);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a->owned().size(), 1u);
  clock->advance(1ms);
  ASSERT_TRUE(events_.wait([](const std::vector<Event>& e) { return e.size() == 2; }, 5s));
  EXPECT_EQ(events_.all()[1].why, "deadline");
  EXPECT_TRUE(a->owned().empty());
  EXPECT_EQ(a->owner_of("w1"), std::nullopt);
}

TEST_F(NodeTest, AFencedRenewalStopsTheWorkspaceAtOnce) {
  auto clock = std::make_shared<ManualClock>();
  auto a = start("a", {"w1"}, 9s, nullptr, clock);
  ASSERT_TRUE(all_served({"w1"}, 10s));
  // Taken from under it (as by a node that found it expired): the next renewal is refused.
  ASSERT_TRUE(db->exec("take the lease", "UPDATE iwd_lease SET holder = 'intruder', epoch = epoch + 1").ok());
  clock->advance(3s);  // ttl/3: the renewal is due, the deadline (9 s less a tenth) far
  ASSERT_TRUE(events_.wait([](const std::vector<Event>& e) { return e.size() == 2; }, 10s));
  EXPECT_EQ(events_.all()[1].why, "fenced");
  EXPECT_TRUE(a->owned().empty());
}

// A workspace the deployment's list no longer has (deleted) is given up and its lease released
// at once (with a lease of 20 s, an expiry would take that long), so that a workspace of the
// same name created afterwards can take it; the others stay.
TEST_F(NodeTest, AWorkspaceLeavingTheListIsGivenUpAndItsLeaseReleased) {
  auto list = std::make_shared<std::vector<std::string>>(std::vector<std::string>{"w1", "w2"});
  auto guard = std::make_shared<std::mutex>();
  NodeOptions o;
  o.name = "a";
  o.address = "http://a:8080";
  o.lease_ttl = 20s;
  o.scan_interval = 100ms;
  o.workspaces = [list, guard] {
    std::lock_guard lock(*guard);
    return *list;
  };
  o.acquired = [this](const std::string& ws, std::int64_t epoch) { events_.add({"a", ws, true, epoch, "", Clock::now()}); };
  o.lost = [this](const std::string& ws, const Loss& why) { events_.add({"a", ws, false, 0, why_name(why.why), Clock::now()}); };
  Node a(std::move(o), cluster->conninfo());
  ASSERT_TRUE(all_served({"w1", "w2"}, 10s));
  {
    std::lock_guard lock(*guard);
    *list = {"w1"};
  }
  ASSERT_TRUE(events_.wait([](const std::vector<Event>& e) { return e.size() == 3; }, 5s));
  const Event lost = events_.all()[2];
  EXPECT_FALSE(lost.acquired);
  EXPECT_EQ(lost.workspace, "w2");
  EXPECT_EQ(lost.why, "removed");
  EXPECT_EQ(a.owned(), (std::map<std::string, std::int64_t>{{"w1", 1}}));
  // Released: free for anyone at once, at the next epoch.
  const auto until = Clock::now() + 5s;
  Rows rows;
  while (Clock::now() < until) {
    ASSERT_TRUE(db->exec("read the lease", "SELECT holder IS NULL FROM iwd_lease WHERE workspace = 'w2'", {}, &rows).ok());
    if (rows.size() == 1 && rows.at(0, 0) == "t") break;
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_EQ(rows.size(), 1);
  EXPECT_EQ(rows.at(0, 0), "t");
  pgstore::Lease taken;
  EXPECT_TRUE(pgstore::acquire(*db, "w2", "someone", 20s, &taken).ok());
  EXPECT_EQ(taken.epoch, 2);
  std::this_thread::sleep_for(500ms);  // a few scans: w2 is not taken back, w1 kept
  EXPECT_EQ(events_.all().size(), 3u);
}

TEST_F(NodeTest, PostgresRestartedNodesWaitAndServeAgainWithoutTwoOwnersAtOnce) {
  const auto list = workspaces(6);
  auto a = start("a", list, 1s), b = start("b", list, 1s), c = start("c", list, 1s);
  ASSERT_TRUE(all_placed(list, {"a", "b", "c"}, 20s));
  std::string error;
  const std::size_t mark = events_.all().size();
  ASSERT_TRUE(cluster->stop(&error)) << error;
  std::this_thread::sleep_for(2500ms);  // past every lease
  const auto down = events_.all();
  ASSERT_TRUE(cluster->start_again(&error)) << error;
  // Back from an outage longer than the node ttl, each node settles for a node ttl.
  bool settling = false;
  for (int i = 0; i < 1000 && !settling; ++i, std::this_thread::sleep_for(10ms))
    settling = a->health().settling_left.has_value();
  EXPECT_TRUE(settling);
  // Every workspace was given up at its deadline while the database was away...
  std::set<std::string> lost;
  for (std::size_t i = mark; i < down.size(); ++i) {
    EXPECT_FALSE(down[i].acquired) << down[i].workspace;
    EXPECT_EQ(down[i].why, "deadline") << down[i].workspace;
    lost.insert(down[i].workspace);
  }
  EXPECT_EQ(lost.size(), list.size());
  // ...and is served again, once each, on its placed node.
  ASSERT_TRUE(all_placed(list, {"a", "b", "c"}, 30s)) << ::testing::PrintToString(serving(events_.all()));
  // ...taken once by its placed node: the first node back, seeing the others' heartbeats as
  // stale as its own, did not take the others' workspaces to hand them over again as they beat.
  std::this_thread::sleep_for(1500ms);  // past the settling (node_ttl) and a few scans after it
  const auto after = events_.all();
  std::map<std::string, int> taken;
  for (std::size_t i = down.size(); i < after.size(); ++i) {
    EXPECT_TRUE(after[i].acquired) << after[i].node << " lost " << after[i].workspace << ": " << after[i].why;
    if (after[i].acquired) {
      ++taken[after[i].workspace];
      EXPECT_EQ(after[i].node, (std::vector<std::string>{"a", "b", "c"}[place(after[i].workspace, {"a", "b", "c"})]))
          << after[i].workspace;
    }
  }
  for (const std::string& ws : list) EXPECT_EQ(taken[ws], 1) << ws;
  EXPECT_EQ(overlaps(events_.all()), "");
  db->exec("connect again", "SELECT 1");  // the restart broke the test's connection
  int epochs = 0;
  EXPECT_EQ(lease_history_overlaps(&epochs), "");
  EXPECT_GE(epochs, 12);  // two holdings at least of each workspace
}

// The settling after an outage waits for nodes that come back, not for one that does not: c is
// cut off from the database for good while it is down; once a and b have settled, c's
// workspaces go to a and b (their placement without c), each once.
TEST_F(NodeTest, AfterAnOutageTheWorkspacesOfANodeThatDidNotComeBackAreTakenOnceSettled) {
  const auto list = workspaces(6);
  auto faulty = std::make_unique<FaultyStore>(cluster->conninfo());
  FaultyStore* c_store = faulty.get();
  auto a = start("a", list, 1s), b = start("b", list, 1s), c = start("c", list, 1s, std::move(faulty));
  ASSERT_TRUE(all_placed(list, {"a", "b", "c"}, 20s));
  std::string error;
  ASSERT_TRUE(cluster->stop(&error)) << error;
  c_store->cut_off = true;
  std::this_thread::sleep_for(2500ms);  // past every lease
  const std::size_t back = events_.all().size();
  ASSERT_TRUE(cluster->start_again(&error)) << error;
  ASSERT_TRUE(all_placed(list, {"a", "b"}, 30s)) << ::testing::PrintToString(serving(events_.all()));
  const auto after = events_.all();
  std::map<std::string, int> taken;
  for (std::size_t i = back; i < after.size(); ++i) {
    EXPECT_TRUE(after[i].acquired) << after[i].node << " lost " << after[i].workspace << ": " << after[i].why;
    if (after[i].acquired) ++taken[after[i].workspace];
  }
  for (const std::string& ws : list) EXPECT_EQ(taken[ws], 1) << ws;
  EXPECT_EQ(overlaps(after), "");
  c.reset();
}

}  // namespace
}  // namespace iwd::cluster::testing
