#include "app/serve_command.hpp"
