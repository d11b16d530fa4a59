// Messages carry JSON values: a plugin that imports the protocol (or the kit) gets StepTree's one
// JSON type with it.
@_exported import StepTreeJSON
