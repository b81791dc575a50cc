// Cells handed out across MPI ranks: a counter in rank 0's memory, taken with
// one-sided MPI_Fetch_and_op, so no rank acts as a dedicated master and a
// fast rank simply takes more cells. All ranks write into one sweep folder.
#include "sweep/sweep.hpp"

#include <cstdlib>

#ifdef RELULAB_WITH_MPI
#include <mpi.h>
#endif

namespace relulab::host {

#ifdef RELULAB_WITH_MPI
namespace {

class MpiQueue final : public WorkQueue {
 public:
  MpiQueue() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
    MPI_Win_allocate(rank_ == 0 ? sizeof(std::uint64_t) : 0, sizeof(std::uint64_t), MPI_INFO_NULL, MPI_COMM_WORLD,
                     &counter_, &window_);
    if (rank_ == 0) {
      MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, window_);
      *counter_ = 0;
      MPI_Win_unlock(0, window_);
    }
    MPI_Barrier(MPI_COMM_WORLD);
  }
  ~MpiQueue() override { MPI_Win_free(&window_); }

  std::size_t take() override {
    const std::uint64_t one = 1;
    std::uint64_t slot = 0;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, window_);
    MPI_Fetch_and_op(&one, &slot, MPI_UINT64_T, 0, 0, MPI_SUM, window_);
    MPI_Win_unlock(0, window_);
    return static_cast<std::size_t>(slot);
  }
  void barrier() override { MPI_Barrier(MPI_COMM_WORLD); }
  int rank() const override { return rank_; }
  int ranks() const override { return size_; }

 private:
  int rank_ = 0, size_ = 1;
  std::uint64_t* counter_ = nullptr;
  MPI_Win window_;
};

}  // namespace

std::unique_ptr<WorkQueue> make_mpi_queue() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) return nullptr;
  int size = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size < 2) return nullptr;
  return std::make_unique<MpiQueue>();
}

#else

std::unique_ptr<WorkQueue> make_mpi_queue() { return nullptr; }

#endif

}  // namespace relulab::host
