// StepTreeHTTP: see README.md's module map.
