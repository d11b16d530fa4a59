// StepTreeStore: see README.md's module map.
