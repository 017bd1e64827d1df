// A blocking FIFO of slot numbers, shared by threads that do not hold the GIL.
#ifndef W2V_SLOTQUEUE_H
#define W2V_SLOTQUEUE_H

#include <condition_variable>
#include <deque>
#include <mutex>

namespace w2v {

class SlotQueue {
  public:
    // Append a slot and wake one waiting thread.
    void push(int slot) noexcept {
        {
            std::lock_guard<std::mutex> guard(mutex_);
            slots_.push_back(slot);
        }
        ready_.notify_one();
    }

    // The oldest slot, waiting while the queue is empty; -1 once it is closed and empty.
    int pop() noexcept {
        std::unique_lock<std::mutex> guard(mutex_);
        ready_.wait(guard, [this] { return !slots_.empty() || closed_; });
        if (slots_.empty()) return -1;
        int slot = slots_.front();
        slots_.pop_front();
        return slot;
    }

    // No more pushes will come: waiters return what is left, then -1.
    void close() noexcept {
        {
            std::lock_guard<std::mutex> guard(mutex_);
            closed_ = true;
        }
        ready_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<int> slots_;
    bool closed_ = false;
};

}  // namespace w2v

#endif
