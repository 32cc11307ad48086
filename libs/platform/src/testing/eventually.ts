/**
 * Waits for an asynchronous outcome: calls `probe` until it returns without throwing, and fails with
 * the description and the probe's last error when `timeoutMs` runs out. Tests use it instead of sleeping.
 */
export async function eventually<T>(description: string, probe: () => Promise<T> | T, timeoutMs = 10_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new Error(`Timed out after ${timeoutMs} ms waiting until ${description}: ${reason}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
