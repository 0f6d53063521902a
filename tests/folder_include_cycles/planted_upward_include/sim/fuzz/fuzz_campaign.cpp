#include "sim/checker/check_history.hpp"
#include "reports/html/report_files.hpp"
