#include "runtime/agent.h"

namespace iwd::runtime {

abi::Agent Agent::view() const {
  abi::Agent a;
  a.skills = skills.data();
  a.skill_count = static_cast<std::uint32_t>(skills.size());
  a.id = id;
  a.groups = groups.data();
  a.group_count = static_cast<std::uint32_t>(groups.size());
  a.attribute_names = attribute_names.data();
  a.attribute_values = attribute_values.data();
  a.attribute_count = static_cast<std::uint32_t>(attribute_names.size());
  return a;
}

}  // namespace iwd::runtime
