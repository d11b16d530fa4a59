// The contracts carry JSON values (problem fields, run options): every module that imports the
// core gets StepTree's one JSON type with it.
@_exported import StepTreeJSON
