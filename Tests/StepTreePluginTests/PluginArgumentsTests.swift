import Foundation
import StepTreeCore
import StepTreePluginHost
import StepTreePluginKit
import Testing

/// The plugins' shared option reader: both spellings, flags, and a bad value that ends a real
/// plugin's start with status 2 and a message naming the option.
@Suite struct PluginArgumentsTests {
    typealias S = PluginTestSupport

    @Test func readsBothSpellingsAndFlags() {
        let a = PluginArguments(plugin: "p", arguments: ["--max-batch", "8", "--pattern=a=b", "--skip"])
        #expect(a.value("--max-batch") == "8" && a.value("--pattern") == "a=b" && a.value("--missing") == nil)
        #expect(a.count("--max-batch", default: 1) == 8 && a.count("--missing", default: 3) == 3)
        #expect(a.flag("--skip") && !a.flag("--max-batch=8"))
        #expect(PluginArguments(plugin: "p", arguments: ["--timeout=2.5"]).positive("--timeout", default: 60) == 2.5)
    }

    @Test(arguments: [
        ("verifier-answer", ["--max-batch", "0"], #"verifier-answer: --max-batch needs a whole number of at least 1, got "0""#),
        ("verifier-echo", ["--concurrency=x"], #"verifier-echo: --concurrency needs a whole number of at least 1, got "x""#),
        ("verifier-prm-local", ["--model", S.packageRoot + "/Examples/countdown/prm.gguf", "--items-per-pass", "-2"],
         #"verifier-prm-local: --items-per-pass needs a whole number of at least 1, got "-2""#),
    ])
    func aBadValueFailsTheStartNamingTheOption(plugin: String, arguments: [String], message: String) async {
        let error = await #expect(throws: PluginHostError.self) {
            try await PluginEvaluator.launch(executable: S.product(plugin), arguments: arguments, options: S.options(LogSink()))
        }
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }
}
