import StepTreeCore

/// Settings shared by the exporters; each format reads the ones it needs.
public struct ExportOptions: Sendable {
    /// The value definition for formats that take one (`ExportFormat.takesValue`). Default MC.
    public var value: ValueKind = .mc
    /// A step is labelled positive when its value is above this. Default: 0 for MC (a step is
    /// good when some rollout below it succeeds: Math-Shepherd's hard estimation), 0.5 otherwise.
    public var threshold: Double?
    /// Least value difference of a preference pair. Default 0.5 (rStar-Math's `step_margin`).
    public var margin: Double = 0.5
    /// Divide outcome advantages by the group's standard deviation (GRPO). Default true.
    public var normalizeAdvantages = true
    /// omegaprm: keep only prefixes with at least this many rollouts below. Default 1.
    public var minRollouts = 1
    /// omegaprm: drop samples of the larger label class until both are equal (OmegaPRM's
    /// balancing). Default false.
    public var balance = false
    /// sft: traces per problem at most. Default 1.
    public var top = 1
    /// verl `data_source`; default `steptree/<preset>`.
    public var dataSource: String?
    /// verl `ability`. Default "math".
    public var ability = "math"
    /// verl `extra_info.split`. Default "train".
    public var split = "train"

    public init() {}

    /// The label threshold in effect.
    public var effectiveThreshold: Double { threshold ?? (value == .mc ? 0 : 0.5) }
}
