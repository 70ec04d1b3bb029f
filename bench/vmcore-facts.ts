// Whether a `ktriage analyze --json VMCORE` report holds facts read from the dump's memory (tasks, stacks,
// modules, syscall table): those name their kernel object (SourceRef.object) instead of a line.
export function analyzeHasDumpFacts(reportJson: string): boolean {
  return /"object":\s*"/.test(reportJson);
}
