#include <sqlite3.h>

/// Turns off SQLite's memory-usage statistics (sqlite3_config is variadic, so Swift cannot
/// call it directly). Saves a global mutex per allocation; must run before the first
/// connection opens, else it returns SQLITE_MISUSE and changes nothing.
static inline int gapdb_sqlite3_disable_memstatus(void) {
  return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

#if defined(__linux__)
#include <sys/vfs.h>
/// The filesystem type (`statfs(2)` `f_type`, a magic number such as NFS_SUPER_MAGIC 0x6969)
/// of the filesystem holding `path`; 0 on failure. Glibc's Swift overlay does not export
/// statfs, so ResultsStore asks through this shim (see NetworkFileSystem.swift).
static inline unsigned long long gapdb_filesystem_magic(const char *path) {
  struct statfs info;
  if (statfs(path, &info) != 0) return 0;
  return (unsigned long long)(unsigned int)info.f_type;
}
#endif
