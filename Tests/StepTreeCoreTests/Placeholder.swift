import Testing

@Test func placeholder_StepTreeCoreTests() {}
