import ResultsStore
import SweepPlanning

/// What one invocation of a sweep does with each configuration, given what the store holds
/// (``SweepLedger``): skip it (done, or training in a live process elsewhere) or train it
/// (first time, or again after failed or crashed runs, whose `running` rows are marked failed
/// first).
public struct SweepResumePlan {
  /// What happens to one configuration.
  public enum Action: Equatable, Sendable {
    /// A finished or diverged run exists: skipped.
    case skipDone(runID: Int64)
    /// A live process is training it: skipped.
    case skipTrainingElsewhere(runID: Int64)
    /// Trained by this invocation, after `previousFailures` failed or crashed runs.
    case train(previousFailures: Int)

    /// The dry-run text: `skip: done (run 12)`, `skip: training elsewhere (run 12)`,
    /// `train`, `train (again after 2 failed)`.
    public var text: String {
      switch self {
      case .skipDone(let id): return "skip: done (run \(id))"
      case .skipTrainingElsewhere(let id): return "skip: training elsewhere (run \(id))"
      case .train(let failures): return failures > 0 ? "train (again after \(failures) failed)" : "train"
      }
    }
  }

  /// Every configuration given, in order, with its action.
  public var entries: [(configuration: SweepConfiguration, action: Action)]
  /// The configurations to train, in order.
  public var toTrain: [SweepConfiguration]
  /// `running` runs of dead processes, to mark failed (`SweepLedger.markCrashed`) before
  /// training their configurations again.
  public var crashedRunIDs: [Int64]
  /// How many configurations are skipped.
  public var skippedCount: Int { entries.count - toTrain.count }

  /// Decides every configuration with ``SweepLedger/decide(key:isAlive:)``.
  ///
  /// - Parameters:
  ///   - configurations: The configurations of this invocation (a shard, or all).
  ///   - ledger: What the store holds for the sweep's experiment.
  /// - Complexity: O(configurations + stored runs).
  public init(configurations: [SweepConfiguration], ledger: SweepLedger) {
    entries = []
    toTrain = []
    crashedRunIDs = []
    for c in configurations {
      let (decision, dead) = ledger.decide(key: c.key)
      switch decision {
      case .done(let id): entries.append((c, .skipDone(runID: id)))
      case .inProgressElsewhere(let id): entries.append((c, .skipTrainingElsewhere(runID: id)))
      case .train(let failures):
        entries.append((c, .train(previousFailures: failures)))
        toTrain.append(c)
        crashedRunIDs += dead
      }
    }
  }
}

extension SweepProgressMonitor {
  /// The id the next run recorded in the store will get (its largest run id + 1): the first
  /// run the progress line counts as this invocation's.
  ///
  /// - Throws: `DatabaseError`.
  public static func nextRunID(database: Database) throws -> Int64 {
    (try database.scalar(sql: "SELECT coalesce(max(id), 0) + 1 FROM run").int64Value) ?? 1
  }
}
