import StepTreeCore
import Testing
@testable import StepTreeHTTP

@Suite struct StopResolverTests {
    @Test func serverThatReportsTheStopKeepsOrGetsTheDelimiter() {
        // Kept by the server (include_stop_str_in_output).
        #expect(StopResolver.resolve(text: "a = 1\n", stop: "\n", lengthLimited: false, stopFired: true, pieces: nil)
                == ("a = 1\n", .stop))
        // Stripped by the server (llama.cpp stopping_word): re-appended.
        #expect(StopResolver.resolve(text: "a = 1", stop: "\n", lengthLimited: false, stopFired: true, pieces: nil)
                == ("a = 1\n", .stop))
        #expect(StopResolver.resolve(text: "answer: 3", stop: "\n", lengthLimited: false, stopFired: false, pieces: nil)
                == ("answer: 3", .endOfSequence))
        #expect(StopResolver.resolve(text: "a = ", stop: "\n", lengthLimited: true, stopFired: false, pieces: nil)
                == ("a = ", .length))
    }

    @Test func tokenPiecesTellStopFromEndOfSequence() {
        // llama-cpp-python: the stop token is among the generated tokens, the text is cut before it.
        #expect(StopResolver.resolve(text: "a = 1", stop: "\n", lengthLimited: false, stopFired: nil,
                                     pieces: ["a", " =", " 1", "\n"]) == ("a = 1\n", .stop))
        // End of sequence: the pieces are exactly the text.
        #expect(StopResolver.resolve(text: "answer: 3", stop: "\n", lengthLimited: false, stopFired: nil,
                                     pieces: ["answer", ":", " 3"]) == ("answer: 3", .endOfSequence))
        // Byte tokens of a multi-byte character decode to empty pieces one by one.
        #expect(StopResolver.resolve(text: "é = 1", stop: "\n", lengthLimited: false, stopFired: nil,
                                     pieces: ["", "", " = 1", "\n"]) == ("é = 1\n", .stop))
        #expect(StopResolver.resolve(text: "é", stop: "\n", lengthLimited: false, stopFired: nil,
                                     pieces: ["", ""]) == ("é", .endOfSequence))
        // A stop inside a token that carries more text: the step ends at the delimiter.
        #expect(StopResolver.resolve(text: "x", stop: "\n\n", lengthLimited: false, stopFired: nil,
                                     pieces: ["x", "\n\nThe"]) == ("x\n\n", .stop))
    }

    @Test func derivedSeedsDifferPerSampleAndFitIn31Bits() {
        let seeds = (0..<64).map { SeedDerivation.derive(1234, $0) }
        #expect(Set(seeds).count == 64)
        #expect(seeds.allSatisfy { $0 >= 0 && $0 <= Int(Int32.max) })
        #expect(SeedDerivation.derive(1234, 3) == seeds[3])
        #expect(SeedDerivation.derive(1235, 0) != seeds[0])
    }
}
