#include <sqlite3.h>

/// Turns off SQLite's memory-usage statistics (sqlite3_config is variadic, so Swift cannot
/// call it directly). Saves a global mutex per allocation; must run before the first
/// connection opens, else it returns SQLITE_MISUSE and changes nothing.
static inline int gapdb_sqlite3_disable_memstatus(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
