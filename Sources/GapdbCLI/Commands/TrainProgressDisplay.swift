import ExperimentRunner
import FeedForward
import Foundation
import TabularOutput

/// Renders training progress on stderr: a redrawn bar on a terminal, one line per epoch otherwise.
final class ProgressDisplay {
  private let isEnabled: Bool
  private let isTerminal: Bool
  private var maxEpochs = 0
  private var lastDraw = ContinuousClock.now
  private let start = ContinuousClock.now
  private var stepsDone = 0
  private var totalSteps = 0
  private var lastEpochLine = ""
  private var hasBar = false

  init(isEnabled: Bool, isTerminal: Bool) {
    self.isEnabled = isEnabled
    self.isTerminal = isTerminal
  }

  func handle(_ event: TrainingRunEvent) {
    guard isEnabled else { return }
    switch event {
    case .started(let runID, let runName, let trainCount, let testCount, let sizes, let maxEpochs):
      self.maxEpochs = maxEpochs
      writeStandardError(
        "run \(runID) '\(runName)': \(sizes.map(String.init).joined(separator: "-")) on \(trainCount) training / \(testCount) test examples, up to \(maxEpochs) epochs\n"
      )
    case .step(let step):
      stepsDone = step.optimizerSteps
      totalSteps = Self.totalSteps(stepsPerEpoch: step.stepsPerEpoch, maxEpochs: maxEpochs)
      guard isTerminal, ContinuousClock.now - lastDraw > .milliseconds(200) else { return }
      lastDraw = .now
      let fraction = Double(step.stepInEpoch) / Double(max(step.stepsPerEpoch, 1))
      let width = 24
      let filled = Int(fraction * Double(width))
      let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
      writeStandardError(
        "\r\u{1B}[Kepoch \(step.epoch)/\(maxEpochs) [\(bar)] batch loss \(fixed(step.batchLoss, 4)) ETA \(eta())")
      hasBar = true
    case .epochRecorded(let e):
      var line = "epoch \(e.epoch)/\(e.maxEpochs)  train loss \(fixed(e.trainLoss, 4)) err \(fixed(e.trainError, 4))"
      if let tl = e.testLoss, let te = e.testError { line += "  test loss \(fixed(tl, 4)) err \(fixed(te, 4))" }
      line += e.isMeasured ? "  measured" : ""
      line += "  \(fixed(e.elapsedSeconds, 1)) s"
      if e.epoch > 0 && !e.isFinal { line += "  ETA \(eta())" }
      writeStandardError((hasBar ? "\r\u{1B}[K" : "") + line + "\n")
      hasBar = false
    case .perturbationSuiteStarted(let epoch, let examples):
      writeStandardError(
        (hasBar ? "\r\u{1B}[K" : "")
          + "epoch \(epoch): perturbation measures (PAC-Bayes, sharpness, Keskar, gradient noise) on \(examples) examples; this can take minutes (Ctrl-C stops the run, --no-perturb skips them)\n"
      )
      hasBar = false
    }
  }

  /// Steps of the whole run, saturating at `Int.max`: the product only feeds the ETA and must
  /// never trap, whatever --epochs says.
  static func totalSteps(stepsPerEpoch: Int, maxEpochs: Int) -> Int {
    let (product, overflow) = stepsPerEpoch.multipliedReportingOverflow(by: maxEpochs)
    return overflow ? Int.max : product
  }

  func finish() {
    if isEnabled && hasBar { writeStandardError("\n") }
  }

  private func eta() -> String {
    guard stepsDone > 0, totalSteps > stepsDone else { return "--" }
    let elapsed = (ContinuousClock.now - start)
    let seconds = Double(elapsed.components.seconds) * Double(totalSteps - stepsDone) / Double(stepsDone)
    guard seconds.isFinite, seconds < 360_000_000 else { return "--" }  // Int(seconds) must not trap
    let s = Int(seconds.rounded())
    return s >= 3600 ? "\(s / 3600)h\(s % 3600 / 60)m" : s >= 60 ? "\(s / 60)m\(s % 60)s" : "\(s)s"
  }
}

private func fixed(_ v: Double, _ digits: Int) -> String {
  v.isFinite ? String(format: "%.\(digits)f", v) : formatDouble(v)
}
