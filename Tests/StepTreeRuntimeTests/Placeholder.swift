import Testing

@Test func placeholder_StepTreeRuntimeTests() {}
