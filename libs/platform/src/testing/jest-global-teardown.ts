export default async function globalTeardown(): Promise<void> {
  const handles = (globalThis as { __edaTestInfra?: Array<() => Promise<void>> }).__edaTestInfra ?? [];
  for (const stop of handles.reverse()) await stop();
}
