#pragma once
#include "protocol/utf8.hpp"
#include "sim/execution/scenario_execution.hpp"
