// Fakes and scripted trees shared by the test targets.
