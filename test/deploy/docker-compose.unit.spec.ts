import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(file, 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const { services } = compose;

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
