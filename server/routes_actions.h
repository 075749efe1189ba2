// A supervisor's bulk actions on a filter (routes_actions.cpp): POST /v1/actions/preview and
// /v1/actions/apply, served with the queue's routes (routes_queue.cpp).
#pragma once

#include <vector>

#include "server/routes.h"

namespace iwd::server {

void append_action_routes(ServerContext& ctx, std::vector<Route>& routes);

// The replies to one change per item (Engine::changes), as [{"item", "status", "error"?}]; the
// changes done counted in *done.
nlohmann::ordered_json change_results(const std::vector<std::string>& items, std::vector<Reply>& replies, std::size_t* done);

}  // namespace iwd::server
