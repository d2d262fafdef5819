/** SDK options that start no host or runtime instrumentation: tests about wiring stay quick and quiet. */
export const QUIET_SDK = { hostMetrics: false, runtimeMetrics: false } as const;

/** Whether anything answers `/healthz` on 127.0.0.1:`port` (a test's proof that nothing was left listening). */
export function listening(port: number): Promise<boolean> {
  return fetch(`http://127.0.0.1:${port}/healthz`).then(
    () => true,
    () => false,
  );
}
