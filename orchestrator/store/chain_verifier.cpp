#include "orchestrator/store/chain_verifier.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "orchestrator/store/event_hash.h"

namespace firedrill {
namespace {

// Events per hand-over to the helper: large enough that locking is noise, small enough that a
// batch of typical events (~200 bytes each) stays in the L2 cache.
constexpr std::size_t kBatchEvents = 512;
// Batches in the pool: one being filled, the others queued or being hashed. Bounds memory.
constexpr std::size_t kBatches = 4;

// One encoded event awaiting its hash check.
struct Item {
  std::int64_t seq;
  std::size_t offset;  // into Batch::bytes
  std::size_t size;
  Hash256 stored;
};

struct Batch {
  std::vector<unsigned char> bytes;  // encodings back to back; grows, never shrinks
  std::size_t used = 0;
  std::vector<Item> items;

  void Clear() {
    used = 0;
    items.clear();
  }
};

}  // namespace

struct ChainVerifier::State {
  explicit State(Sha256 s) : sha(std::move(s)) {}
  // A running hasher must be joined before its std::thread is destroyed (else terminate()).
  ~State() { Drain(); }

  // Reader side: touched only by the thread calling Add/Finish.
  std::int64_t expected = 1;
  Hash256 prev_stored{};  // stored hash of the last event accepted
  std::int64_t fed = 0;
  std::optional<std::int64_t> order_bad;
  std::string order_problem;
  std::unique_ptr<Batch> filling;
  bool finished = false;

  // Shared, guarded by mu.
  std::mutex mu;
  std::condition_variable work_ready;
  std::condition_variable batch_free;
  std::deque<std::unique_ptr<Batch>> full;
  std::vector<std::unique_ptr<Batch>> free;
  bool closing = false;
  // Set by the hasher on a mismatch so the reader can stop early.
  std::atomic<bool> hash_failed{false};

  // Hasher side: written by the hasher only, read by the reader after the join (or inline).
  Sha256 sha;
  std::int64_t hashed_ok = 0;
  std::optional<std::int64_t> hash_bad;
  bool openssl_failed = false;
  Hash256 head{};

  std::thread hasher;  // not joinable when hashing inline

  // Hashes one batch in order, stopping at the first mismatch.
  void Hash(const Batch& batch) {
    Hash256 computed;
    for (const Item& item : batch.items) {
      if (hash_bad || openssl_failed) return;
      if (!sha.Hash(std::span(batch.bytes.data() + item.offset, item.size), &computed)) {
        openssl_failed = true;
        hash_failed.store(true, std::memory_order_relaxed);
        return;
      }
      if (computed != item.stored) {
        hash_bad = item.seq;
        hash_failed.store(true, std::memory_order_relaxed);
        return;
      }
      head = computed;
      ++hashed_ok;
    }
  }

  void HasherLoop() {
    for (;;) {
      std::unique_ptr<Batch> batch;
      {
        std::unique_lock lock(mu);
        work_ready.wait(lock, [&] { return !full.empty() || closing; });
        if (full.empty()) return;  // closing and drained
        batch = std::move(full.front());
        full.pop_front();
      }
      Hash(*batch);
      batch->Clear();
      {
        std::lock_guard lock(mu);
        free.push_back(std::move(batch));
      }
      batch_free.notify_one();
    }
  }

  // Hands the batch being filled to the hasher and takes an empty one.
  void Submit() {
    if (!hasher.joinable()) {  // inline mode
      Hash(*filling);
      filling->Clear();
      return;
    }
    std::unique_lock lock(mu);
    full.push_back(std::move(filling));
    work_ready.notify_one();
    batch_free.wait(lock, [&] { return !free.empty(); });
    filling = std::move(free.back());
    free.pop_back();
  }

  // Flushes the last partial batch and waits for the hasher. Idempotent.
  void Drain() {
    if (finished) return;
    finished = true;
    if (!hasher.joinable()) {
      if (filling) Hash(*filling);
      return;
    }
    {
      std::lock_guard lock(mu);
      if (filling && !filling->items.empty()) full.push_back(std::move(filling));
      closing = true;
    }
    work_ready.notify_one();
    hasher.join();
  }
};

ChainVerifier::ChainVerifier(std::unique_ptr<State> state) : state_(std::move(state)) {}

Expected<ChainVerifier> ChainVerifier::Start() {
  auto sha = Sha256::Create();
  if (!sha) return sha.error();
  auto state = std::make_unique<State>(std::move(*sha));
  for (std::size_t i = 0; i < kBatches; ++i) {
    auto batch = std::make_unique<Batch>();
    batch->items.reserve(kBatchEvents);
    state->free.push_back(std::move(batch));
  }
  state->filling = std::move(state->free.back());
  state->free.pop_back();
  try {
    state->hasher = std::thread([s = state.get()] { s->HasherLoop(); });
  } catch (const std::system_error&) {
    // No thread (resource limits): hash inline, slower but equally correct.
  }
  return ChainVerifier(std::move(state));
}

ChainVerifier::ChainVerifier(ChainVerifier&& other) noexcept = default;
ChainVerifier& ChainVerifier::operator=(ChainVerifier&& other) noexcept = default;

ChainVerifier::~ChainVerifier() = default;

bool ChainVerifier::Add(const StoredEventView& e) {
  State& s = *state_;
  if (s.finished || s.order_bad || s.hash_failed.load(std::memory_order_relaxed)) return false;
  if (e.seq != s.expected) {
    if (e.seq > s.expected) {
      s.order_bad = s.expected;
      s.order_problem = fmt::format("event {} missing (deleted?)", s.expected);
    } else {
      // Only possible for seq < 1: a row slipped in before the genesis event.
      s.order_bad = e.seq;
      s.order_problem = fmt::format("event {} is out of sequence (inserted?)", e.seq);
    }
    return false;
  }
  if (e.prev_hash.size() != s.prev_stored.size() || e.hash.size() != s.prev_stored.size()) {
    s.order_bad = e.seq;
    s.order_problem = fmt::format("event {} was altered: malformed hash", e.seq);
    return false;
  }
  // Comparing with the previous *stored* hash is enough: that hash is itself checked against
  // its recomputation, and a mismatch there is an earlier, and so the reported, bad event.
  if (std::memcmp(e.prev_hash.data(), s.prev_stored.data(), s.prev_stored.size()) != 0) {
    s.order_bad = e.seq;
    s.order_problem = e.seq == 1
                          ? std::string(
                                "chain broken at event 1: prev_hash is not the genesis value "
                                "(inserted or reordered?)")
                          : fmt::format(
                                "chain broken at event {}: prev_hash does not match event {} "
                                "(deleted, inserted or reordered?)",
                                e.seq, e.seq - 1);
    return false;
  }

  EventHashInput in{std::span<const unsigned char, 32>(e.prev_hash.data(), 32),
                    e.seq,
                    e.ts_ms,
                    e.drill_id,
                    e.kind,
                    e.actor,
                    e.payload_json};
  Batch& b = *s.filling;
  std::size_t size = EncodedEventSize(in);
  if (b.bytes.size() < b.used + size) b.bytes.resize(std::max(b.used + size, 2 * b.bytes.size()));
  EncodeEvent(in, b.bytes.data() + b.used);
  Item& item = b.items.emplace_back(Item{e.seq, b.used, size, {}});
  std::memcpy(item.stored.data(), e.hash.data(), item.stored.size());
  b.used += size;

  std::memcpy(s.prev_stored.data(), e.hash.data(), s.prev_stored.size());
  ++s.expected;
  ++s.fed;
  if (b.items.size() == kBatchEvents) s.Submit();
  return true;
}

Expected<VerifyReport> ChainVerifier::Finish() {
  State& s = *state_;
  s.Drain();
  if (s.openssl_failed) return Error{"SHA-256 failed inside OpenSSL while verifying"};
  VerifyReport report;
  report.head_hash = s.head;
  if (s.hash_bad) {
    // Everything before it was fed, so it passed the order checks too.
    report.ok = false;
    report.first_bad_seq = s.hash_bad;
    report.problem = fmt::format("event {} was altered: hash mismatch", *s.hash_bad);
    report.events_checked = s.hashed_ok;
  } else if (s.order_bad) {
    report.ok = false;
    report.first_bad_seq = s.order_bad;
    report.problem = s.order_problem;
    report.events_checked = s.fed;
  } else {
    report.events_checked = s.fed;
  }
  return report;
}

}  // namespace firedrill
