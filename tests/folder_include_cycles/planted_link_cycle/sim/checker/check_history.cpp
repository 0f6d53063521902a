#include "sim/checker/check_history.hpp"
