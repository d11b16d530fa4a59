import Testing

@Test func placeholder_StepTreePluginTests() {}
