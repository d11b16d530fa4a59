// StepTreeRuntime: see README.md's module map.
