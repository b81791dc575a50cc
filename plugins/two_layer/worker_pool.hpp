// A fixed set of threads that run one job together and wait for the next, so
// that a call splits over threads without creating any (and without
// allocating: the job is a function pointer and its context).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace relulab::two_layer {

class WorkerPool {
 public:
  using Job = void (*)(void* context, int worker);

  // `threads` workers in all: the calling thread is worker 0.
  explicit WorkerPool(int threads) : size_(threads < 1 ? 1 : threads) {
    for (int w = 1; w < size_; ++w) threads_.emplace_back([this, w] { serve(w); });
  }
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    start_.notify_all();
    for (auto& t : threads_) t.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  int size() const { return size_; }

  // Runs job(context, w) for every worker w and returns when all are done.
  void run(Job job, void* context) {
    if (size_ == 1) return job(context, 0);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = job, context_ = context, pending_ = size_ - 1;
      ++generation_;
    }
    start_.notify_all();
    job(context, 0);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return pending_ == 0; });
  }

 private:
  void serve(int worker) {
    std::uint64_t seen = 0;
    for (;;) {
      Job job;
      void* context;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        start_.wait(lock, [&] { return stopping_ || generation_ != seen; });
        if (stopping_) return;
        seen = generation_;
        job = job_, context = context_;
      }
      job(context, worker);
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }

  int size_;
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::condition_variable start_, done_;
  Job job_ = nullptr;
  void* context_ = nullptr;
  int pending_ = 0;
  std::uint64_t generation_ = 0;
  bool stopping_ = false;
};

}  // namespace relulab::two_layer
