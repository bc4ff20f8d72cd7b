// Which connections the control server keeps when clients hold more than it can serve: a pure
// policy over connection ids and client addresses, with no sockets, so that it is tested directly.
// The server (control_session.cpp) asks it on every accept and closes what it says.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

namespace firedrill {

/// The numbers the policy works with (see ControlLimits, which they come from).
struct AdmissionLimits {
  std::size_t max_connections = 64;         ///< open at once, proven or not
  std::size_t max_unproven_per_client = 8;  ///< not yet proven, from one client address
  std::size_t kept_for_proven = 16;         ///< of max_connections, not held by unproven ones
  /// How long an unproven connection is left alone by the limits per client and on the unproven
  /// share (not by max_connections): time for a legitimate burst of connections to send their
  /// requests.
  std::chrono::milliseconds grace{1'000};
};

/// The connections a server holds, each either *unproven* (accepted, no request of it has shown
/// a valid token yet: it may be a slow client that never will) or *proven*. A new connection is
/// always let in while unproven ones can make room for it; unproven connections are displaced
/// oldest first:
///   1. the client's oldest unproven one, if the client holds max_unproven_per_client of them
///      and that one is older than the grace;
///   2. the oldest unproven one of all, if the unproven hold their share (max_connections minus
///      kept_for_proven) and that one is older than the grace;
///   3. the oldest unproven one of all, whatever its age, if max_connections are open.
/// A proven connection is never displaced; only when every connection is proven is a new one
/// refused. So slow clients that never finish a request cannot lock out a caller that does (it
/// needs milliseconds, they would have to open max_connections new connections within them),
/// callers who showed a token keep their connections, and a burst of new connections from one
/// client is not cut short by its own limit. Not thread-safe.
class ConnectionAdmission {
 public:
  using Id = std::uint64_t;
  using Clock = std::chrono::steady_clock;

  /// The outcome of one Admit.
  struct Decision {
    bool admitted = false;
    std::vector<Id> displaced;  ///< unproven connections to close now, oldest first
  };

  /// `limits.max_connections` is at least 1; the unproven share is max_connections minus
  /// kept_for_proven, at least 1.
  explicit ConnectionAdmission(AdmissionLimits limits);

  /// A new connection `id` (not open yet) from `client` (an address, or an IPv6 /64 prefix: see
  /// ClientKey in the server), at `now` (never earlier than a previous call's). If admitted it
  /// is open and unproven; the displaced ones are no longer open.
  Decision Admit(Id id, const std::string& client, Clock::time_point now);

  /// The caller of connection `id` has proven itself; it is never displaced from now on. No-op
  /// for an id that is not open.
  void Prove(Id id);

  /// Connection `id` is closed. No-op for an id that is not open (e.g. one already displaced).
  void Release(Id id);

  /// Whether `id` is open (admitted, neither displaced nor released).
  bool is_open(Id id) const { return connections_.count(id) != 0; }
  /// Whether `id` is open and proven.
  bool proven(Id id) const;
  /// The number of open connections.
  std::size_t open() const { return connections_.size(); }
  /// The number of open unproven connections.
  std::size_t unproven() const { return unproven_.size(); }

 private:
  using Order = std::list<Id>;  // oldest first

  struct Connection {
    std::string client;
    Clock::time_point since;  ///< admitted
    bool proven = false;
    Order::iterator in_all;     ///< in unproven_, while unproven
    Order::iterator in_client;  ///< in by_client_[client], while unproven
  };

  // Removes `c` from the unproven orders (it must be unproven).
  void DropUnproven(const Connection& c);
  // Whether the oldest unproven connection of `order` is past the grace at `now`.
  bool OldestPastGrace(const Order& order, Clock::time_point now) const;
  // Closes the oldest unproven connection of `order`, recording it in `d`.
  void Displace(const Order& order, Decision& d);

  AdmissionLimits limits_;
  std::size_t unproven_share_;
  std::unordered_map<Id, Connection> connections_;
  Order unproven_;
  std::map<std::string, Order> by_client_;  // unproven only; empty lists are erased
};

}  // namespace firedrill
