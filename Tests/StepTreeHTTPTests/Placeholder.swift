import Testing

@Test func placeholder_StepTreeHTTPTests() {}
