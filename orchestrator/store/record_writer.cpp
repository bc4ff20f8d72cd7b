#include "orchestrator/store/record_writer.h"

namespace firedrill {

Expected<std::unique_ptr<RecordWriter>> RecordWriter::Open(const std::filesystem::path& state_dir) {
  auto db = Database::Open(state_dir, OpenMode::kReadWrite);
  if (!db.ok()) return db.error();
  return std::unique_ptr<RecordWriter>(new RecordWriter(std::move(*db)));
}

RecordWriter::RecordWriter(Database db) : db_(std::move(db)) {
  thread_ = std::thread([this] { Loop(); });
}

RecordWriter::~RecordWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void RecordWriter::Post(std::function<void(Database&)> job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

void RecordWriter::Drain() {
  std::unique_lock lock(mutex_);
  idle_.wait(lock, [this] { return jobs_.empty() && !running_job_; });
}

bool RecordWriter::Idle() const {
  std::lock_guard lock(mutex_);
  return jobs_.empty() && !running_job_;
}

void RecordWriter::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
    if (jobs_.empty()) {
      if (stopping_) return;
      continue;
    }
    std::function<void(Database&)> job = std::move(jobs_.front());
    jobs_.pop_front();
    running_job_ = true;
    lock.unlock();
    job(db_);
    lock.lock();
    running_job_ = false;
    if (jobs_.empty()) idle_.notify_all();
  }
}

}  // namespace firedrill
