import Foundation
import ResultsStore
import TestSupport
import Testing

/// A writable opening checks the file's identity before it changes anything.
@Suite struct ForeignFileTests {
  @Test func foreignRollbackJournalFile_refusedByteIdentical() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("foreign.sqlite")
    do {
      let db = try Database(path: path, mode: .readWriteCreate)
      try db.execute(sql: "PRAGMA journal_mode = DELETE")
      try db.execute(sql: "PRAGMA application_id = 1234; CREATE TABLE t (x); INSERT INTO t VALUES (1)")
    }
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(before[18] == 1)  // rollback journal (SQLite file format: header byte 18)
    #expect(throws: MigrationError.notAGapdbFile(path: path, applicationID: 1234)) {
      _ = try Database(storePath: path)
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
    #expect(!FileManager.default.fileExists(atPath: path + "-shm"))
  }

  @Test func nonSQLiteFile_refusedByteIdentical() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let path = dir.path("notes.sqlite")
    let text = Data(String(repeating: "not a database\n", count: 20).utf8)
    try text.write(to: URL(fileURLWithPath: path))
    #expect(throws: DatabaseError.self) { _ = try Database(storePath: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == text)
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
  }

  @Test func emptyAndBlankSQLiteFiles_areAdopted() throws {
    let dir = try TemporaryDirectory()
    defer { dir.remove() }
    let empty = dir.path("empty.sqlite")
    _ = FileManager.default.createFile(atPath: empty, contents: Data())
    let blank = dir.path("blank.sqlite")
    do {
      let db = try Database(path: blank, mode: .readWriteCreate)
      try db.execute(sql: "PRAGMA journal_mode = DELETE; VACUUM")
    }
    for path in [empty, blank] {
      let db = try Database(storePath: path)
      #expect(try db.scalar(sql: "PRAGMA application_id") == .integer(0x4741_5044))
      #expect(try db.scalar(sql: "PRAGMA journal_mode") == .text("wal"))
    }
  }
}
