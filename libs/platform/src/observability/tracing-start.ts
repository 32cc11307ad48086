// The entry point `@eda/platform/tracing`: import it before anything else (apps/api/src/main.ts does), so the
// SDK is started before http and pg are first required and its instrumentations can patch them. It imports
// no other part of the platform for that reason.
import { startTracing } from './tracing-sdk';

let started: ReturnType<typeof startTracing>;
try {
  started = startTracing();
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(78); // EX_CONFIG, as for any other bad variable
}

/** What the start-up banner says about tracing; undefined when it is off. */
export const tracingDescription: string | undefined = started && `OpenTelemetry ${started.serviceName} → ${started.exporters.join(', ')}`;

/** Exports the spans still buffered; call before the process exits. */
export async function shutdownTracing(): Promise<void> {
  const stopping = started;
  started = undefined;
  await stopping?.shutdown();
}
