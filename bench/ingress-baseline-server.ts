// The raw baseline of bench/ingress.bench.ts: a bare Fastify server that inserts each POSTed body, as it
// comes, into an event log of the same shape as the app's (the bench runs the event-log migrations for it),
// one INSERT … ON CONFLICT (source, id) DO NOTHING per request on a pg pool as large as the app's. No key,
// no validation, no envelope: what POST /events costs beyond that is the app's own.
// Started by the bench as `node dist/bench/ingress-baseline-server.js` with DATABASE_URL, PORT, POOL_SIZE.
import Fastify from 'fastify';
import { Pool } from 'pg';

async function main(): Promise<void> {
  const startedAt = Date.now();
  const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL_SIZE ?? 5) });
  const app = Fastify({ bodyLimit: 1024 * 1024 + 64 * 1024 });
  app.post('/events', async (request, reply) => {
    const event = request.body as { id: string; source: string; type: string; subject?: string; time?: string };
    const { rows } = await pool.query(
      `INSERT INTO platform.event_log (id, source, type, subject, partition_key, stream, time, envelope, content_hash)
       VALUES ($1, $2, $3, $4, $5, 'platform-events', $6, $7::jsonb, '')
       ON CONFLICT (source, id) DO NOTHING
       RETURNING position`,
      [event.id, event.source, event.type, event.subject ?? null, event.subject ?? event.id, event.time ?? new Date().toISOString(), JSON.stringify(event)],
    );
    void reply.code(rows.length > 0 ? 201 : 200);
    return { id: event.id };
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      void app.close().then(() => pool.end()).finally(() => process.exit(0));
    });
  }
  await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
  process.stdout.write(`bare Fastify + pg ready in ${Date.now() - startedAt} ms\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
