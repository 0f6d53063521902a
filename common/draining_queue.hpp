#pragma once
// A FIFO queue that holds no memory once it is empty. std::deque allocates a map and a
// 512-byte node as soon as it exists, which every idle connection paid for, per queue; here
// the elements live in a vector read from a head index, and the storage is released each
// time the last element is taken (one allocation per busy spell instead).
#include <cstddef>
#include <utility>
#include <vector>

#include "common/invariant.hpp"

namespace resync {

template <class T>
class DrainingQueue {
 public:
  bool empty() const noexcept { return head_ == items_.size(); }
  std::size_t size() const noexcept { return items_.size() - head_; }

  void push_back(T item) { items_.push_back(std::move(item)); }

  T& front() {
    RESYNC_ASSERT(!empty(), "front() of an empty queue");
    return items_[head_];
  }

  void pop_front() {
    RESYNC_ASSERT(!empty(), "pop_front() of an empty queue");
    items_[head_] = T{};  // the element's own memory goes now, not when the queue drains
    if (++head_ == items_.size()) {
      std::vector<T>().swap(items_);
      head_ = 0;
    }
  }

 private:
  std::vector<T> items_;
  std::size_t head_ = 0;  // items_[head_] is the front
};

}  // namespace resync
