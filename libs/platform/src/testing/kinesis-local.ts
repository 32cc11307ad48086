import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ListStreamsCommand } from '@aws-sdk/client-kinesis';
import { createKinesisClient } from '../kinesis/kinesis-connection';
import { freePort } from '../kinesis/free-port';
import { LoopbackHttpServer } from './loopback-http-server';

export interface KinesisLocalHandle {
  endpoint: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts kinesis-local (the kinesis-mock engine LocalStack uses, from npm) on a free loopback port: unlike
 * kinesalite it implements enhanced fan-out (RegisterStreamConsumer, SubscribeToShard over HTTP/1.1). It is a
 * separate process that may ignore SIGTERM, so `stop()` kills it by pid with SIGKILL.
 */
export async function startKinesisLocal(options: { timeoutMs?: number } = {}): Promise<KinesisLocalHandle> {
  const home = dirname(require.resolve('kinesis-local/package.json'));
  const port = await freePort();
  const tlsPort = await freePort();
  const workDir = mkdtempSync(join(tmpdir(), 'kinesis-local-'));
  const child: ChildProcess = spawn(process.execPath, [join(home, 'main.js')], {
    cwd: workDir,
    env: {
      PATH: process.env.PATH,
      KINESIS_MOCK_CERT_PATH: join(home, 'server.json'),
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      CREATE_STREAM_DURATION: '10ms',
      DELETE_STREAM_DURATION: '10ms',
      REGISTER_STREAM_CONSUMER_DURATION: '10ms',
      DEREGISTER_STREAM_CONSUMER_DURATION: '10ms',
      SPLIT_SHARD_DURATION: '10ms',
      MERGE_SHARDS_DURATION: '10ms',
      UPDATE_SHARD_COUNT_DURATION: '10ms',
      SHOULD_PERSIST_DATA: 'false',
      LOG_LEVEL: 'ERROR',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    await exited;
    rmSync(workDir, { recursive: true, force: true });
  };
  const client = createKinesisClient({ endpoint, region: 'us-east-1', description: 'kinesis-local' });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`kinesis-local exited with ${child.exitCode}: ${stderr}`);
      try {
        await client.send(new ListStreamsCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) throw new Error(`kinesis-local did not answer on ${endpoint}: ${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, pid: child.pid!, stop };
}

/** A child shard as a SubscribeToShardEvent names it. */
export interface ChildShardAnnouncement {
  ShardId: string;
  ParentShards: string[];
  HashKeyRange: { StartingHashKey: string; EndingHashKey: string };
}

/**
 * The AWS event stream framing of a SubscribeToShard response: messages of a prelude (total and header lengths,
 * CRC32), headers, a JSON payload and a CRC32 of the whole. Splits a byte stream into messages, and frames a new
 * payload under a message's headers.
 */
class EventStreamMessages {
  private pending = Buffer.alloc(0);

  /** The complete messages in what arrived so far: raw bytes, `:event-type` header and payload. */
  push(chunk: Buffer): Array<{ raw: Buffer; eventType: string; headers: Buffer; payload: Buffer }> {
    this.pending = Buffer.concat([this.pending, chunk]);
    const out = [];
    while (this.pending.length >= 12 && this.pending.length >= this.pending.readUInt32BE(0)) {
      const total = this.pending.readUInt32BE(0);
      const headersLength = this.pending.readUInt32BE(4);
      const raw = this.pending.subarray(0, total);
      const headers = raw.subarray(12, 12 + headersLength);
      out.push({ raw, eventType: EventStreamMessages.header(headers, ':event-type') ?? '', headers, payload: raw.subarray(12 + headersLength, total - 4) });
      this.pending = this.pending.subarray(total);
    }
    return out;
  }

  static frame(headers: Buffer, payload: Buffer): Buffer {
    const total = 12 + headers.length + payload.length + 4;
    const prelude = Buffer.alloc(12);
    prelude.writeUInt32BE(total, 0);
    prelude.writeUInt32BE(headers.length, 4);
    prelude.writeUInt32BE(crc32(prelude.subarray(0, 8)), 8);
    const body = Buffer.concat([prelude, headers, payload]);
    const trailer = Buffer.alloc(4);
    trailer.writeUInt32BE(crc32(body), 0);
    return Buffer.concat([body, trailer]);
  }

  /** A string header's value (type 7), as Kinesis sends `:event-type`. */
  private static header(headers: Buffer, wanted: string): string | undefined {
    for (let at = 0; at < headers.length; ) {
      const name = headers.subarray(at + 1, at + 1 + headers[at]).toString('utf8');
      at += 1 + headers[at];
      const type = headers[at++];
      if (type !== 7) return undefined; // Kinesis sends string headers only; anything else ends the scan
      const length = headers.readUInt16BE(at);
      const value = headers.subarray(at + 2, at + 2 + length).toString('utf8');
      at += 2 + length;
      if (name === wanted) return value;
    }
    return undefined;
  }
}

/**
 * A streaming HTTP proxy in front of kinesis-local for enhanced fan-out faults: it can refuse the next calls of an
 * operation with a Kinesis error, end subscriptions (cleanly, between events) after a while, as Kinesis does
 * when it ends one early, and end a closed shard's subscription as AWS does — a last event with `ChildShards` and no
 * continuation — which kinesis-local never sends. Everything else is piped through untouched, event streams included.
 */
export class FanOutFaultProxy extends LoopbackHttpServer {
  private readonly refusals: Array<{ operation: string; type: string; message: string; when?: (body: string) => boolean }> = [];
  private endSubscriptionsAfterMs = 0;
  private readonly hooks: Array<{ operation: string; run: () => Promise<void> }> = [];
  private readonly childShards = new Map<string, ChildShardAnnouncement[]>();
  /** Calls seen, by operation (e.g. `SubscribeToShard`). */
  readonly calls = new Map<string, number>();
  /** Subscriptions this proxy ended early. */
  endedSubscriptions = 0;
  /** Subscriptions this proxy ended with a ChildShards event, by shard. */
  readonly childShardsSent = new Map<string, number>();

  constructor(private readonly upstream: string) {
    super();
  }

  /** The next call of `operation` (whose JSON body passes `when`) is answered with a 400 `type` error. */
  refuseNext(operation: string, type: string, message: string, when?: (body: string) => boolean): void {
    this.refusals.push({ operation, type, message, when });
  }

  /** Runs `run` once before the next call of `operation` is forwarded (e.g. to make a race happen). */
  beforeNext(operation: string, run: () => Promise<void>): void {
    this.hooks.push({ operation, run });
  }

  /** Ends every subscription opened from now on after `ms` (0: never). */
  endSubscriptionsAfter(ms: number): void {
    this.endSubscriptionsAfterMs = ms;
  }

  /**
   * `shardId` is closed (split or merged): subscriptions to it opened from now on end as on AWS, once the reader has
   * read all it holds. The first event with no records and nothing behind becomes the shard's last event: `ChildShards`,
   * no `ContinuationSequenceNumber`; then the stream ends.
   */
  announceChildShards(shardId: string, children: ChildShardAnnouncement[]): void {
    this.childShards.set(shardId, children);
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const operation = String(req.headers['x-amz-target'] ?? '').split('.').pop() ?? '';
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    const refusal = this.refusals.findIndex((r) => r.operation === operation && (!r.when || r.when(body.toString('utf8'))));
    if (refusal >= 0) {
      const [{ type, message }] = this.refusals.splice(refusal, 1);
      const payload = Buffer.from(JSON.stringify({ __type: type, message }));
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'content-length': String(payload.length) });
      return void res.end(payload);
    }
    const hook = this.hooks.findIndex((h) => h.operation === operation);
    if (hook >= 0) await this.hooks.splice(hook, 1)[0].run();
    const url = new URL(this.upstream);
    const upstreamRequest = request(
      { host: url.hostname, port: url.port, method: req.method, path: req.url, headers: { ...req.headers, host: url.host } },
      (upstreamResponse) => {
        const shardId = operation === 'SubscribeToShard' && upstreamResponse.statusCode === 200 ? (JSON.parse(body.toString('utf8')) as { ShardId: string }).ShardId : '';
        const children = this.childShards.get(shardId);
        if (children) return this.endWithChildShards(upstreamResponse, res, upstreamRequest, shardId, children);
        res.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.headers);
        if (operation === 'SubscribeToShard' && this.endSubscriptionsAfterMs > 0 && upstreamResponse.statusCode === 200) {
          const timer = setTimeout(() => {
            this.endedSubscriptions++;
            upstreamResponse.unpipe(res);
            upstreamRequest.destroy();
            res.end();
          }, this.endSubscriptionsAfterMs);
          res.on('close', () => clearTimeout(timer));
        }
        upstreamResponse.pipe(res);
      },
    );
    upstreamRequest.on('error', () => res.destroy());
    res.on('close', () => upstreamRequest.destroy());
    upstreamRequest.end(body);
  }

  private endWithChildShards(upstream: IncomingMessage, res: ServerResponse, upstreamRequest: ReturnType<typeof request>, shardId: string, children: ChildShardAnnouncement[]): void {
    const headers = { ...upstream.headers };
    delete headers['content-length']; // the rewritten event has another length
    res.writeHead(200, headers);
    const messages = new EventStreamMessages();
    let ended = false;
    upstream.on('data', (chunk: Buffer) => {
      for (const message of messages.push(chunk)) {
        if (ended) return;
        const event = message.eventType === 'SubscribeToShardEvent' ? (JSON.parse(message.payload.toString('utf8')) as { Records?: unknown[]; MillisBehindLatest?: number }) : null;
        if (event && (event.Records ?? []).length === 0 && event.MillisBehindLatest === 0) {
          ended = true;
          const last = { Records: [], MillisBehindLatest: 0, ChildShards: children };
          res.end(EventStreamMessages.frame(message.headers, Buffer.from(JSON.stringify(last))));
          upstreamRequest.destroy();
          this.childShardsSent.set(shardId, (this.childShardsSent.get(shardId) ?? 0) + 1);
          return;
        }
        res.write(message.raw);
      }
    });
    upstream.on('end', () => ended || res.end());
  }
}
