import Foundation
import StepTreeTestSupport

/// A fresh directory under the system temporary directory, removed by `remove()`.
struct TempDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "steptree-store-\(UUID().uuidString)"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    func file(_ name: String, _ contents: String? = nil) -> String {
        let p = path + "/" + name
        if let contents { try! contents.write(toFile: p, atomically: true, encoding: .utf8) }
        return p
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// The repository root (for Examples/).
var repositoryRoot: String { TestPaths.packageRoot }
