/// The trainer formats `steptree export` writes (reference/ecosystem.md §2).
public enum ExportFormat: String, CaseIterable, Sendable {
    /// TRL `PRMTrainer` stepwise supervision: `prompt`, `completions`, `labels` (bool).
    case trlPRM = "trl-prm"
    /// TRL `DPOTrainer` standard preference rows from sibling step pairs.
    case trlDPO = "trl-dpo"
    /// Math-Shepherd / OpenRLHF PRM rows: `input` with `ки` step tags, `label` with `+`/`-`.
    case mathShepherd = "math-shepherd"
    /// verl RL prompts: `data_source`, `prompt`, `ability`, `reward_model`, `extra_info`.
    case verl
    /// OmegaPRM-style per-prefix samples with provenance (mengfn `samples.jsonl`).
    case omegaprm
    /// Per-token advantages and masks for each rollout (TEMPO, R^3L).
    case tokenAdvantages = "token-advantages"
    /// The best finished traces as TRL prompt-completion rows.
    case sft

    /// One line for `--help`.
    public var summary: String {
        switch self {
        case .trlPRM: return "TRL PRMTrainer rows (prompt, completions, labels; soft values in `values`)"
        case .trlDPO: return "TRL DPOTrainer rows from sibling steps whose values differ by --margin"
        case .mathShepherd: return "Math-Shepherd / OpenRLHF PRM rows (ки tags, +/- labels)"
        case .verl: return "verl prompt rows (JSON lines; the file must be named .json)"
        case .omegaprm: return "OmegaPRM samples: parent_prefix + step == prefix, soft and hard labels, provenance"
        case .tokenAdvantages: return "per-token advantages and shared-prefix / branch masks per rollout"
        case .sft: return "best finished correct traces as prompt / completion rows"
        }
    }

    /// Whether the rows depend on the chosen `--value` (the others use outcomes or MC only).
    public var takesValue: Bool { [.trlPRM, .trlDPO, .mathShepherd, .tokenAdvantages].contains(self) }
}
