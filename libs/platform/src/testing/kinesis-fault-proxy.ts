import { request, IncomingMessage, ServerResponse } from 'node:http';
import { LoopbackHttpServer } from './loopback-http-server';

export interface KinesisFaults {
  /** Fraction of PutRecords records answered with a per-record ProvisionedThroughputExceededException. */
  throttleRecords: number;
  /** Fraction of PutRecords records answered with a per-record KMSThrottlingException. */
  kmsThrottleRecords: number;
  /** Fraction of PutRecords records answered with a per-record InternalFailure. */
  failRecords: number;
  /** Fraction of PutRecords calls refused whole with a 400 ProvisionedThroughputExceededException. */
  throttleCalls: number;
  /** Delay added before every call is forwarded. */
  delayMs: number;
}

export interface KinesisFaultStats {
  putRecordsCalls: number;
  throttledRecords: number;
  failedRecords: number;
  throttledCalls: number;
  /** PutRecords calls refused whole with a ValidationException because a record matched `refuseRecords`. */
  refusedCalls: number;
  cutConnections: number;
}

const NO_FAULTS: KinesisFaults = { throttleRecords: 0, kmsThrottleRecords: 0, failRecords: 0, throttleCalls: 0, delayMs: 0 };

/** A small seeded generator, so a failing run can be replayed with the same faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface PutRecordsEntry {
  Data: string;
  PartitionKey: string;
  ExplicitHashKey?: string;
}

type RecordResult = { SequenceNumber?: string; ShardId?: string; ErrorCode?: string; ErrorMessage?: string };

/**
 * An HTTP proxy in front of a Kinesis-API engine (kinesalite) that injects the faults real Kinesis shows:
 * per-record throttling and internal failures in PutRecords (the refused records are NOT forwarded, as on AWS),
 * whole-call throttling, whole-call ValidationExceptions for chosen records, latency, and cut connections /
 * unreachability for a period. Everything but
 * PutRecords is forwarded untouched (subject to delay and unreachability).
 */
export class KinesisFaultProxy extends LoopbackHttpServer {
  readonly stats: KinesisFaultStats = { putRecordsCalls: 0, throttledRecords: 0, failedRecords: 0, throttledCalls: 0, refusedCalls: 0, cutConnections: 0 };
  private faults: KinesisFaults = { ...NO_FAULTS };
  private refuse?: (data: Buffer, partitionKey: string) => boolean;
  private unreachableUntil = 0;
  private readonly random: () => number;

  constructor(private readonly upstream: string, options: { seed?: number } = {}) {
    super();
    this.random = mulberry32(options.seed ?? 42);
  }

  configure(faults: Partial<KinesisFaults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  /**
   * Refuses, as Kinesis does an oversize or invalid record, every PutRecords call carrying a record whose
   * (decoded) data matches: the whole call fails with a 400 ValidationException naming no record. Undefined stops it.
   */
  refuseRecords(matches: ((data: Buffer, partitionKey: string) => boolean) | undefined): void {
    this.refuse = matches;
  }

  heal(): void {
    this.faults = { ...NO_FAULTS };
    this.refuse = undefined;
    this.unreachableUntil = 0;
  }

  /** Drops every open connection and refuses (by resetting) every request for `ms`. */
  cutFor(ms: number): void {
    this.unreachableUntil = Date.now() + ms;
    for (const socket of this.sockets) socket.destroy();
  }

  get unreachable(): boolean {
    return Date.now() < this.unreachableUntil;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (this.cut(req)) return;
    if (this.faults.delayMs > 0) await new Promise((r) => setTimeout(r, this.faults.delayMs));
    if (this.cut(req)) return;
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (!target.endsWith('.PutRecords')) {
      const upstream = await this.forward(req, body).catch(() => undefined);
      if (!upstream) return void req.socket.destroy();
      return this.reply(res, upstream.status, upstream.headers, upstream.body);
    }
    this.stats.putRecordsCalls++;
    if (this.random() < this.faults.throttleCalls) {
      this.stats.throttledCalls++;
      return this.reply(res, 400, { 'content-type': 'application/x-amz-json-1.1' },
        Buffer.from(JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for stream (injected).' })));
    }
    const input = JSON.parse(body.toString('utf8')) as { StreamName: string; Records: PutRecordsEntry[] };
    const refuse = this.refuse;
    const culprit = refuse ? input.Records.findIndex((r) => refuse(Buffer.from(r.Data, 'base64'), r.PartitionKey)) : -1;
    if (culprit >= 0) {
      this.stats.refusedCalls++;
      return this.reply(res, 400, { 'content-type': 'application/x-amz-json-1.1' }, Buffer.from(JSON.stringify({
        __type: 'ValidationException',
        message: `1 validation error detected: Value at 'records.${culprit + 1}.member.data' failed to satisfy constraint: Member must have length less than or equal to 1048576 (injected)`,
      })));
    }
    const refused = input.Records.map((): RecordResult | undefined => {
      const roll = this.random();
      let edge = this.faults.throttleRecords;
      if (roll < edge) return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (injected).' };
      edge += this.faults.kmsThrottleRecords;
      if (roll < edge) return { ErrorCode: 'KMSThrottlingException', ErrorMessage: 'KMS rate exceeded (injected).' };
      edge += this.faults.failRecords;
      if (roll < edge) return { ErrorCode: 'InternalFailure', ErrorMessage: 'Internal service failure (injected).' };
      return undefined;
    });
    const forwarded = input.Records.filter((_, i) => !refused[i]);
    let accepted: RecordResult[] = [];
    if (forwarded.length > 0) {
      const upstream = await this.forward(req, Buffer.from(JSON.stringify({ ...input, Records: forwarded }))).catch(() => undefined);
      if (!upstream) return void req.socket.destroy();
      if (upstream.status !== 200) return this.reply(res, upstream.status, upstream.headers, upstream.body);
      accepted = (JSON.parse(upstream.body.toString('utf8')) as { Records: RecordResult[] }).Records;
    }
    let next = 0;
    const records = refused.map((failure) => failure ?? accepted[next++]);
    for (const failure of refused) {
      if (failure?.ErrorCode === 'InternalFailure') this.stats.failedRecords++;
      else if (failure) this.stats.throttledRecords++;
    }
    const failedCount = records.filter((r) => r.ErrorCode).length;
    this.reply(res, 200, { 'content-type': 'application/x-amz-json-1.1' }, Buffer.from(JSON.stringify({ FailedRecordCount: failedCount, Records: records })));
  }

  private cut(req: IncomingMessage): boolean {
    if (!this.unreachable) return false;
    this.stats.cutConnections++;
    req.socket.destroy();
    return true;
  }

  private reply(res: ServerResponse, status: number, headers: Record<string, unknown>, body: Buffer): void {
    const clean = Object.fromEntries(
      Object.entries(headers).filter(([k]) => !['content-length', 'x-amz-crc32', 'transfer-encoding', 'connection'].includes(k.toLowerCase())),
    ) as Record<string, string>;
    res.writeHead(status, { ...clean, 'content-length': String(body.length) });
    res.end(body);
  }

  private forward(req: IncomingMessage, body: Buffer): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
    const url = new URL(this.upstream);
    return new Promise((resolveForward, reject) => {
      const upstreamRequest = request(
        {
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: url.host, 'content-length': String(body.length) },
        },
        (upstreamResponse) => {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (c: Buffer) => chunks.push(c));
          upstreamResponse.on('end', () =>
            resolveForward({ status: upstreamResponse.statusCode ?? 502, headers: upstreamResponse.headers, body: Buffer.concat(chunks) }),
          );
          upstreamResponse.on('error', reject);
        },
      );
      upstreamRequest.on('error', reject);
      upstreamRequest.end(body);
    });
  }
}
