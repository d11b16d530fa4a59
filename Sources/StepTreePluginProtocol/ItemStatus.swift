/// Whether a verdict could be reached for an item. Only `ok` is a correct/wrong signal.
public enum ItemStatus: String, Hashable, Sendable, CaseIterable {
    /// Judged: `score` is the verdict (0 wrong ... 1 correct).
    case ok
    /// The answer could not be extracted or read (a format failure, not infrastructure).
    case unparseable
    /// The plugin ran out of time for this item.
    case timeout
    /// The plugin failed for this item (a bug or a missing resource, not a verdict).
    case error
}
