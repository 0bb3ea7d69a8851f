import Foundation
import LinearAlgebra

/// Loading image-classification datasets stored as four IDX files (MNIST, Fashion-MNIST, KMNIST…).
public enum IDXDataset {
  /// Where Debian's `dataset-fashion-mnist` package installs Fashion-MNIST.
  public static let defaultFashionMNISTDirectory = "/usr/share/datasets/fashion-mnist"

  /// The base names of the four files, in the order train images, train labels, test images,
  /// test labels. Each is looked up with `.gz` first, then without; the dotted variant
  /// (`train-images.idx3-ubyte`, as some mirrors name MNIST) is accepted too.
  public static let baseNames = [
    "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
  ]

  /// Finds the file for `baseName` in `directory`.
  /// - Throws: ``DatasetError/missingFile(directory:tried:)`` listing every name tried.
  static func locate(_ baseName: String, in directory: String) throws -> String {
    let dotted = baseName.replacingOccurrences(of: "-idx", with: ".idx")
    let candidates = [baseName + ".gz", baseName, dotted + ".gz", dotted]
    for name in candidates {
      let path = (directory as NSString).appendingPathComponent(name)
      if FileManager.default.isReadableFile(atPath: path) { return path }
    }
    throw DatasetError.missingFile(directory: directory, tried: candidates)
  }

  /// Reads one split: an images file (count, rows, columns…) and a labels file (count).
  ///
  /// Image pixels are converted to `Float` unchanged (0…255 for unsigned bytes); scale them
  /// with ``FeatureScaling``.
  ///
  /// - Parameters:
  ///   - imagesPath: IDX file with ≥ 2 dimensions; axis 0 is the example.
  ///   - labelsPath: IDX file with 1 dimension.
  ///   - classCount: The number of classes k; every label must lie in `0..<k`.
  /// - Returns: A dataset with features of shape (count, product of the other dimensions).
  /// - Throws: ``DatasetError`` for unreadable, malformed or truncated files,
  ///   ``DatasetError/countMismatch(imagesPath:imageCount:labelsPath:labelCount:)`` and
  ///   ``DatasetError/labelOutOfRange(path:index:label:classCount:)``.
  /// - Complexity: O(file sizes).
  public static func loadSplit(imagesPath: String, labelsPath: String, classCount: Int) throws -> LabeledDataset {
    let images = try IDXArray(contentsOf: imagesPath)
    let labelArray = try IDXArray(contentsOf: labelsPath)
    guard images.dimensions.count >= 2 else {
      throw DatasetError.unexpectedShape(
        path: imagesPath, dimensions: images.dimensions, expected: "(count, rows, columns) images")
    }
    guard labelArray.dimensions.count == 1 else {
      throw DatasetError.unexpectedShape(
        path: labelsPath, dimensions: labelArray.dimensions, expected: "(count) labels")
    }
    let count = images.dimensions[0]
    guard count == labelArray.dimensions[0] else {
      throw DatasetError.countMismatch(
        imagesPath: imagesPath, imageCount: count, labelsPath: labelsPath, labelCount: labelArray.dimensions[0])
    }
    let labels = try checkedLabels(labelArray.doubleValues(), classCount: classCount, path: labelsPath)
    let featureCount = images.dimensions.dropFirst().reduce(1, *)
    let features = Matrix(rows: count, columns: featureCount, elements: images.floatValues())
    return LabeledDataset(features: features, labels: labels, classCount: classCount)
  }

  /// Reads the training and test splits from a folder holding the four standard IDX files.
  ///
  /// - Parameters:
  ///   - directory: The folder; `nil` means ``defaultFashionMNISTDirectory``.
  ///   - classCount: The number of classes (10 for MNIST and Fashion-MNIST).
  /// - Returns: Unscaled training (60,000 for Fashion-MNIST) and test (10,000) sets.
  /// - Throws: ``DatasetError/missingFile(directory:tried:)`` and the errors of
  ///   ``loadSplit(imagesPath:labelsPath:classCount:)``.
  public static func load(directory: String? = nil, classCount: Int = 10) throws -> DataSplit {
    let dir = directory ?? defaultFashionMNISTDirectory
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw DatasetError.unreadableFile(path: dir, reason: "no such directory")
    }
    let paths = try baseNames.map { try locate($0, in: dir) }
    let train = try loadSplit(imagesPath: paths[0], labelsPath: paths[1], classCount: classCount)
    let test = try loadSplit(imagesPath: paths[2], labelsPath: paths[3], classCount: classCount)
    guard train.featureCount == test.featureCount else {
      throw DatasetError.featureCountMismatch(trainCount: train.featureCount, testCount: test.featureCount)
    }
    let name = dir == defaultFashionMNISTDirectory ? "fashion-mnist" : (dir as NSString).lastPathComponent
    return DataSplit(train: train, test: test, sourceName: name, sourceLocation: dir)
  }
}

/// Converts label values to class indices, rejecting non-integers and values outside 0..<k.
func checkedLabels(_ values: [Double], classCount: Int, path: String) throws -> [Int] {
  var labels = [Int](repeating: 0, count: values.count)
  for (i, v) in values.enumerated() {
    guard v >= 0, v < Double(classCount), v == v.rounded(.down) else {
      throw DatasetError.labelOutOfRange(path: path, index: i, label: v, classCount: classCount)
    }
    labels[i] = Int(v)
  }
  return labels
}
