// iwd_cluster_node: one cluster::Node in a process of its own, for the tests that kill, pause
// and resume nodes (process_test.cpp).
//   iwd_cluster_node CONNINFO NAME ADDRESS TTL_MS WS1,WS2,...
// Writes one line per event on stdout, times on the steady clock (CLOCK_MONOTONIC, the same for
// every process of the machine) in microseconds:
//   name <the process's node name>
//   acquired <ws> <epoch> <us>
//   lost <ws> <why> <us> <message>
//   append <ws> <epoch> <code> <message>
// Reads commands on stdin: `append <ws>` appends a journal line at the last epoch it acquired
// the workspace at, served or not (a write decided before a pause); `stop` or the end of stdin
// stops the node cleanly and exits.
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <string>

#include "cluster/node.h"
#include "pgstore/journal.h"

namespace {

std::mutex out_mutex;

void say(const std::string& line) {
  std::lock_guard lock(out_mutex);
  std::fputs((line + "\n").c_str(), stdout);
  std::fflush(stdout);
}

long long micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace iwd;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s CONNINFO NAME ADDRESS TTL_MS WS1,WS2,...\n", argv[0]);
    return 2;
  }
  const std::string conninfo = argv[1];
  std::vector<std::string> workspaces;
  std::stringstream list(argv[5]);
  for (std::string ws; std::getline(list, ws, ',');) workspaces.push_back(ws);

  std::mutex epochs_mutex;
  std::map<std::string, std::int64_t> epochs;
  cluster::NodeOptions o;
  o.name = argv[2];
  o.address = argv[3];
  o.lease_ttl = std::chrono::milliseconds(std::stoll(argv[4]));
  o.workspaces = [workspaces] { return workspaces; };
  o.acquired = [&](const std::string& ws, std::int64_t epoch) {
    {
      std::lock_guard lock(epochs_mutex);
      epochs[ws] = epoch;
    }
    say("acquired " + ws + " " + std::to_string(epoch) + " " + std::to_string(micros()));
  };
  o.lost = [](const std::string& ws, const cluster::Loss& why) {
    say("lost " + ws + " " + cluster::why_name(why.why) + " " + std::to_string(micros()) + " " + why.message);
  };
  cluster::Node node(std::move(o), conninfo);
  say("name " + node.name());

  pgstore::Connection journal(conninfo);
  for (std::string line; std::getline(std::cin, line);) {
    if (line == "stop") break;
    if (line.rfind("append ", 0) != 0) continue;
    const std::string ws = line.substr(7);
    std::int64_t epoch = 0;
    {
      std::lock_guard lock(epochs_mutex);
      epoch = epochs.count(ws) ? epochs[ws] : 0;
    }
    std::int64_t last = 0;
    const pgstore::Status s = pgstore::append(journal, {ws, node.name(), epoch, {}}, {"from " + node.name()}, &last);
    say("append " + ws + " " + std::to_string(epoch) + " " + pgstore::code_name(s.code) + " " + s.message);
  }
  node.stop();
  say("stopped");
  return 0;
}
