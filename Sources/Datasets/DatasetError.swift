/// Why a dataset file could not be read or a data option could not be applied.
///
/// Every case names the offending file or value; ``hint`` says what to do about it. The CLI
/// prints `Error: <description>` followed by `Hint: <hint>`.
public enum DatasetError: Error, Equatable, CustomStringConvertible, Sendable {
  /// The file does not exist or cannot be read.
  case unreadableFile(path: String, reason: String)
  /// The IDX header's magic number is wrong (first two bytes must be zero, then a known type
  /// code, then a dimension count ≥ 1).
  case wrongMagic(path: String, found: UInt32)
  /// The file ended before the header or the payload it announces was complete.
  case truncated(path: String, expectedBytes: Int, actualBytes: Int)
  /// A size announced or implied by a file (IDX dimensions, a CSV label) is beyond what
  /// gapdb can represent or allocate.
  case oversized(path: String, reason: String)
  /// The file holds more bytes than its header announces.
  case trailingBytes(path: String, expectedBytes: Int, actualBytes: Int)
  /// The gzip stream is corrupt or ends early.
  case corruptGzip(path: String, reason: String)
  /// Images and labels disagree on the number of examples.
  case countMismatch(imagesPath: String, imageCount: Int, labelsPath: String, labelCount: Int)
  /// A label file is not one-dimensional, or an image file has fewer than two dimensions.
  case unexpectedShape(path: String, dimensions: [Int], expected: String)
  /// A label lies outside `0..<classCount` (or is not an integer).
  case labelOutOfRange(path: String, index: Int, label: Double, classCount: Int)
  /// A dataset folder lacks one of the four IDX files.
  case missingFile(directory: String, tried: [String])
  /// A CSV file could not be parsed.
  case malformedCSV(path: String, line: Int, reason: String)
  /// A data option is out of range (for example a label-noise fraction outside [0, 1]).
  case invalidOption(name: String, value: String, reason: String)
  /// Training and test features have different widths.
  case featureCountMismatch(trainCount: Int, testCount: Int)

  public var description: String {
    switch self {
    case .unreadableFile(let path, let reason):
      return "cannot read '\(path)': \(reason)"
    case .wrongMagic(let path, let found):
      let hex = String(found, radix: 16, uppercase: true)
      return "'\(path)' is not an IDX file: magic number 0x\(String(repeating: "0", count: max(0, 8 - hex.count)))\(hex)"
        + " (expected 0x0000TTDD: two zero bytes, a type code 08/09/0B/0C/0D/0E, a dimension count)"
    case .truncated(let path, let expected, let actual):
      return "'\(path)' is truncated: expected \(expected) bytes, found \(actual)"
    case .oversized(let path, let reason):
      return "'\(path)' is too large: \(reason)"
    case .trailingBytes(let path, let expected, let actual):
      return "'\(path)' has \(actual - expected) bytes after the \(expected) bytes its IDX header announces"
    case .corruptGzip(let path, let reason):
      return "'\(path)' is not a valid gzip stream: \(reason)"
    case .countMismatch(let imagesPath, let imageCount, let labelsPath, let labelCount):
      return "'\(imagesPath)' holds \(imageCount) examples but '\(labelsPath)' holds \(labelCount) labels"
    case .unexpectedShape(let path, let dimensions, let expected):
      return "'\(path)' has dimensions \(dimensions), expected \(expected)"
    case .labelOutOfRange(let path, let index, let label, let classCount):
      let shown = label == label.rounded() && abs(label) < 1e15 ? String(Int(label)) : String(label)
      return "'\(path)': label \(shown) of example \(index) is outside 0..<\(classCount)"
    case .missingFile(let directory, let tried):
      return "'\(directory)' lacks an IDX file; tried \(tried.joined(separator: ", "))"
    case .malformedCSV(let path, let line, let reason):
      return "'\(path)' line \(line): \(reason)"
    case .invalidOption(let name, let value, let reason):
      return "\(name) \(value) is invalid: \(reason)"
    case .featureCountMismatch(let trainCount, let testCount):
      return "training examples have \(trainCount) features but test examples have \(testCount)"
    }
  }

  /// A one-line suggestion for fixing the problem.
  public var hint: String {
    switch self {
    case .unreadableFile(let path, let reason)
    where reason != "no such directory" && !path.hasSuffix("-ubyte") && !path.hasSuffix("-ubyte.gz"):
      // Neither the IDX folder nor one of its four files: a --csv/--csv-test path.
      return "check the path given to --csv or --csv-test: it must name a readable CSV file"
    case .unreadableFile, .missingFile:
      return "install Fashion-MNIST with `apt-get install dataset-fashion-mnist`, or pass "
        + "--data-dir with a folder holding train-images-idx3-ubyte[.gz], "
        + "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]"
    case .oversized(let path, _) where path.lowercased().hasSuffix(".csv"):
      return "labels must be class indices 0, 1, …, k−1; check the label column (--label-column)"
    case .wrongMagic, .trailingBytes, .unexpectedShape, .oversized:
      return "check that the file is an uncompressed or gzip-compressed IDX file (MNIST format)"
    case .truncated, .corruptGzip:
      return "the download may be incomplete; fetch or reinstall the file"
    case .countMismatch:
      return "pair the images file with the labels file of the same split"
    case .labelOutOfRange:
      return "labels must be integers 0, 1, …, classCount−1; pass the right class count"
    case .malformedCSV:
      return "CSV input needs one header-less or headed row per example: a label column and numeric features"
    case .invalidOption:
      return "see `gapdb train --help` for the allowed range"
    case .featureCountMismatch:
      return "use training and test files with the same columns"
    }
  }
}
