/// Why a sweep could not be planned: bad grid text, a bad sweep file, a bad shard or preset.
///
/// Every case names the offending value; ``hint`` says what to do about it. The CLI prints
/// `Error: <description>` then `Hint: <hint>`.
public enum SweepPlanningError: Error, Equatable, Sendable, CustomStringConvertible {
  /// `--grid` text that does not have the shape `axis=v1,v2;axis=v1`.
  case malformedGrid(text: String, problem: String)
  /// An axis name that gapdb does not know.
  case unknownAxis(name: String)
  /// A value that is not valid for its axis.
  case invalidValue(axis: String, value: String, expected: String)
  /// The same axis given twice (in a grid text, or both fixed and varied in a file).
  case duplicateAxis(name: String)
  /// An axis with no values (`width=` or `width = []`).
  case emptyAxis(name: String)
  /// Two axes that cannot be used together (`hidden_layout` with `depth` or `width`).
  case conflictingAxes(String, String)
  /// A value repeated within one axis (`width=64,64`), which would duplicate runs.
  case repeatedValue(axis: String, value: String)
  /// A sweep whose cartesian product has more than `limit` configurations; `axisSizes`
  /// lists each varied axis with its number of values (`width 12`).
  case tooManyConfigurations(axisSizes: [String], limit: Int)
  /// A sweep file with nothing in it (no name, no fixed values, no axes).
  case emptyFile(path: String)
  /// A sweep file that could not be read.
  case unreadableFile(path: String, reason: String)
  /// A sweep file whose extension is not `.toml`, `.json`, `.yaml` or `.yml`.
  case unsupportedFileExtension(path: String)
  /// A sweep file that the TOML/JSON/YAML parser rejected, or of the wrong shape.
  case malformedFile(path: String, format: String, problem: String)
  /// A top-level key in a sweep file that gapdb does not know.
  case unknownFileKey(path: String, key: String)
  /// `--shard` text that is not `i/n` with 0 ≤ i < n.
  case malformedShard(text: String)
  /// A preset name that does not exist.
  case unknownPreset(name: String)

  public var description: String {
    let base: String
    switch self {
    case .malformedGrid(let text, let problem):
      base = "Bad --grid text '\(text)': \(problem)."
    case .unknownAxis(let name):
      base = "Unknown sweep axis '\(name)'."
    case .invalidValue(let axis, let value, let expected):
      base = "Bad value '\(value)' for axis \(axis): expected \(expected)."
    case .duplicateAxis(let name):
      base = "Axis '\(name)' is given more than once."
    case .emptyAxis(let name):
      base = "Axis '\(name)' has no values."
    case .conflictingAxes(let a, let b):
      base = "Axes '\(a)' and '\(b)' cannot be used together."
    case .repeatedValue(let axis, let value):
      base = "Value '\(value)' appears twice on axis \(axis)."
    case .tooManyConfigurations(let sizes, let limit):
      base = "The sweep has more than \(limit) configurations (\(sizes.joined(separator: " × ")))."
    case .emptyFile(let path):
      base = "Sweep file '\(path)' is empty: it names no axis and no fixed value."
    case .unreadableFile(let path, let reason):
      let trimmed = reason.hasSuffix(".") ? String(reason.dropLast()) : reason
      base = "Cannot read sweep file '\(path)': \(trimmed)."
    case .unsupportedFileExtension(let path):
      base = "Sweep file '\(path)' has an unsupported extension."
    case .malformedFile(let path, let format, let problem):
      base = "Sweep file '\(path)' is not a valid \(format) sweep: \(problem)"
    case .unknownFileKey(let path, let key):
      base = "Sweep file '\(path)' has an unknown top-level key '\(key)'."
    case .malformedShard(let text):
      base = "Bad --shard '\(text)': expected i/n with 0 ≤ i < n."
    case .unknownPreset(let name):
      base = "Unknown preset '\(name)'."
    }
    return base
  }

  /// What to do about the error (one line).
  public var hint: String {
    let axes = SweepAxis.allCases.map(\.rawValue).joined(separator: ", ")
    switch self {
    case .malformedGrid:
      return "Write axes as name=value,value separated by ';', e.g. --grid \"width=64,256;label_noise=0,1\"."
    case .unknownAxis: return "Known axes: \(axes)."
    case .invalidValue: return "Fix the value; --grid values are separated by ','."
    case .duplicateAxis: return "List each axis once, with all its values."
    case .emptyAxis: return "Give at least one value, e.g. width=256."
    case .conflictingAxes:
      return "Use hidden_layout (e.g. 512x256) alone, or depth and width (a uniform layout)."
    case .repeatedValue: return "Remove the repeated value."
    case .tooManyConfigurations: return "Use fewer values per axis, or split the study into several sweeps."
    case .emptyFile:
      return "A sweep file needs a [grid] table (axis = [values]) or a [fixed] table, e.g. [grid] width = [64, 256]."
    case .unreadableFile: return "Check the path and permissions."
    case .unsupportedFileExtension:
      return "Name the file *.toml, *.json, *.yaml or *.yml."
    case .malformedFile:
      return "A sweep file has 'name' (text), 'fixed' (axis = value) and 'grid' (axis = [values])."
    case .unknownFileKey:
      return "Top-level keys are name, fixed and grid; axes go inside [fixed] or [grid]."
    case .malformedShard:
      return "Use --shard $SLURM_ARRAY_TASK_ID/N with a Slurm array --array=0-(N-1)."
    case .unknownPreset:
      return "Presets: \(SweepPreset.allCases.map(\.rawValue).joined(separator: ", "))."
    }
  }
}
