/// Per-problem limits. Each is respected exactly: expansions are counted when issued; generated
/// tokens are reserved when issued (each request's `maxTokens` is capped so that the reserved
/// total never exceeds the budget) and the unused part is returned with the result; wall time is
/// checked before issuing and by the driver's clock, and then pending requests are cancelled.
public struct SearchBudget: Codable, Hashable, Sendable {
    /// Generator requests (expansions) per problem; nil for no limit.
    public var maxExpansions: Int?
    /// Tokens generated per problem; nil for no limit.
    public var maxGeneratedTokens: Int?
    /// Wall-clock seconds per problem; nil for no limit.
    public var maxWallSeconds: Double?

    public init(maxExpansions: Int? = nil, maxGeneratedTokens: Int? = nil, maxWallSeconds: Double? = nil) {
        self.maxExpansions = maxExpansions
        self.maxGeneratedTokens = maxGeneratedTokens
        self.maxWallSeconds = maxWallSeconds
    }
}
