// A unit test belongs to its folder: it may not include app/ either.
#include "app/check_command.hpp"
