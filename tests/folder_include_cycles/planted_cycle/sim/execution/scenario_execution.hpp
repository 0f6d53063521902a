#pragma once
// A planted arrow back up: execution sits below the live runner.
#include "sim/runner/run_proxy.hpp"
