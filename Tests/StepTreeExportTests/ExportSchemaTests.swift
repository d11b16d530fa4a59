import Foundation
import StepTreeCore
import StepTreeExport
import Testing

/// Each format against the example row written in reference/ecosystem.md §2 (and peers.md §2.2
/// for OmegaPRM samples), then its values against the hand tree's.
@Suite struct ExportSchemaTests {
    typealias F = ExportFixture

    func rows(_ format: ExportFormat, _ configure: (inout ExportOptions) -> Void = { _ in }) throws -> [ExportRow] {
        var o = ExportOptions()
        configure(&o)
        return try Exporter.rows(F.handTrees(), format: format, options: o)
    }

    @Test func trlPRMRowsMatchTheStepwiseExample() throws {
        let example = F.json("""
            {"prompt": "Which number is larger, 9.8 or 9.11?",
             "completions": ["The fractional part of 9.8 is 0.8.", "The fractional part of 9.11 is 0.11.", "0.11 is greater than 0.8.", "Hence, 9.11 > 9.8."],
             "labels": [true, true, false, false]}
            """)
        let rows = try rows(.trlPRM)
        #expect(rows.count == 3)
        for r in rows { F.expectConforms(.object(r), to: example) }
        // Steps without their delimiter, which is recorded; MC labels are hard (MC > 0) by default.
        #expect(rows[0]["completions"] == ["a", "answer: 1"])
        #expect(rows[0]["step_separator"] == "\n")
        #expect(rows[0]["labels"] == [true, true])
        #expect(rows[1]["labels"] == [true, false])
        #expect(rows[2]["labels"] == [false, false, false])
        #expect(rows[1]["values"] == [0.5, 0])
        let strict = try self.rows(.trlPRM) { $0.threshold = 0.5 }
        #expect(strict[1]["labels"] == [false, false])
        let prm = try self.rows(.trlPRM) { $0.value = .prm }
        // #6 has no step score: its path has no complete PRM labelling and is left out.
        #expect(prm.count == 2 && prm[0]["labels"] == [true, true] && prm[1]["labels"] == [true, false])
    }

    @Test func mathShepherdRowsTagEveryStep() throws {
        let example = F.json("""
            {"input": "If Buzz bought a pizza with 78 slices ... Step 1: The total ratio representing the pizza is 5+8 = <<5+8=13>>13. ки\\nStep 2: ... ки",
             "label": "If Buzz bought a pizza with 78 slices ... Step 1: The total ratio representing the pizza is 5+8 = <<5+8=13>>13. +\\nStep 2: ... -",
             "task": "GSM8K"}
            """)
        let rows = try rows(.mathShepherd)
        for r in rows { F.expectConforms(.object(r), to: example) }
        #expect(rows[1]["input"] == "nums: 1 2 target: 3\na ки\nanswer: 2 ки")
        #expect(rows[1]["label"] == "nums: 1 2 target: 3\na +\nanswer: 2 -")
        #expect(rows[1]["task"] == "countdown")
    }

    @Test func trlDPORowsCompleteBothSides() throws {
        let example = F.json(#"{"prompt": "The sky is", "chosen": " blue.", "rejected": " green."}"#)
        let rows = try rows(.trlDPO)
        #expect(rows.count == 2)
        for r in rows { F.expectConforms(.object(r), to: example) }
        #expect(rows[0]["prompt"] == "nums: 1 2 target: 3\n")
        #expect(rows[0]["chosen"] == "a\nanswer: 1\n" && rows[0]["rejected"] == "b\nc\nanswer: 3\n")
        #expect(rows[1]["prompt"] == "nums: 1 2 target: 3\na\n" && rows[1]["chosen"] == "answer: 1\n")
        #expect(try self.rows(.trlDPO) { $0.margin = 0.6 }.count == 1)
    }

    @Test func verlRowsHaveTheFiveFields() throws {
        let example = F.json("""
            {"data_source": "openai/gsm8k",
             "prompt": [{"role": "user", "content": "Natalia sold clips ..."}],
             "ability": "math",
             "reward_model": {"style": "rule", "ground_truth": "72"},
             "extra_info": {"split": "train", "index": 0, "answer": "Natalia sold 48/2 = ...", "question": "Natalia sold clips ..."}}
            """)
        let rows = try rows(.verl)
        #expect(rows.count == 1)
        // `answer` and `question` are the GSM8K preprocessing script's own extras; ours are the tree's.
        var ex = example.object!
        ex["extra_info"] = ["split": "train", "index": 0]
        F.expectConforms(.object(rows[0]), to: .object(ex))
        #expect(rows[0]["reward_model"]?["ground_truth"] == "3")
        #expect(rows[0]["extra_info"]?["pass_rate"]?.number.map { abs($0 - 1.0 / 3) < 1e-9 } == true)
        #expect(rows[0]["data_source"] == "steptree/countdown")
    }

    @Test func omegaPRMSamplesKeepTheirInvariantAndProvenance() throws {
        let example = F.json("""
            {"question": "q", "parent_prefix": "s1\\n", "step": "s2\\n", "prefix": "s1\\ns2\\n", "parent_id": 1, "child_id": 2,
             "step_tokens": 3, "label": 0.5, "hard_label": true, "mc_source": "monte_carlo", "n_correct": 4, "n_rollouts": 8,
             "problem_id": "p", "sample_id": "p/2", "gold_answer": "3", "tree_rollouts": 8, "tree_generated_tokens": 120}
            """)
        let rows = try rows(.omegaprm)
        #expect(rows.count == 6)
        for r in rows {
            F.expectConforms(.object(r), to: example)
            #expect(r["parent_prefix"]!.string! + r["step"]!.string! == r["prefix"]!.string!)
            #expect(r["label"]!.number! == r["n_correct"]!.number! / r["n_rollouts"]!.number!)
        }
        let a = try #require(rows.first { $0["child_id"] == 1 })
        #expect(a["n_rollouts"] == 2 && a["n_correct"] == 1 && a["hard_label"] == true && a["mc_source"] == "monte_carlo")
        #expect(rows.first { $0["child_id"] == 3 }?["mc_source"] == "terminal_answer")
        #expect(try self.rows(.omegaprm) { $0.minRollouts = 2 }.count == 1)
        // Balanced: two positives (A, #3) and four negatives → two of each.
        let balanced = try self.rows(.omegaprm) { $0.balance = true }
        #expect(balanced.count == 4 && balanced.filter { $0["hard_label"] == true }.count == 2)
    }

    @Test func tokenAdvantageRowsAlignTokensAdvantagesAndMasks() throws {
        let rows = try rows(.tokenAdvantages)
        #expect(rows.count == 3)
        for r in rows {
            let n = r["token_ids"]!.array!.count
            #expect(n > 0)
            for k in ["advantages", "divergent_mask", "branch_mask"] { #expect(r[k]!.array!.count == n, "\(k)") }
            #expect(r["step_ends"]!.array!.last!.number! == Double(n))
            #expect(r["prompt_token_ids"] == [7, 8])
        }
        #expect(rows[0]["divergent_mask"]!.array!.prefix(2) == [0, 0])
    }

    @Test func sftRowsAreTheBestCorrectTraces() throws {
        let example = F.json(#"{"prompt": "p", "completion": "c"}"#)
        let rows = try rows(.sft)
        #expect(rows.count == 1)
        F.expectConforms(.object(rows[0]), to: example)
        #expect(rows[0]["completion"] == "a\nanswer: 1\n")
    }

    @Test func everyRowIsOneLineOfValidJSON() throws {
        for f in ExportFormat.allCases {
            for r in try rows(f) {
                let data = try Exporter.encode(r)
                #expect(!data.contains(UInt8(ascii: "\n")))
                #expect(try JSONDecoder().decode(JSON.self, from: data) == .object(r), "\(f.rawValue)")
            }
        }
    }
}
