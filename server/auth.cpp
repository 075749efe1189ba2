#include "server/auth.h"

#include <fmt/format.h>

namespace iwd::server {

std::optional<Role> parse_role(std::string_view name) {
  if (name == "source") return Role::Source;
  if (name == "agent") return Role::Agent;
  if (name == "supervisor") return Role::Supervisor;
  if (name == "admin") return Role::Admin;
  if (name == "viewer") return Role::Viewer;
  return std::nullopt;
}

std::string_view role_name(Role r) {
  switch (r) {
    case Role::Source: return "source";
    case Role::Agent: return "agent";
    case Role::Supervisor: return "supervisor";
    case Role::Admin: return "admin";
    case Role::Viewer: return "viewer";
    case Role::None: break;
  }
  return "none";
}

namespace {

// Compares in time that depends on the lengths only, not on where the texts differ.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t k = 0; k < a.size(); ++k) diff |= static_cast<unsigned char>(a[k] ^ b[k]);
  return diff == 0;
}

}  // namespace

std::optional<Caller> Authenticator::identify(std::string_view authorization, Reply* refusal) const {
  if (!enabled()) return Caller{};
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.empty()) {
    *refusal = error_reply(401, "unauthenticated", "send an API token: `Authorization: Bearer TOKEN`");
    return std::nullopt;
  }
  if (authorization.substr(0, kBearer.size()) != kBearer) {
    *refusal = error_reply(401, "unauthenticated", "the Authorization header is `Bearer TOKEN`");
    return std::nullopt;
  }
  const std::string_view token = authorization.substr(kBearer.size());
  const ApiToken* found = nullptr;
  for (const ApiToken& t : tokens_)
    if (same_secret(t.token, token)) found = &t;
  if (!found) {
    *refusal = error_reply(401, "unauthenticated", "unknown API token");
    return std::nullopt;
  }
  return Caller{found->role, found->agent, found->name.empty() ? std::string(role_name(found->role)) : found->name};
}

std::optional<Reply> Authenticator::forbid(const Caller& caller, RoleSet allowed) {
  if (allows(allowed, caller.role)) return std::nullopt;
  std::string who;
  for (Role r : {Role::Source, Role::Agent, Role::Supervisor, Role::Viewer, Role::Admin})
    if (allowed & static_cast<RoleSet>(r)) who += (who.empty() ? "" : ", ") + std::string(role_name(r));
  if (caller.role == Role::Viewer)
    return error_reply(403, "forbidden", fmt::format("a `viewer` token reads only and changes nothing (this needs: {})", who));
  return error_reply(403, "forbidden", fmt::format("a token of role `{}` may not do this (allowed: {})", role_name(caller.role), who));
}

std::optional<Reply> Authenticator::forbid_other_agent(const Caller& caller, std::string_view agent) {
  if (!caller.is_agent() || caller.agent == agent) return std::nullopt;
  return error_reply(403, "forbidden", fmt::format("this token acts for agent `{}` only, not for `{}`", caller.agent, agent));
}

}  // namespace iwd::server
