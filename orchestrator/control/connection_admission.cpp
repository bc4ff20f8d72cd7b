#include "orchestrator/control/connection_admission.h"

#include <algorithm>

namespace firedrill {

ConnectionAdmission::ConnectionAdmission(AdmissionLimits limits)
    : limits_(limits),
      unproven_share_(limits.max_connections > limits.kept_for_proven + 1
                          ? limits.max_connections - limits.kept_for_proven
                          : 1) {
  limits_.max_connections = std::max<std::size_t>(limits_.max_connections, 1);
  limits_.max_unproven_per_client = std::max<std::size_t>(limits_.max_unproven_per_client, 1);
}

void ConnectionAdmission::DropUnproven(const Connection& c) {
  unproven_.erase(c.in_all);
  auto client = by_client_.find(c.client);
  client->second.erase(c.in_client);
  if (client->second.empty()) by_client_.erase(client);
}

void ConnectionAdmission::Displace(const Order& order, Decision& d) {
  Id oldest = order.front();
  auto it = connections_.find(oldest);
  DropUnproven(it->second);
  connections_.erase(it);
  d.displaced.push_back(oldest);
}

bool ConnectionAdmission::OldestPastGrace(const Order& order, Clock::time_point now) const {
  return now - connections_.at(order.front()).since >= limits_.grace;
}

ConnectionAdmission::Decision ConnectionAdmission::Admit(Id id, const std::string& client,
                                                         Clock::time_point now) {
  Decision d;
  auto same = by_client_.find(client);
  if (same != by_client_.end() && same->second.size() >= limits_.max_unproven_per_client &&
      OldestPastGrace(same->second, now)) {
    Displace(same->second, d);
  }
  if (unproven_.size() >= unproven_share_ && OldestPastGrace(unproven_, now)) {
    Displace(unproven_, d);
  }
  if (connections_.size() >= limits_.max_connections) {
    if (unproven_.empty()) return d;  // every connection is proven: refuse the new one
    Displace(unproven_, d);
  }
  Connection& c = connections_[id];
  c.client = client;
  c.since = now;
  Order& mine = by_client_[client];
  c.in_client = mine.insert(mine.end(), id);
  c.in_all = unproven_.insert(unproven_.end(), id);
  d.admitted = true;
  return d;
}

void ConnectionAdmission::Prove(Id id) {
  auto it = connections_.find(id);
  if (it == connections_.end() || it->second.proven) return;
  DropUnproven(it->second);
  it->second.proven = true;
}

void ConnectionAdmission::Release(Id id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  if (!it->second.proven) DropUnproven(it->second);
  connections_.erase(it);
}

bool ConnectionAdmission::proven(Id id) const {
  auto it = connections_.find(id);
  return it != connections_.end() && it->second.proven;
}

}  // namespace firedrill
