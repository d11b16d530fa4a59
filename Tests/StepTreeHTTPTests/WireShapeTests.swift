import Foundation
import StepTreeCore
import Testing
@testable import StepTreeHTTP

/// Request bodies and answer parsing against the shapes recorded in ecosystem.md §1.1 and §1.6
/// and countdown-probe.md §6.
@Suite struct WireShapeTests {
    let step = StepRequest(id: 7, prefix: [PrefixSegment(text: "nums: 3 7 25 4 target: 61\n", key: .init(problem: 0, node: 0))],
                           samples: 4, sampling: .init(temperature: 0.8, topK: 0, topP: 0.95, minP: 0),
                           stop: "\n\n", maxTokens: 512, seed: 1234)

    @Test func vllmBodyHasTheContinuationFields() {
        let body = OpenAIWire(capabilities: .vllm).body(prompt: .tokens([151_644, 8948]), request: step, samples: 4, seed: 99,
                                                        options: .init(model: "Qwen/Qwen2.5-Math-7B-Instruct"))
        #expect(body["model"] == "Qwen/Qwen2.5-Math-7B-Instruct")
        #expect(body["prompt"] == [151_644, 8948])
        #expect(body["n"] == 4)
        #expect(body["max_tokens"] == 512)
        #expect(body["stop"] == ["\n\n"])
        #expect(body["include_stop_str_in_output"] == true)
        #expect(body["logprobs"] == 1)
        #expect(body["seed"] == 99)
        #expect(body["return_token_ids"] == true)
        #expect(body["temperature"] == 0.8)
        #expect(body["top_p"] == 0.95)
        #expect(body["repeat_penalty"] == nil)
    }

    @Test func sglangKeepsTheStopWithNoStopTrimAndFansOut() {
        let body = OpenAIWire(capabilities: .sglang).body(prompt: .text("x"), request: step, samples: 1, seed: 5, options: .init())
        #expect(body["no_stop_trim"] == true)
        #expect(body["include_stop_str_in_output"] == nil)
        #expect(body["n"] == nil)
        #expect(body["model"] == nil)
    }

    @Test func llamaCppPythonGetsNeutralSamplersAndAlwaysLogprobs() {
        let neutral = StepRequest(id: 1, prefix: step.prefix)
        let body = OpenAIWire(capabilities: .llamaCppPython).body(prompt: .text("nums: 1\n"), request: neutral, samples: 1, seed: 5,
                                                                  options: .init(logprobs: false))
        #expect(body["top_k"] == 0)
        #expect(body["top_p"] == 1)
        #expect(body["min_p"] == 0)
        #expect(body["repeat_penalty"] == 1)
        // Logprob pieces are the only way to tell its stop from an end of sequence.
        #expect(body["logprobs"] == 1)
        #expect(body["n"] == nil)
        #expect(body["prompt"] == "nums: 1\n")
    }

    @Test func vllmAnswerKeepsOrderTokensLogprobsAndCost() throws {
        let answer = try JSON.decode(Data(#"""
        {"id":"cmpl-1","object":"text_completion","created":1,"model":"m",
         "choices":[
          {"index":1,"text":"The answer","logprobs":null,"finish_reason":"length","stop_reason":null,"token_ids":[785,4226]},
          {"index":0,"text":"Step 1: 12*13 = 156.\n\n","logprobs":{"text_offset":[0,4],"token_logprobs":[-0.1,-0.25],
            "tokens":["Step"," 1"],"top_logprobs":[{"Step":-0.1},{" 1":-0.25}]},
           "finish_reason":"stop","stop_reason":"\n\n","token_ids":[8304,220]},
          {"index":2,"text":"\\boxed{156}","finish_reason":"stop","stop_reason":null,"token_ids":[59,151645]}],
         "usage":{"prompt_tokens":26,"completion_tokens":6,"total_tokens":32,"prompt_tokens_details":{"cached_tokens":16}}}
        """#.utf8))
        let (samples, cost) = try OpenAIWire(capabilities: .vllm).parse(answer, request: step)
        #expect(samples.map(\.text) == ["Step 1: 12*13 = 156.\n\n", "The answer", "\\boxed{156}"])
        #expect(samples.map(\.finish) == [.stop, .length, .endOfSequence])
        #expect(samples[0].tokens == [8304, 220])
        #expect(samples[0].logprobs == [-0.1, -0.25])
        #expect(samples[1].logprobs == nil)
        #expect(cost == GenerationCost(generatedTokens: 6, forwardTokens: 26 - 16 + 6))
    }

    @Test func sglangMatchedStopTokenIdIsEndOfSequence() throws {
        let answer = try JSON.decode(Data(#"""
        {"choices":[{"index":0,"text":"a\n\n","finish_reason":"stop","matched_stop":"\n\n"},
                    {"index":1,"text":"done","finish_reason":"stop","matched_stop":151645}],
         "usage":{"prompt_tokens":3,"completion_tokens":4}}
        """#.utf8))
        let (samples, _) = try OpenAIWire(capabilities: .sglang).parse(answer, request: step)
        #expect(samples.map(\.finish) == [.stop, .endOfSequence])
        #expect(samples.map(\.text) == ["a\n\n", "done"])
    }

    @Test func llamaCppPythonStopIsReappendedFromLogprobPieces() throws {
        // As measured: the stop is cut from text, its token stays in logprobs; EOS leaves no token.
        let line = StepRequest(id: 2, prefix: step.prefix, stop: "\n")
        let stopped = try JSON.decode(Data(#"""
        {"choices":[{"text":"step: 25 + 4 = 29 | 3 7 29","index":0,"logprobs":{"tokens":["step: 25 + 4 = 29 | 3 7 29","\n"],
          "text_offset":[26,52],"token_logprobs":[-0.5,-0.01],"top_logprobs":[{},{}]},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":27,"completion_tokens":2,"total_tokens":29}}
        """#.utf8))
        let ended = try JSON.decode(Data(#"""
        {"choices":[{"text":"","index":0,"logprobs":{"tokens":[],"text_offset":[],"token_logprobs":[],"top_logprobs":[]},
          "finish_reason":"stop"}],"usage":{"prompt_tokens":40,"completion_tokens":0,"total_tokens":40}}
        """#.utf8))
        let wire = OpenAIWire(capabilities: .llamaCppPython)
        let a = try wire.parse(stopped, request: line).samples[0]
        #expect(a.text == "step: 25 + 4 = 29 | 3 7 29\n")
        #expect(a.finish == .stop)
        #expect(a.logprobs == [-0.5, -0.01])
        #expect(a.tokens == nil)
        let b = try wire.parse(ended, request: line).samples[0]
        #expect(b.text == "")
        #expect(b.finish == .endOfSequence)
    }

    @Test func llamaServerBodyAndAnswer() throws {
        let body = LlamaServerWire().body(prompt: .tokens([1, 2, 3]), request: step, samples: 1, seed: 42, options: .init())
        #expect(body["prompt"] == [1, 2, 3])
        #expect(body["n_predict"] == 512)
        #expect(body["cache_prompt"] == true)
        #expect(body["return_tokens"] == true)
        #expect(body["n_probs"] == 1)
        #expect(body["repeat_penalty"] == 1)
        #expect(body["seed"] == 42)
        let answer = try JSON.decode(Data(#"""
        {"index":0,"content":"Step 1: 156.","tokens":[8304,220,16],"id_slot":0,"stop":true,"model":"m",
         "tokens_predicted":3,"tokens_evaluated":12,"stop_type":"word","stopping_word":"\n\n","tokens_cached":11,
         "timings":{"prompt_n":1,"predicted_n":3},
         "completion_probabilities":[{"id":8304,"token":"Step","logprob":-0.1,"bytes":[83],"top_logprobs":[]},
          {"id":220,"token":" 1","logprob":-0.2,"bytes":[32],"top_logprobs":[]},{"id":16,"token":": 156.","logprob":-0.3,"bytes":[58],"top_logprobs":[]}]}
        """#.utf8))
        let (samples, cost) = try LlamaServerWire().parse(answer, request: step)
        #expect(samples[0].text == "Step 1: 156.\n\n")
        #expect(samples[0].finish == .stop)
        #expect(samples[0].tokens == [8304, 220, 16])
        #expect(samples[0].logprobs == [-0.1, -0.2, -0.3])
        #expect(cost == GenerationCost(generatedTokens: 3, forwardTokens: 4))
        let limited = try JSON.decode(Data(#"{"content":"Step","stop_type":"limit","tokens":[]}"#.utf8))
        let l = try LlamaServerWire().parse(limited, request: step).samples[0]
        #expect(l.finish == .length)
        #expect(l.tokens == nil)
    }

    @Test func ollamaBodyAndAnswer() throws {
        let body = OllamaWire().body(prompt: .text("nums: 1\n"), request: step, samples: 1, seed: 9, options: .init(model: "countdown"))
        #expect(body["raw"] == true)
        #expect(body["stream"] == false)
        #expect(body["model"] == "countdown")
        #expect(body["options"]?["num_predict"] == 512)
        #expect(body["options"]?["stop"] == ["\n\n"])
        #expect(body["options"]?["seed"] == 9)
        #expect(body["logprobs"] == true)
        let answer = try JSON.decode(Data(#"""
        {"model":"countdown","response":"Step 1","done":true,"done_reason":"stop","eval_count":3,"prompt_eval_count":5,
         "logprobs":[{"token":"Step","logprob":-0.5},{"token":" 1","logprob":-0.25},{"token":"\n\n","logprob":-0.125}]}
        """#.utf8))
        let (samples, cost) = try OllamaWire().parse(answer, request: step)
        #expect(samples[0].text == "Step 1\n\n")
        #expect(samples[0].finish == .stop)
        #expect(samples[0].logprobs == [-0.5, -0.25, -0.125])
        #expect(cost == GenerationCost(generatedTokens: 3, forwardTokens: 8))
    }

    @Test func malformedAnswersAreErrorsNamingTheField() {
        #expect(throws: HTTPGeneratorError.self) {
            try OpenAIWire(capabilities: .vllm).parse(["object": "error"], request: step)
        }
        #expect(throws: HTTPGeneratorError.self) { try LlamaServerWire().parse(["error": "x"], request: step) }
        #expect(throws: HTTPGeneratorError.self) { try OllamaWire().parse(["error": "x"], request: step) }
    }
}
