#include "app/check_command.hpp"
#include "app/serve_command.hpp"
#include "reports/html/report_files.hpp"
