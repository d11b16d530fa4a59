import CodeVerifier
import StepTreePluginProtocol
import Testing

@Suite("Program and test extraction")
struct CodeTaskTests {
    @Test func lastFencedBlockWins() {
        let text = "first\n```python\nx = 1\n```\nthen\n```\ny = 2\n```\nbye"
        #expect(CodeTask.lastFencedBlock(text) == "y = 2\n")
        #expect(CodeTask.lastFencedBlock("no fence here") == nil)
        #expect(CodeTask.lastFencedBlock("```python\nunclosed") == nil)
    }
}
