// Placement of workspaces on nodes by rendezvous (highest random weight) hashing: each
// (workspace, node) pair gets a pseudo-random weight and a workspace goes to the node with the
// highest. Every node computes the same answer from the same list of nodes, without talking to
// the others, and adding or removing a node moves only the workspaces whose winner changed
// (about 1/n of them), which a modulo over the node count would not.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace iwd::cluster {

// The weight of `node` for `workspace`: a 64-bit hash of both, mixed so that close names
// ("w1", "w2") give unrelated weights.
std::uint64_t weight(std::string_view workspace, std::string_view node);

// The index in `nodes` (not empty) of the node `workspace` is placed on; a tie of weights goes
// to the smaller name, so that the order of `nodes` does not matter.
std::size_t place(std::string_view workspace, const std::vector<std::string>& nodes);

}  // namespace iwd::cluster
