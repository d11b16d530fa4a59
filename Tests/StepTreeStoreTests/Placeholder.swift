import Testing

@Test func placeholder_StepTreeStoreTests() {}
