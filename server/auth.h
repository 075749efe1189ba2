// Authentication and roles (docs/api.md, "Authentication"). Callers send
// `Authorization: Bearer TOKEN`; a token has one role. No token or an unknown one: 401; a
// role the route does not allow: 403. An agent token acts only for its own agent; a viewer
// reads what a supervisor reads and changes nothing (server/routes.cpp). Without
// tokens configured there is no authentication (every caller may do everything) and the
// server listens on loopback only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/reply.h"

namespace iwd::server {

enum class Role : std::uint8_t { None = 0, Source = 1, Agent = 2, Supervisor = 4, Admin = 8, Viewer = 16 };
std::optional<Role> parse_role(std::string_view name);
std::string_view role_name(Role r);

// The roles a route allows (admin is always allowed).
using RoleSet = std::uint8_t;
constexpr RoleSet roles(std::initializer_list<Role> rs) {
  RoleSet s = static_cast<RoleSet>(Role::Admin);
  for (Role r : rs) s = static_cast<RoleSet>(s | static_cast<RoleSet>(r));
  return s;
}
constexpr bool allows(RoleSet allowed, Role r) { return (allowed & static_cast<RoleSet>(r)) != 0; }

struct ApiToken {
  std::string token, name, agent;  // agent: for Role::Agent
  Role role = Role::None;
};

// Who is calling.
struct Caller {
  Role role = Role::Admin;
  std::string agent;  // an agent token's agent
  std::string name;   // the token's name (its role's when it has none): the event history's actor
  bool is_agent() const { return role == Role::Agent; }
};

class Authenticator {
 public:
  explicit Authenticator(std::vector<ApiToken> tokens) : tokens_(std::move(tokens)) {}
  bool enabled() const { return !tokens_.empty(); }
  // The caller for an Authorization header's value, or a 401 reply in *refusal.
  std::optional<Caller> identify(std::string_view authorization, Reply* refusal) const;
  // A 403 reply when `caller` may not use a route allowing `allowed`.
  static std::optional<Reply> forbid(const Caller& caller, RoleSet allowed);
  // A 403 reply when `caller` is an agent token acting for another agent.
  static std::optional<Reply> forbid_other_agent(const Caller& caller, std::string_view agent);

 private:
  std::vector<ApiToken> tokens_;
};

}  // namespace iwd::server
