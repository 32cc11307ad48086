import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the contract defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, STREAM_PREFIX: 'eda-', DATA_DIR: '.data', LOG_LEVEL: 'info', KINESIS_AGGREGATION: 'auto' });
    expect(config.ROLES).toEqual(['api', 'relay', 'consumer']);
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config).toMatchObject({ HOST: '127.0.0.1', EVENTS_RATE_LIMIT_PER_SECOND: 1000 });
    expect(config.OPS_TOKEN).toBeUndefined();
  });

  it('reads CONSUMER_MODE, polling by default', () => {
    expect(loadConfig({}).CONSUMER_MODE).toBe('polling');
    expect(loadConfig({ CONSUMER_MODE: 'efo' }).CONSUMER_MODE).toBe('efo');
  });

  it('reads OPS_TOKEN and HOST', () => {
    const config = loadConfig({ OPS_TOKEN: 'a'.repeat(32), HOST: '0.0.0.0', EVENTS_RATE_LIMIT_PER_SECOND: '0' });
    expect(config).toMatchObject({ OPS_TOKEN: 'a'.repeat(32), HOST: '0.0.0.0', EVENTS_RATE_LIMIT_PER_SECOND: 0 });
    expect(loadConfig({ HOST: '::' }).HOST).toBe('::');
  });

  it('reads CONSOLE_TRACE_URL only as an http(s) URL with {traceId} in it', () => {
    expect(loadConfig({}).CONSOLE_TRACE_URL).toBeUndefined();
    expect(loadConfig({ CONSOLE_TRACE_URL: 'http://localhost:16686/trace/{traceId}' }).CONSOLE_TRACE_URL).toBe('http://localhost:16686/trace/{traceId}');
    for (const bad of ['http://localhost:16686/trace/', 'javascript:alert(1)//{traceId}', 'http://x/{traceId}"><script>']) {
      expect(() => loadConfig({ CONSOLE_TRACE_URL: bad })).toThrow(/^Invalid configuration: CONSOLE_TRACE_URL .*must be an http\(s\):\/\/ URL containing \{traceId\}/);
    }
  });

  it('never prints a bad OPS_TOKEN', () => {
    expect(() => loadConfig({ OPS_TOKEN: 'tooshort-secret' })).toThrow(/^Invalid configuration: OPS_TOKEN \(value hidden\) must be 32 to 512/);
    expect(() => loadConfig({ OPS_TOKEN: `${'s'.repeat(40)} with spaces` })).not.toThrow(/with spaces/);
  });

  it('reads optional variables such as DATABASE_URL and KINESIS_ENDPOINT', () => {
    const config = loadConfig({ DATABASE_URL: 'postgres://u@h:5432/db', KINESIS_ENDPOINT: 'http://127.0.0.1:4567', ROLES: 'relay, consumer', PORT: '8080' });
    expect(config).toMatchObject({ DATABASE_URL: 'postgres://u@h:5432/db', KINESIS_ENDPOINT: 'http://127.0.0.1:4567', PORT: 8080 });
    expect(config.ROLES).toEqual(['relay', 'consumer']);
    expect(config.hasRole('api')).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['DATABASE_URL', 'mysql://x'],
    ['ROLES', 'api,worker'],
    ['LOG_LEVEL', 'loud'],
    ['KINESIS_AGGREGATION', 'yes'],
    ['CONSUMER_MODE', 'push'],
    ['KINESIS_ENDPOINT', 'not a url'],
    ['HOST', 'http://0.0.0.0'],
    ['OPS_TOKEN', 'x'.repeat(31)],
    ['EVENTS_RATE_LIMIT_PER_SECOND', 'many'],
  ])('stops with one line naming %s when it is %p', (variable, value) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
    expect((error as Error).message).not.toContain('\n');
  });
});
