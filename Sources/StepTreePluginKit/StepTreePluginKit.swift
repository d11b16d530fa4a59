// StepTreePluginKit: see README.md's module map.
