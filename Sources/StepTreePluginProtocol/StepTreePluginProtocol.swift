// StepTreePluginProtocol: see README.md's module map.
