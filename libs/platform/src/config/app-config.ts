import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import { getMetadataStorage, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

export const PROCESS_ROLES = ['api', 'relay', 'consumer'] as const;
export type ProcessRole = (typeof PROCESS_ROLES)[number];

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));
const toRoles = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.split(',').map((r) => r.trim()).filter(Boolean) : value;

/**
 * The process environment, validated once at start. docs/contract.md §2 lists the public variables; the rest are
 * tuning knobs documented in README.md. A bad value stops start-up with one line naming the variable.
 */
export class AppConfig {
  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  /** Address the HTTP server binds: loopback unless an operator opens it (containers set 0.0.0.0). */
  @Matches(/^([0-9a-fA-F:]*:[0-9a-fA-F:.]*|[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*)$/, {
    message: 'must be an IP address or a host name, e.g. 127.0.0.1 or 0.0.0.0',
  })
  HOST = '127.0.0.1';

  /**
   * Bearer token of /ops/* and of reading GET /events (ADR 0008). Unset: start-up generates one and keeps it
   * under DATA_DIR. A token68 string (what a Bearer header can carry) long enough not to be guessed.
   */
  @IsOptional() @Matches(/^[A-Za-z0-9._~+/-]{32,512}=*$/, { message: 'must be 32 to 512 characters of A-Z a-z 0-9 . _ ~ + / - (a Bearer token)' })
  OPS_TOKEN?: string;

  /**
   * A trace viewer's page for one trace, `{traceId}` standing for the id (e.g. a Jaeger's
   * `http://localhost:16686/trace/{traceId}`): the operations console links each event's trace id there.
   */
  @IsOptional() @Matches(/^https?:\/\/[^\s<>"']*\{traceId\}[^\s<>"']*$/, { message: 'must be an http(s):// URL containing {traceId}' })
  CONSOLE_TRACE_URL?: string;

  /** POST /events accepted per second per producer key (per client IP without a valid key); 0 turns the limit off. */
  @Transform(toInt) @IsInt() @Min(0) @Max(1_000_000)
  EVENTS_RATE_LIMIT_PER_SECOND = 1000;

  @IsOptional() @Matches(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// URL' })
  DATABASE_URL?: string;

  @IsOptional() @Matches(/^https?:\/\/[^\s]+$/, { message: 'must be an http(s):// URL' })
  KINESIS_ENDPOINT?: string;

  @IsOptional() @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as eu-west-1' })
  AWS_REGION?: string;

  @Matches(/^[a-zA-Z0-9_.-]{0,64}$/, { message: 'may hold only letters, digits, _ . - (64 at most)' })
  STREAM_PREFIX = 'eda-';

  @IsString() @Matches(/\S/, { message: 'must not be empty' })
  DATA_DIR = '.data';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** `json`: one JSON object per line (collectors); `pretty`: for a person; `auto`: pretty when stdout is a terminal. */
  @IsIn(['auto', 'json', 'pretty'])
  LOG_FORMAT: 'auto' | 'json' | 'pretty' = 'auto';

  @Transform(toRoles) @IsIn(PROCESS_ROLES, { each: true, message: `each role must be one of ${PROCESS_ROLES.join(', ')}` })
  ROLES: ProcessRole[] = ['api', 'relay', 'consumer'];

  /** KPL aggregation: `auto` packs a key's queued run into one record (hot keys keep up), `on` always, `off` never. */
  @IsIn(['auto', 'on', 'off'])
  KINESIS_AGGREGATION: 'auto' | 'on' | 'off' = 'auto';

  /** `auto` tails the WAL when the database allows logical replication, else polls. */
  @IsIn(['auto', 'wal', 'polling'])
  RELAY_MODE: 'auto' | 'wal' | 'polling' = 'auto';

  /** Shards per stream the app creates; 0 means on-demand capacity (real AWS only). */
  @Transform(toInt) @IsInt() @Min(0) @Max(500)
  STREAM_SHARDS = 2;

  @Transform(toInt) @IsInt() @Min(24) @Max(8760)
  STREAM_RETENTION_HOURS = 24;

  @IsOptional() @IsString()
  STREAM_KMS_KEY_ID?: string;

  /** Secret from which the per-context database role passwords are derived (default: derived from DATABASE_URL). */
  @IsOptional() @IsString()
  DATABASE_ROLE_SECRET?: string;

  /** Prefix of the per-context database role names (default: the database name). */
  @IsOptional() @Matches(/^[a-z_][a-z0-9_]{0,40}$/, { message: 'must be a lower-case SQL identifier of 41 characters at most' })
  DATABASE_ROLE_PREFIX?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  DATABASE_POOL_SIZE = 5;

  /** Consumer group name: leases and checkpoints are kept per group. */
  @Matches(/^[a-zA-Z0-9_.-]{1,64}$/)
  CONSUMER_GROUP = 'eda';

  /** Name of this worker in leases (default: host name + pid). */
  @IsOptional() @IsString()
  WORKER_ID?: string;

  /** Attempts a consumer handler gets for one message before the message (and its key's followers) is parked. */
  @Transform(toInt) @IsInt() @Min(1) @Max(100)
  CONSUMER_MAX_ATTEMPTS = 5;

  /** First retry delay of a failing consumer handler; doubles per attempt (full jitter). */
  @Transform(toInt) @IsInt() @Min(1) @Max(60000)
  CONSUMER_RETRY_BASE_MS = 200;

  /** How long a shard lease lasts unrenewed: a killed worker's shards are taken over after about this long. */
  @Transform(toInt) @IsInt() @Min(1000) @Max(600000)
  LEASE_DURATION_MS = 6000;

  /** How often workers look for new shards (resharding, new streams). */
  @Transform(toInt) @IsInt() @Min(500) @Max(600000)
  CONSUMER_SHARD_SYNC_MS = 5000;

  /**
   * Longest pause between two GetRecords calls on an idle shard (busy shards are read every 210 ms, the 5 reads/s
   * limit). A publish wakes the shard's reader at once (ADR 0012), so this tick only backs a lost wake: 1 s, KCL's
   * idle time between reads. Every idle read costs a call's CPU and a share of the shard's 5 reads/s.
   */
  @Transform(toInt) @IsInt() @Min(200) @Max(60000)
  CONSUMER_IDLE_POLL_MAX_MS = 1000;

  /** Where a new consumer group starts: the stream's TRIM_HORIZON, or a replay of the SQL event log first (ADR 0004). */
  @IsIn(['stream', 'event-log'])
  CONSUMER_START_FROM: 'stream' | 'event-log' = 'stream';

  /** How a worker reads its leased shards: GetRecords `polling`, or `efo` (enhanced fan-out, SubscribeToShard pushes; ADR 0015). */
  @IsIn(['polling', 'efo'])
  CONSUMER_MODE: 'polling' | 'efo' = 'polling';

  /** Seconds an order saga may wait for a participant before it compensates and rejects with TIMEOUT. */
  @Transform(toInt) @IsInt() @Min(1) @Max(86400)
  SAGA_TIMEOUT_SECONDS = 30;

  hasRole(role: ProcessRole): boolean {
    return this.ROLES.includes(role);
  }
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`Invalid configuration: ${variable} ${message}`);
  }
}

/** Variables whose value must never be printed, even when it is wrong. */
const SECRET_VARIABLES = new Set(['OPS_TOKEN', 'DATABASE_ROLE_SECRET']);

/** Reads and validates the environment. Throws a ConfigError naming the first bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  // Every decorated property, optional ones included (they have no initialiser, so no own key).
  const known = new Set(getMetadataStorage().getTargetValidationMetadatas(AppConfig, '', true, false).map((m) => m.propertyName));
  const input = Object.fromEntries(Object.entries(env).filter(([k, v]) => known.has(k) && v !== undefined && v !== ''));
  const config = plainToInstance(AppConfig, input, { exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const first = errors[0];
    const message = Object.values(first.constraints ?? {})[0] ?? 'is invalid';
    const shown = message.startsWith(first.property) ? message.slice(first.property.length).trim() : message;
    const value = SECRET_VARIABLES.has(first.property) ? '(value hidden)' : `(${JSON.stringify(env[first.property])})`;
    throw new ConfigError(first.property, `${value} ${shown}`);
  }
  if (config.ROLES.length === 0) throw new ConfigError('ROLES', 'must name at least one of api, relay, consumer');
  return config;
}
