import CorrelationStatistics
import GapdbCSQLite
import SQLiteCore

/// The correlation aggregates as SQL functions, so ad-hoc SQL can rank measures:
///
/// ```sql
/// SELECT measure_id, kendall_tau(value, error_gap) AS tau_b, count(*) AS n
/// FROM final_measure_value GROUP BY measure_id ORDER BY abs(tau_b) DESC;
/// ```
///
/// | function | statistic |
/// |---|---|
/// | `kendall_tau(x, y)` | Kendall's τ_b, as `scipy.stats.kendalltau` |
/// | `kendall_tau_a(x, y)` | Kendall's τ_a, Jiang et al.'s τ (ties count 0) |
/// | `spearman_rho(x, y)` | Spearman's ρ with average ranks |
/// | `pearson_r(x, y)` | Pearson's r |
///
/// Rows where x or y is NULL, non-numeric text, a BLOB, or ±Inf are skipped (SQLite stores a
/// NaN as NULL, so NaN is skipped too). The result is NULL when the statistic is undefined
/// for the rows kept (fewer than 2, or x or y constant) — never 0. The aggregates buffer the
/// kept pairs (16 bytes each) and compute in O(n log n) at the end (O(n) for `pearson_r`).
///
/// The statistics own these functions, not the store: a front end that wants them calls
/// ``installOnEveryConnection()`` once (the `gapdb` CLI does, so `gapdb sql` and `gapdb query`
/// have them), or ``register(on:)`` for one connection.
///
/// Related SQLite documentation: https://www.sqlite.org/c3ref/create_function.html
public enum StatisticsSQLFunctions {
  /// The name of the connection-setup hook ``installOnEveryConnection()`` registers.
  public static let connectionSetupName = "statistics"

  /// Adds the four aggregates to every connection opened from now on, in this process, through
  /// `Database.registerConnectionSetup(name:_:)`. Idempotent (a second call replaces the hook).
  public static func installOnEveryConnection() {
    Database.registerConnectionSetup(name: connectionSetupName) { try register(on: $0) }
  }

  /// The statistic behind each SQL name.
  enum Kind: Int, CaseIterable {
    case kendallTauB = 1
    case kendallTauA
    case spearmanRho
    case pearsonR

    var sqlName: String {
      switch self {
      case .kendallTauB: return "kendall_tau"
      case .kendallTauA: return "kendall_tau_a"
      case .spearmanRho: return "spearman_rho"
      case .pearsonR: return "pearson_r"
      }
    }
  }

  /// Registers the four aggregates on one connection.
  ///
  /// - Parameter database: The connection.
  /// - Throws: `DatabaseError` if SQLite refuses a registration.
  public static func register(on database: Database) throws {
    for kind in Kind.allCases {
      let rc = sqlite3_create_function_v2(
        database.handle, kind.sqlName, 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
        UnsafeMutableRawPointer(bitPattern: kind.rawValue), nil, pairStep, pairFinal, nil)
      guard rc == SQLITE_OK else {
        throw DatabaseError(
          extendedResultCode: rc, message: "cannot register the SQL function \(kind.sqlName)")
      }
    }
  }
}

/// The pairs one aggregate invocation has kept.
private final class PairBuffer {
  var x: [Double] = []
  var y: [Double] = []
}

/// A finite number from an SQL value, or nil (NULL, non-numeric text, BLOB, ±Inf).
private func finiteNumber(_ value: OpaquePointer?) -> Double? {
  switch sqlite3_value_numeric_type(value) {
  case SQLITE_INTEGER, SQLITE_FLOAT:
    let v = sqlite3_value_double(value)
    return v.isFinite ? v : nil
  default:
    return nil
  }
}

/// The per-invocation slot SQLite keeps for us: one pointer to a retained ``PairBuffer``.
private func bufferSlot(
  _ context: OpaquePointer?, create: Bool
) -> UnsafeMutablePointer<UnsafeMutableRawPointer?>? {
  let size: Int32 = create ? Int32(MemoryLayout<UnsafeMutableRawPointer?>.size) : 0
  guard let raw = sqlite3_aggregate_context(context, size) else { return nil }
  return raw.assumingMemoryBound(to: UnsafeMutableRawPointer?.self)
}

private func pairStep(
  _ context: OpaquePointer?, _ count: Int32, _ values: UnsafeMutablePointer<OpaquePointer?>?
) {
  guard count == 2, let values else { return }
  guard let slot = bufferSlot(context, create: true) else {
    sqlite3_result_error_nomem(context)
    return
  }
  // Allocate the buffer on the first call even if the row is skipped, so xFinal can tell
  // "no rows kept" (NULL result) from "called on an empty set" (also NULL).
  let buffer: PairBuffer
  if let existing = slot.pointee {
    buffer = Unmanaged<PairBuffer>.fromOpaque(existing).takeUnretainedValue()
  } else {
    buffer = PairBuffer()
    slot.pointee = Unmanaged.passRetained(buffer).toOpaque()
  }
  guard let x = finiteNumber(values[0]), let y = finiteNumber(values[1]) else { return }
  buffer.x.append(x)
  buffer.y.append(y)
}

private func pairFinal(_ context: OpaquePointer?) {
  guard let slot = bufferSlot(context, create: false), let pointer = slot.pointee else {
    sqlite3_result_null(context)
    return
  }
  let buffer = Unmanaged<PairBuffer>.fromOpaque(pointer).takeRetainedValue()
  slot.pointee = nil
  let tag = Int(bitPattern: sqlite3_user_data(context))
  let result: Double?
  switch StatisticsSQLFunctions.Kind(rawValue: tag) {
  case .kendallTauB: result = kendallTauB(buffer.x, buffer.y)
  case .kendallTauA: result = kendallTauA(buffer.x, buffer.y)
  case .spearmanRho: result = spearmanRho(buffer.x, buffer.y)
  case .pearsonR: result = pearsonR(buffer.x, buffer.y)
  case nil: result = nil
  }
  if let result { sqlite3_result_double(context, result) } else { sqlite3_result_null(context) }
}
