#include "cluster/node.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "cluster/rendezvous.h"

namespace iwd::cluster {

using std::chrono::milliseconds;

const char* why_name(Loss::Why w) {
  switch (w) {
    case Loss::Why::deadline: return "deadline";
    case Loss::Why::fenced: return "fenced";
    case Loss::Why::moved: return "moved";
    case Loss::Why::stopping: return "stopping";
    case Loss::Why::removed: return "removed";
  }
  return "?";
}

namespace {

// The idle wait of both threads: short, so that an injected clock moved by a test is seen soon.
constexpr milliseconds kPoll{25};

std::string start_id() {
  std::random_device rd;
  const std::uint64_t r = (std::uint64_t{rd()} << 32) ^ rd() ^
                          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return fmt::format("{:012x}", r & 0xffffffffffffULL);
}

// The statement timeout of the node's connection: a renewal that does not come back within
// the lease is of no use, and the watchdog keeps the deadline meanwhile.
pgstore::ConnectionOptions connection_options(milliseconds ttl) {
  pgstore::ConnectionOptions o;
  o.connect_timeout = std::chrono::seconds(2);
  o.statement_timeout = std::max(ttl, milliseconds(1000));
  return o;
}

}  // namespace

Node::Node(NodeOptions options, const std::string& conninfo, std::unique_ptr<Store> store)
    : options_(std::move(options)), name_(options_.name + "#" + start_id()), store_(std::move(store)) {
  if (options_.node_ttl.count() == 0) options_.node_ttl = options_.lease_ttl;
  if (options_.scan_interval.count() == 0) options_.scan_interval = options_.lease_ttl / 8;
  if (options_.grace.count() == 0) options_.grace = 2 * options_.scan_interval;
  if (!options_.clock) options_.clock = std::make_shared<SteadyClock>();
  if (!store_) store_ = std::make_unique<PgStore>(conninfo, connection_options(options_.lease_ttl));
  worker_ = std::thread([this] { run(); });
  watchdog_ = std::thread([this] { watch(); });
}

Node::~Node() { stop(); }

void Node::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (watchdog_.joinable()) watchdog_.join();
  if (worker_.joinable()) worker_.join();
}

std::optional<std::string> Node::owner_of(const std::string& workspace) const {
  std::lock_guard lock(mutex_);
  if (owned_.count(workspace)) return options_.address;
  auto it = owners_.find(workspace);
  // A lease of this node's that it does not serve (given up at its deadline) has no server.
  if (it == owners_.end() || it->second == options_.address) return std::nullopt;
  return it->second;
}

Node::Health Node::health() const {
  std::lock_guard lock(mutex_);
  Health h;
  h.store_up = store_up_;
  h.scanned = scanned_;
  h.node_ttl = options_.node_ttl;
  const time_point now = options_.clock->now();
  if (heartbeat_sent_) h.heartbeat_age = std::chrono::duration_cast<milliseconds>(now - *heartbeat_sent_);
  for (const auto& [ws, o] : owned_)
    h.owned.emplace(ws, Health::Held{o.lease.epoch, std::chrono::duration_cast<milliseconds>(o.deadline - now)});
  h.placed = placed_;
  if (back_at_ && now < *back_at_ + 2 * options_.node_ttl)
    h.settling_left = std::chrono::ceil<milliseconds>(*back_at_ + 2 * options_.node_ttl - now);
  return h;
}

std::map<std::string, std::int64_t> Node::owned() const {
  std::lock_guard lock(mutex_);
  std::map<std::string, std::int64_t> out;
  for (const auto& [ws, o] : owned_) out.emplace(ws, o.lease.epoch);
  return out;
}

bool Node::lose(const std::string& workspace, std::int64_t epoch, const std::function<bool(const Owned&)>& still,
                const Loss& why, bool release) {
  std::lock_guard cb(callbacks_);
  Lease lease;
  {
    std::lock_guard lock(mutex_);
    auto it = owned_.find(workspace);
    if (it == owned_.end() || it->second.lease.epoch != epoch || !still(it->second)) return false;
    lease = it->second.lease;
    owned_.erase(it);
  }
  if (options_.lost) options_.lost(workspace, why);
  // Released only once the callback returned: the workspace is no longer served here.
  if (release) {
    std::lock_guard lock(mutex_);
    stale_.push_back(lease);
  }
  return true;
}

void Node::take(const std::string& workspace, const Lease& lease, time_point valid_until) {
  std::lock_guard cb(callbacks_);
  {
    std::lock_guard lock(mutex_);
    owned_[workspace] = Owned{lease, valid_until - margin(), options_.clock->now()};
  }
  if (options_.acquired) options_.acquired(workspace, lease.epoch);
}

void Node::watch() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    const time_point now = options_.clock->now();
    std::vector<std::pair<std::string, std::int64_t>> late;
    milliseconds wait = kPoll;
    for (const auto& [ws, o] : owned_) {
      if (o.deadline <= now)
        late.emplace_back(ws, o.lease.epoch);
      else
        wait = std::min(wait, std::chrono::ceil<milliseconds>(o.deadline - now));
    }
    if (!late.empty()) {
      lock.unlock();
      for (const auto& l : late) {
        const time_point at = options_.clock->now();
        lose(
            l.first, l.second, [&](const Owned& o) { return o.deadline <= at; },
            {Loss::Why::deadline, fmt::format("no renewal of the lease of workspace {} at epoch {} came back before "
                                              "its deadline",
                                              l.first, l.second)},
            true);
      }
      lock.lock();
      continue;
    }
    wake_.wait_for(lock, wait);
  }
}

void Node::run() {
  const NodeRow me{name_, options_.name, options_.address, true, 0};
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
    }
    // Renewals first: they are what keeps the workspaces served. A round ends at the first
    // call the database does not answer, rather than waiting for each one in turn.
    const time_point now = options_.clock->now();
    bool up = renew_due() && release_stale();
    // For health(): whether the database answered this round's calls (a round that made none
    // but renewals that came back says nothing new).
    bool beat = false, scanned = false, asked = !up;
    if (up && now >= next_heartbeat_) {
      asked = true;
      const Status s = store_->heartbeat(me);
      up = s.code != Code::Unavailable;
      beat = s.ok();
      if (up) next_heartbeat_ = now + options_.node_ttl / 4;
    }
    if (up && asked) settle_after_outage(now);  // before the scan that would see itself alone
    if (up && now >= next_scan_) {
      asked = true;
      up = scanned = scan();
      if (scanned) next_scan_ = now + options_.scan_interval;
    }
    if (up && asked) last_answered_ = now;

    std::unique_lock lock(mutex_);
    if (asked) store_up_ = up;
    if (beat) heartbeat_sent_ = now;
    scanned_ = scanned_ || scanned;
    if (stopping_) break;
    time_point due = std::min(next_scan_, next_heartbeat_);
    for (const auto& [ws, o] : owned_) due = std::min(due, o.next_renew);
    const auto left = std::chrono::ceil<milliseconds>(due - options_.clock->now());
    if (left.count() > 0) wake_.wait_for(lock, std::min(left, kPoll));
  }
  // A clean stop: every workspace handed back, then the row, so that the others take over
  // without waiting for an expiry. A database that is away gets no more than one try.
  std::vector<std::pair<std::string, std::int64_t>> all;
  for (const auto& [ws, epoch] : owned()) all.emplace_back(ws, epoch);
  for (const auto& [ws, epoch] : all)
    lose(
        ws, epoch, [](const Owned&) { return true; },
        {Loss::Why::stopping, fmt::format("node {} stops", name_)}, true);
  if (release_stale()) store_->leave(name_);
}

void Node::settle_after_outage(time_point now) {
  if (!last_answered_ || now - *last_answered_ <= options_.node_ttl / 2) return;
  widen_ = std::chrono::duration_cast<milliseconds>(now - *last_answered_);
  std::lock_guard lock(mutex_);
  back_at_ = now;
}

std::optional<milliseconds> Node::settling(time_point now) const {
  std::lock_guard lock(mutex_);
  if (!back_at_ || now >= *back_at_ + 2 * options_.node_ttl) return std::nullopt;
  return std::chrono::ceil<milliseconds>(*back_at_ + 2 * options_.node_ttl - now);
}

bool Node::renew_due() {
  std::vector<Owned> due;
  {
    std::lock_guard lock(mutex_);
    const time_point now = options_.clock->now();
    for (const auto& [ws, o] : owned_)
      if (o.next_renew <= now) due.push_back(o);
  }
  const milliseconds ttl = options_.lease_ttl;
  for (Owned& o : due) {
    const time_point sent = options_.clock->now();
    const Status s = store_->renew(&o.lease, ttl);
    if (s.code == Code::Fenced) {
      lose(
          o.lease.workspace, o.lease.epoch, [](const Owned&) { return true; }, {Loss::Why::fenced, s.message}, false);
      continue;
    }
    std::lock_guard lock(mutex_);
    auto it = owned_.find(o.lease.workspace);
    if (it == owned_.end() || it->second.lease.epoch != o.lease.epoch) continue;  // lost meanwhile
    if (s.ok()) {
      // Came back after the deadline: too late, the watchdog stops it (and it is released).
      if (options_.clock->now() < it->second.deadline) {
        it->second.deadline = sent + ttl - margin();
        it->second.next_renew = sent + ttl / 3;
      }
      continue;
    }
    // Unavailable (the outcome unknown: the deadline stays as it was) or refused for another
    // reason: tried again at the next round, until the deadline.
    it->second.next_renew = options_.clock->now() + options_.scan_interval;
    if (s.code == Code::Unavailable) return false;
  }
  return true;
}

bool Node::release_stale() {
  std::vector<Lease> stale;
  {
    std::lock_guard lock(mutex_);
    stale.swap(stale_);
  }
  for (std::size_t i = 0; i < stale.size(); ++i) {
    // Fenced: someone took it over meanwhile, nothing to release.
    if (store_->release(stale[i]).code == Code::Unavailable) {
      std::lock_guard lock(mutex_);
      stale_.insert(stale_.end(), stale.begin() + static_cast<std::ptrdiff_t>(i), stale.end());
      return false;
    }
  }
  return true;
}

bool Node::scan() {
  const std::vector<std::string> workspaces = options_.workspaces ? options_.workspaces() : std::vector<std::string>{};
  const time_point sent = options_.clock->now();
  // Settling: in its first node ttl with the widened ttl, in both with none of the others' taken.
  const std::optional<milliseconds> left = settling(sent);
  const bool settle = left.has_value(), widened = settle && *left > options_.node_ttl;
  std::vector<NodeRow> nodes;
  std::vector<LeaseRow> leases;
  if (!store_->nodes(options_.node_ttl + (widened ? widen_ : milliseconds(0)), &nodes).ok() ||
      !store_->leases(workspaces, &leases).ok())
    return false;

  // The live nodes, one per configured name (the latest start: an older process of the same
  // name, paused or about to die, hands over to it), this node always among them.
  std::map<std::string, NodeRow> live;
  std::map<std::string, std::string> address;
  for (const NodeRow& n : nodes) {
    address[n.name] = n.address;
    if (!n.alive && n.name != name_) continue;
    auto [it, fresh] = live.try_emplace(n.base, n);
    if (!fresh && n.started > it->second.started) it->second = n;
  }
  live.try_emplace(options_.name, NodeRow{name_, options_.name, options_.address, true, 0});  // no row yet
  std::vector<std::string> bases;
  for (const auto& [base, n] : live) bases.push_back(base);

  std::map<std::string, const LeaseRow*> row;
  for (const LeaseRow& l : leases) row[l.workspace] = &l;
  {
    std::lock_guard lock(mutex_);
    owners_.clear();
    for (const LeaseRow& l : leases)
      if (l.holder && l.remaining.count() > 0 && address.count(*l.holder)) owners_[l.workspace] = address[*l.holder];
  }

  // Served here and not the deployment's any more (deleted): given up, its lease released.
  std::vector<std::pair<std::string, std::int64_t>> removed;
  {
    const std::set<std::string> listed(workspaces.begin(), workspaces.end());
    std::lock_guard lock(mutex_);
    for (const auto& [ws, o] : owned_)
      if (!listed.count(ws)) removed.emplace_back(ws, o.lease.epoch);
  }
  for (const auto& [ws, epoch] : removed)
    lose(
        ws, epoch, [](const Owned&) { return true; },
        {Loss::Why::removed, fmt::format("workspace {} is not in the deployment's list any more", ws)}, true);

  {
    std::lock_guard lock(mutex_);
    placed_.clear();
    for (const std::string& ws : workspaces)
      if (live.at(bases[place(ws, bases)]).name == name_) placed_.insert(ws);
  }
  for (const std::string& ws : workspaces) {
    const NodeRow& placed = live.at(bases[place(ws, bases)]);
    const LeaseRow* r = row.count(ws) ? row[ws] : nullptr;
    const bool ours = r && r->holder == name_ && r->remaining.count() > 0;
    std::optional<std::int64_t> serving;
    {
      std::lock_guard lock(mutex_);
      if (auto it = owned_.find(ws); it != owned_.end()) serving = it->second.lease.epoch;
    }
    if (unknown_.erase(ws) && ours && !serving) {
      // An acquire whose answer never came, and the row names this process: it committed. Ours
      // at the row's epoch, for the time the row has left, counted from when the read was sent.
      take(ws, Lease{ws, name_, r->epoch, sent + r->remaining}, sent + r->remaining);
      continue;
    }
    if (serving) {
      if (placed.name != name_)
        lose(
            ws, *serving, [](const Owned&) { return true; },
            {Loss::Why::moved, fmt::format("workspace {} is placed on node {} ({})", ws, placed.name, placed.address)},
            true);
      continue;
    }
    if (ours) {  // a lease this node gave up at its deadline and could not release yet
      std::lock_guard lock(mutex_);
      if (std::none_of(stale_.begin(), stale_.end(), [&](const Lease& l) { return l.workspace == ws; }))
        stale_.push_back(Lease{ws, name_, r->epoch, {}});
      continue;
    }
    if (r && r->holder && r->remaining.count() > 0) {  // held by another node
      free_since_.erase(ws);
      continue;
    }
    if (placed.name != name_) {
      if (settle) continue;  // its placed node, back from the outage too, takes it
      // Its placed node goes first; the others after the grace, counted from the expiry or
      // the release by the database's clock (the row's remaining time is negative since), or
      // for a workspace without a lease yet from when this node first saw it.
      const milliseconds free_for =
          r ? -r->remaining
            : std::chrono::duration_cast<milliseconds>(sent - free_since_.try_emplace(ws, sent).first->second);
      if (free_for < options_.grace) continue;
    }
    const time_point asked = options_.clock->now();
    Lease lease;
    const Status s = store_->acquire(ws, name_, options_.lease_ttl, &lease);
    if (s.ok()) {
      free_since_.erase(ws);
      take(ws, lease, asked + options_.lease_ttl);
    } else if (s.code == Code::Unavailable) {
      unknown_.insert(ws);  // read back at the next scan
      return false;
    }
  }
  return release_stale();
}

}  // namespace iwd::cluster
