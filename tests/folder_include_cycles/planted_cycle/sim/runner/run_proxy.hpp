#pragma once
#include "protocol/utf8.hpp"
