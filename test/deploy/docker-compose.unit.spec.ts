import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';

const root = join(__dirname, '..', '..');
const file = join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  pull_policy?: string;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

/** `docker compose` when a docker CLI with the compose plugin is on this machine (it needs no engine for `config`). */
function composeAvailable(): boolean {
  return spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
}

/**
 * The Compose Specification's JSON schema (test/deploy/compose-spec.schema.json: the compose-spec project's
 * schema/compose-spec.json, as the dclint 3.1.0 npm package ships it), so the file is validated on a machine without
 * `docker compose`. Written loosely for JSON Schema (union types, object keywords without a type): strict mode off.
 */
function composeSchemaValidator() {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { $schema: _draft, ...schema } = require('./compose-spec.schema.json') as Record<string, unknown>;
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}

/** What `docker compose config` checks beyond the schema: references resolve, and every `$` is an interpolation. */
function crossReferenceErrors(compose: { services: Record<string, Service & { volumes?: string[] }>; volumes?: Record<string, unknown> }): string[] {
  const errors: string[] = [];
  for (const [name, service] of Object.entries(compose.services)) {
    for (const needed of Object.keys(service.depends_on ?? {})) if (!compose.services[needed]) errors.push(`${name} depends on unknown service ${needed}`);
    if (!service.image && !service.build) errors.push(`${name} has neither image nor build`);
    for (const volume of service.volumes ?? []) {
      const source = volume.split(':')[0];
      if (!/^[./~]/.test(source) && !(compose.volumes && source in compose.volumes)) errors.push(`${name} mounts undeclared volume ${source}`);
    }
  }
  const strings = (value: unknown): string[] =>
    typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(strings) : [];
  for (const text of strings(compose)) {
    // `$$` is a literal dollar; anything else after `$` must be `{NAME}` or `{NAME:-default}` / `{NAME-default}` / `{NAME:?error}`…
    for (const m of text.replaceAll('$$', '').matchAll(/\$(\{[^}]*\}|[A-Za-z_][A-Za-z0-9_]*|.?)/g)) {
      if (!/^(\{[A-Za-z_][A-Za-z0-9_]*((:?[-+?]).*)?\}|[A-Za-z_][A-Za-z0-9_]*)$/s.test(m[1])) errors.push(`bad interpolation "$${m[1]}" in ${JSON.stringify(text)}`);
    }
  }
  return errors;
}

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
  const { services } = compose;

  it('is valid against the Compose Specification schema, its references resolve and its interpolations parse (no docker needed)', () => {
    const validate = composeSchemaValidator();
    expect(validate(compose) ? [] : validate.errors).toEqual([]);
    expect(crossReferenceErrors(compose)).toEqual([]);
  });

  it('would catch a broken file: a misspelled key, a wrong type, an unknown condition, a dangling reference, a bad interpolation', () => {
    const validate = composeSchemaValidator();
    const broken = structuredClone(compose) as { services: Record<string, Service & Record<string, unknown>>; volumes?: Record<string, unknown> };
    broken.services.api.enviroment = broken.services.api.environment;
    (broken.services.api.healthcheck as unknown as Record<string, unknown>).interval = 5;
    broken.services.worker.depends_on = { api: { condition: 'service_ready' } };
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual(
      expect.arrayContaining([
        '/services/api must NOT have additional properties',
        '/services/api/healthcheck/interval must be string',
        '/services/worker/depends_on/api/condition must be equal to one of the allowed values',
      ]),
    );
    const dangling = structuredClone(compose) as typeof broken;
    dangling.services.worker.depends_on = { apii: { condition: 'service_healthy' } };
    dangling.services.postgres.volumes = ['pgdatta:/var/lib/postgresql/data'];
    dangling.services.api.environment!.OPS_TOKEN = '${OPS_TOKEN:-x';
    expect(crossReferenceErrors(dangling)).toEqual([
      'postgres mounts undeclared volume pgdatta',
      'worker depends on unknown service apii',
      'bad interpolation "${" in "${OPS_TOKEN:-x"',
    ]);
  });

  it('runs PostgreSQL, a LocalStack pinned to a version that needs no account, and the app as api and worker', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'localstack', 'postgres', 'worker']);
    const localstack = services.localstack;
    // After 4.14.0 (and for `latest`) LocalStack exits without LOCALSTACK_AUTH_TOKEN.
    expect(localstack.image).toBe('localstack/localstack:4.14.0');
    expect(localstack.environment).not.toHaveProperty('LOCALSTACK_AUTH_TOKEN');
    // Paid-only settings (persistence) are not used.
    expect(localstack.environment).not.toHaveProperty('PERSISTENCE');
    expect(services.postgres.image).toMatch(/^postgres:\d+$/);
    for (const service of Object.values(services)) expect(service.image ?? '').not.toMatch(/:latest$/);
  });

  it('builds one image from the one Dockerfile, which the worker runs without building or pulling it', () => {
    const { api, worker } = services;
    expect(api.build).toBe('.');
    expect(api.image).toBe('nestjs-kinesis-eda:local');
    expect(worker.build).toBeUndefined();
    expect(worker.image).toBe(api.image);
    expect(worker.pull_policy).toBe('never');
    expect(readFileSync(join(root, 'Dockerfile'), 'utf8')).toMatch(/CMD \["node", .*"dist\/apps\/api\/src\/main\.js"\]/);
  });

  it('gives the app what a container needs: every interface, an ops token, the database and LocalStack', () => {
    for (const name of ['api', 'worker']) {
      const env = services[name].environment!;
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.OPS_TOKEN).toMatch(/^\$\{OPS_TOKEN:-.{32,}\}$/);
      expect(env.DATABASE_URL).toBe('postgres://eda:eda@postgres:5432/eda');
      expect(env.KINESIS_ENDPOINT).toBe('http://localstack:4566');
    }
    expect(services.api.environment!.ROLES).toBe('api,relay,consumer');
    expect(services.worker.environment!.ROLES).toBe('relay,consumer');
  });

  it('starts each part after what it needs is healthy', () => {
    for (const name of ['postgres', 'localstack', 'api']) expect(services[name].healthcheck?.test.length).toBeGreaterThan(0);
    expect(services.api.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, localstack: { condition: 'service_healthy' } });
    expect(services.worker.depends_on).toEqual({ api: { condition: 'service_healthy' } });
  });

  (composeAvailable() ? it : it.skip)('is valid for `docker compose config`', () => {
    execFileSync('docker', ['compose', '-f', file, 'config', '-q'], { cwd: root, stdio: 'pipe' });
  });
});
