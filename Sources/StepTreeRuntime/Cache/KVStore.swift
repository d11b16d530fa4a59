/// The key/value rows of every cached token, per layer: `layers × capacity × kvDim` floats for K
/// and the same for V. A row is one token's keys (or values) for all KV heads. Rows are handed
/// out and taken back by index, so tree nodes can own scattered rows; the pool grows by doubling
/// up to `maxRows`.
final class KVStore {
    let layers: Int
    let kvDim: Int
    /// The most rows this store may hold (from the memory cap).
    let maxRows: Int
    private(set) var capacity = 0
    private(set) var keys: [UnsafeMutablePointer<Float>]
    private(set) var values: [UnsafeMutablePointer<Float>]
    private var freeRows: [Int32] = []

    init(layers: Int, kvDim: Int, maxRows: Int) {
        self.layers = layers
        self.kvDim = kvDim
        self.maxRows = maxRows
        keys = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: 1) }
        values = (0..<layers).map { _ in UnsafeMutablePointer<Float>.allocate(capacity: 1) }
    }

    deinit { for p in keys + values { p.deallocate() } }

    /// Bytes one row costs across all layers, K and V.
    var bytesPerRow: Int { layers * kvDim * 2 * MemoryLayout<Float>.size }
    /// Rows currently owned by someone.
    var usedRows: Int { capacity - freeRows.count }
    /// Rows that can still be handed out before the cap.
    var availableRows: Int { freeRows.count + (maxRows - capacity) }

    /// Hands out `n` rows, or nil when the cap leaves fewer than `n`.
    /// - Complexity: O(n) amortised (a growth copies the pool).
    func allocate(_ n: Int) -> [Int32]? {
        guard n <= availableRows else { return nil }
        if freeRows.count < n { grow(toAtLeast: capacity + n - freeRows.count) }
        let rows = Array(freeRows.suffix(n).reversed())
        freeRows.removeLast(n)
        return rows
    }

    /// Takes rows back.
    func free(_ rows: [Int32]) {
        freeRows.append(contentsOf: rows.reversed())
    }

    private func grow(toAtLeast needed: Int) {
        let newCapacity = min(maxRows, max(needed, capacity * 2, 64))
        let oldCapacity = capacity
        func regrow(_ old: UnsafeMutablePointer<Float>) -> UnsafeMutablePointer<Float> {
            let fresh = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * kvDim)
            fresh.update(from: old, count: oldCapacity * kvDim)
            old.deallocate()
            return fresh
        }
        keys = keys.map(regrow)
        values = values.map(regrow)
        // Hand out low indices first so a node's rows tend to be contiguous.
        freeRows.append(contentsOf: (capacity..<newCapacity).reversed().map { Int32($0) })
        capacity = newCapacity
    }
}
