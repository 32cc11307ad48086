import { ConfigError, loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the contract defaults with an empty environment', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ PORT: 3000, STREAM_PREFIX: 'eda-', DATA_DIR: '.data', LOG_LEVEL: 'info', KINESIS_AGGREGATION: 'auto' });
    expect(config.ROLES).toEqual(['api', 'relay', 'consumer']);
    expect(config.DATABASE_URL).toBeUndefined();
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
    ['KINESIS_ENDPOINT', 'not a url'],
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
