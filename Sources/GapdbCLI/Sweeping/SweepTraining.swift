import SweepPlanning
// TEMPORARY STUB until the trainer glue lands.
func trainSweepConfiguration(_ configuration: SweepConfiguration, context: SweepRunContext) throws {
  throw CommandError("trainer not available yet")
}
