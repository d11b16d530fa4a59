// StepTreePluginHost: see README.md's module map.
