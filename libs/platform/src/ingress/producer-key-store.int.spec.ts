import type { QueryRunner } from 'typeorm';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../testing';
import { CreateProducerKeys1764000000500 } from './migrations/1764000000500-create-producer-keys';
import { AddProducerKeyScopes1764800000800 } from './migrations/1764800000800-add-producer-key-scopes';
import { ProducerKeyError, ProducerKeyStore } from './producer-key-store';

describe('producer key scopes (platform.producer_keys)', () => {
  let db: TestDatabase;
  let sql: Client;
  let store: ProducerKeyStore;
  const migrate = (migration: { up(q: QueryRunner): Promise<void> }) => migration.up(sql as unknown as QueryRunner);

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = new Client({ connectionString: db.url });
    await sql.connect();
    await sql.query('CREATE SCHEMA platform; SET search_path TO platform');
    await migrate(new CreateProducerKeys1764000000500());
    // TypeORM's query() answers rows; pg's answers a result.
    store = new ProducerKeyStore({ query: async (text: string, values?: unknown[]) => (await sql.query(text, values)).rows });
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('gives keys issued before scopes existed the publish scope, so they keep publishing', async () => {
    await sql.query(`INSERT INTO producer_keys (id, key_hash, allowed_sources) VALUES (gen_random_uuid(), 'old-hash', ARRAY['acme'])`);
    await migrate(new AddProducerKeyScopes1764800000800());
    const [old] = await store.list();
    expect(old).toMatchObject({ allowedSources: ['acme'], scopes: ['publish'] });
  });

  it('issues publish by default, read-only keys without a source, and refuses what makes no sense', async () => {
    const publisher = await store.issue(['acme']);
    expect(publisher.scopes).toEqual(['publish']);
    const reader = await store.issue([], 'dashboard', ['read']);
    expect(reader).toMatchObject({ scopes: ['read'], allowedSources: [] });
    expect(await store.authenticate(reader.key)).toMatchObject({ id: reader.id, scopes: ['read'] });
    expect(store.grants(reader, 'read')).toBe(true);
    expect(store.grants(reader, 'publish')).toBe(false);

    await expect(store.issue([], undefined, ['publish'])).rejects.toThrow(ProducerKeyError);
    await expect(store.issue(['acme'], undefined, ['admin'])).rejects.toThrow(/unknown scope "admin"/);
    await expect(store.issue(['acme'], undefined, [])).rejects.toThrow(/at least one scope/);
    // The table holds the same rules, whoever writes to it.
    await expect(sql.query(`INSERT INTO producer_keys (id, key_hash, allowed_sources, scopes) VALUES (gen_random_uuid(), 'h2', '{}', '{publish}')`)).rejects.toThrow(/publish_sources_check/);
    await expect(sql.query(`INSERT INTO producer_keys (id, key_hash, allowed_sources, scopes) VALUES (gen_random_uuid(), 'h3', '{}', '{delete}')`)).rejects.toThrow(/scopes_check/);
  });

  it('never lets a read-only key publish, whatever sources its row lists', async () => {
    const reader = await store.issue([], undefined, ['read']);
    await sql.query(`UPDATE producer_keys SET allowed_sources = ARRAY['acme'] WHERE id = $1`, [reader.id]);
    const key = (await store.authenticate(reader.key))!;
    expect(store.allows(key, 'acme')).toBe(false);
  });
});
