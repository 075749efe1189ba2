// The discrete-event loop: arrivals (Poisson, a rate per 15-minute interval) and handle-time
// ends on one queue of instants, each turned into a replay script line for the real runtime
// (replay::Session, as `iwd replay --auto-accept`: an offer is accepted at once), whose
// events tell when an item was first offered and when its agent took it.
#include "simulate/simulate.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <queue>
#include <random>
#include <unordered_map>

#include "runtime/replay/replay.h"

namespace iwd::simulate {
namespace {

using json = nlohmann::json;
using runtime::replay::Op;
using runtime::replay::ScriptLine;

// Our own draws from mt19937_64's bits: the standard distributions differ between libraries,
// and the same seed must give the same output everywhere.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double exponential(double mean) { return -std::log1p(-uniform()) * mean; }
  double normal() {  // Box-Muller, one of the pair
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::mt19937_64 engine_;
};

double handle_ms(const HandleTime& h, Random& rng) {
  switch (h.kind) {
    case HandleTime::Kind::Fixed: return h.mean_ms;
    case HandleTime::Kind::Exponential: return rng.exponential(h.mean_ms);
    case HandleTime::Kind::Lognormal: {
      const double s2 = std::log1p(h.spread * h.spread);
      return std::exp(std::log(h.mean_ms) - s2 / 2 + std::sqrt(s2) * rng.normal());
    }
  }
  return h.mean_ms;
}

// The next arrival after `t` (ms from the start) of a Poisson process whose rate is constant
// in each 15-minute interval: memoryless, so a draw that leaves its interval starts again at
// the next one's beginning with that one's rate. kNever past `end`.
constexpr std::int64_t kNever = INT64_MAX;
std::int64_t next_arrival(const Stream& s, double t, std::int64_t end, Random& rng, double* exact) {
  while (t < static_cast<double>(end)) {
    const auto k = static_cast<std::size_t>(t / kIntervalMs);
    const double rate = s.rates_per_hour[std::min(k, s.rates_per_hour.size() - 1)] / 3600'000.0;  // per ms
    const double boundary = static_cast<double>((k + 1) * kIntervalMs);
    if (rate > 0) {
      const double next = t + rng.exponential(1.0 / rate);
      if (next < boundary) {
        *exact = next;
        return next < static_cast<double>(end) ? static_cast<std::int64_t>(next) : kNever;
      }
    }
    t = boundary;
  }
  return kNever;
}

// Waits counted in buckets, so that memory does not grow with the items simulated: exact
// below 2048 ms, then 1024 buckets an octave (a percentile within 0.1% of the wait).
class WaitHistogram {
 public:
  void add(std::int64_t ms) {
    ++counts_[bucket(ms)];
    ++n_;
    sum_ += static_cast<double>(ms);
  }
  std::int64_t count() const { return n_; }
  double mean() const { return n_ ? sum_ / static_cast<double>(n_) : 0; }
  // The p-quantile (the ceil(p n)-th smallest wait), as its bucket's lower bound.
  double percentile(double p) const {
    if (n_ == 0) return 0;
    const auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(p * static_cast<double>(n_))));
    std::int64_t seen = 0;
    for (const auto& [b, c] : counts_)
      if ((seen += c) >= rank) return static_cast<double>(lower_bound(b));
    return static_cast<double>(lower_bound(counts_.rbegin()->first));
  }

 private:
  static constexpr int kExactBits = 11, kSubBits = 10;
  static std::uint32_t bucket(std::int64_t ms) {
    const auto w = static_cast<std::uint64_t>(std::max<std::int64_t>(0, ms));
    if (w < (1u << kExactBits)) return static_cast<std::uint32_t>(w);
    const int e = 63 - __builtin_clzll(w);  // 11 and up
    const auto sub = static_cast<std::uint32_t>((w >> (e - kSubBits)) & ((1u << kSubBits) - 1));
    return (1u << kExactBits) + (static_cast<std::uint32_t>(e - kExactBits) << kSubBits) + sub;
  }
  static std::int64_t lower_bound(std::uint32_t b) {
    if (b < (1u << kExactBits)) return b;
    const std::uint32_t k = b - (1u << kExactBits);
    const int e = static_cast<int>(k >> kSubBits) + kExactBits;
    const std::uint64_t sub = k & ((1u << kSubBits) - 1);
    return static_cast<std::int64_t>((std::uint64_t{1} << e) | (sub << (e - kSubBits)));
  }
  std::map<std::uint32_t, std::int64_t> counts_;
  std::int64_t n_ = 0;
  double sum_ = 0;
};

struct Open {
  std::int64_t captured = 0;  // ms from the start
  std::uint32_t stream = 0;
  bool offered = false;
};

enum class Kind : std::uint8_t { Arrival, Done };
struct Pending {
  std::int64_t at;  // ms from the start
  std::uint64_t seq;  // ties in the order they were made
  Kind kind;
  std::uint32_t index;  // the stream of an arrival, the item of a done
  bool operator>(const Pending& o) const { return at != o.at ? at > o.at : seq > o.seq; }
};

class Replicator {
 public:
  Replicator(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, const Scenario& s, const Options& o, int rep)
      : rules_(rules), pool_(pool), s_(s), o_(o), rep_(rep), rng_(s.run.seed * 1000003u + static_cast<std::uint64_t>(rep)) {}

  bool run(Replication* out, std::string* error) {
    runtime::replay::ReplayOptions ro;
    ro.auto_accept = true;
    ro.start = stdlib::Instant{s_.run.start};
    ro.observe = [this](const runtime::Event& e, const runtime::Runtime& rt) {
      if (o_.observe) o_.observe(rep_, e, rt);
      if (e.kind == runtime::EventKind::ItemStateChanged) seen_.push_back({e.item, e.to_item});
    };
    runtime::replay::Session session(rules_, pool_, ro, nullptr);
    if (!session.init(error)) return false;
    session_ = &session;
    for (const AgentGroup& g : s_.agents)
      for (int k = 1; k <= g.count; ++k) {
        json a = {{"id", fmt::format("{}-{}", g.name, k)}, {"skills", g.skills}};
        if (!g.capacity.is_null()) a["capacity"] = g.capacity;
        if (!apply(0, Op::Agent, std::move(a), error)) return false;
      }
    exact_.assign(s_.streams.size(), 0.0);
    for (std::uint32_t k = 0; k < s_.streams.size(); ++k) schedule_arrival(k, 0.0);
    while (!queue_.empty()) {
      const Pending p = queue_.top();
      queue_.pop();
      if (p.kind == Kind::Arrival) {
        if (!arrive(p, error)) return false;
      } else if (!finish(p, error)) {
        return false;
      }
      // Past the end, only the measured items still waiting keep the loop going.
      if (p.at >= s_.run.length_ms && waiting_measured_ == 0) break;
    }
    summarize(out);
    return true;
  }

 private:
  bool apply(std::int64_t at, Op op, json value, std::string* error) {
    account(at);
    const runtime::Status st = session_->apply(ScriptLine{s_.run.start + at, op, std::move(value)});
    if (!st.ok()) {
      *error = fmt::format("replication {}: {}", rep_ + 1, st.error);
      return false;
    }
    for (const auto& [item, to] : seen_) observed(at, item, to);
    seen_.clear();
    return true;
  }

  void schedule_arrival(std::uint32_t stream, double after) {
    const std::int64_t t = next_arrival(s_.streams[stream], after, s_.run.length_ms, rng_, &exact_[stream]);
    if (t != kNever) queue_.push({t, seq_++, Kind::Arrival, stream});
  }

  bool arrive(const Pending& p, std::string* error) {
    account(p.at);  // before it counts as waiting
    const Stream& st = s_.streams[p.index];
    const std::string id = fmt::format("{}-{}", st.name, ++numbered_);
    json item = json::object();
    item["id"] = id;
    for (const AttributeDraw& d : st.attributes) item[d.name] = draw(d);
    open_[pool_.intern(id)] = Open{p.at, p.index, false};
    ++waiting_;
    if (measured(p.at)) {
      ++waiting_measured_;
      ++arrivals_;
    }
    peak_open_ = std::max<std::int64_t>(peak_open_, static_cast<std::int64_t>(open_.size()));
    schedule_arrival(p.index, exact_[p.index]);
    return apply(p.at, Op::Capture, std::move(item), error);
  }

  const json& draw(const AttributeDraw& d) {
    if (d.choices.size() == 1) return d.choices[0].first;
    double total = 0;
    for (const auto& c : d.choices) total += c.second;
    double x = rng_.uniform() * total;
    for (const auto& c : d.choices)
      if ((x -= c.second) < 0) return c.first;
    return d.choices.back().first;
  }

  // The agent marks the item done, and the source completes it at once: it leaves memory.
  bool finish(const Pending& p, std::string* error) {
    const std::string id(pool_.view(p.index));
    if (!apply(p.at, Op::Done, json(id), error) || !apply(p.at, Op::Complete, json(id), error)) return false;
    open_.erase(p.index);
    return true;
  }

  void observed(std::int64_t at, std::uint32_t item, runtime::ItemState to) {
    auto it = open_.find(item);
    if (it == open_.end()) return;
    Open& o = it->second;
    if (to == runtime::ItemState::Offered && !o.offered) {
      o.offered = true;
      --waiting_;
      if (measured(o.captured)) {
        --waiting_measured_;
        waits_.add(at - o.captured);
        if (at > o.captured) ++waited_;
        if (at - o.captured <= s_.run.answer_within_ms) ++within_;
      }
    } else if (to == runtime::ItemState::Assigned) {
      const double h = handle_ms(s_.streams[o.stream].handle, rng_);
      queue_.push({at + std::max<std::int64_t>(1, std::llround(h)), seq_++, Kind::Done, item});
    }
  }

  bool measured(std::int64_t captured) const { return captured >= s_.run.warmup_ms && captured < s_.run.length_ms; }

  // The area under the number waiting, over the window, up to `at`.
  void account(std::int64_t at) {
    const std::int64_t from = std::max(last_, s_.run.warmup_ms), to = std::min(at, s_.run.length_ms);
    if (to > from) area_ += static_cast<double>(waiting_) * static_cast<double>(to - from);
    last_ = std::max(last_, at);
  }

  void summarize(Replication* out) {
    account(s_.run.length_ms);
    Replication r;
    r.arrivals = arrivals_;
    r.waited = waited_;
    r.answered_within = within_;
    r.mean_wait_s = waits_.mean() / 1000;
    r.p50_s = waits_.percentile(0.50) / 1000;
    r.p90_s = waits_.percentile(0.90) / 1000;
    r.p95_s = waits_.percentile(0.95) / 1000;
    r.p99_s = waits_.percentile(0.99) / 1000;
    const double window_s = static_cast<double>(s_.run.length_ms - s_.run.warmup_ms) / 1000;
    r.little_l = area_ / 1000 / window_s;
    r.little_lambda = static_cast<double>(arrivals_) / window_s;
    r.little_w_s = r.mean_wait_s;
    r.peak_open = peak_open_;
    *out = r;
  }

  const runtime::abi::RulesV1& rules_;
  runtime::StringPool& pool_;
  const Scenario& s_;
  const Options& o_;
  int rep_;
  Random rng_;
  runtime::replay::Session* session_ = nullptr;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> queue_;
  std::uint64_t seq_ = 0;
  std::vector<double> exact_;  // each stream's last arrival, unrounded
  std::unordered_map<std::uint32_t, Open> open_;
  std::vector<std::pair<std::uint32_t, runtime::ItemState>> seen_;
  std::int64_t numbered_ = 0, arrivals_ = 0, waited_ = 0, within_ = 0, waiting_ = 0, waiting_measured_ = 0, peak_open_ = 0;
  std::int64_t last_ = 0;
  double area_ = 0;
  WaitHistogram waits_;
};

}  // namespace

bool run(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, const Scenario& scenario, const Options& options,
         std::vector<Replication>* out, std::string* error) {
  out->clear();
  for (int rep = 0; rep < scenario.run.replications; ++rep) {
    Replication r;
    if (!Replicator(rules, pool, scenario, options, rep).run(&r, error)) return false;
    out->push_back(r);
  }
  return true;
}

Interval interval95(const std::vector<double>& v) {
  // t(0.975, n - 1) for n - 1 = 1..30; beyond, the normal's 1.96 is within 2%.
  static constexpr double kT[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                                  2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                                  2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  Interval out;
  if (v.empty()) return out;
  for (double x : v) out.mean += x;
  out.mean /= static_cast<double>(v.size());
  if (v.size() < 2) return out;
  double ss = 0;
  for (double x : v) ss += (x - out.mean) * (x - out.mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  const double t = v.size() - 1 <= std::size(kT) ? kT[v.size() - 2] : 1.96;
  out.half_width = t * sd / std::sqrt(static_cast<double>(v.size()));
  return out;
}

bool schema_of(const runtime::abi::RulesV1& rules, runtime::StringPool& pool, runtime::Schema* schema, std::string* error) {
  runtime::replay::Session session(rules, pool, runtime::replay::ReplayOptions{}, nullptr);
  if (!session.init(error)) return false;
  *schema = session.runtime().schema();
  return true;
}

}  // namespace iwd::simulate
