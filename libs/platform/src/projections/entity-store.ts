import { EntitySchema, FindOptionsWhere, In, ObjectLiteral } from 'typeorm';
import type { ProjectionStore } from './projection';

/**
 * Keys naming one field are merged into one `IN` per field, so a batch of single-column keys is one condition;
 * other keys are OR-ed as they are.
 */
function anyOf<Row extends ObjectLiteral>(keys: Array<Partial<Row>>): Array<FindOptionsWhere<Row>> {
  const byField = new Map<string, unknown[]>();
  const others: Array<FindOptionsWhere<Row>> = [];
  for (const key of keys) {
    const fields = Object.keys(key);
    if (fields.length === 1) {
      if (!byField.has(fields[0])) byField.set(fields[0], []);
      byField.get(fields[0])!.push(key[fields[0]]);
    } else {
      others.push(key as FindOptionsWhere<Row>);
    }
  }
  return [...[...byField].map(([field, values]) => ({ [field]: In(values) }) as FindOptionsWhere<Row>), ...others];
}

/** The store of a read model kept in one table, mapped by the context's EntitySchema (its primary columns are the key). */
export function entityStore<Row extends ObjectLiteral>(schema: EntitySchema<Row>): ProjectionStore<Row> {
  const columns = schema.options.columns as Record<string, { primary?: boolean } | undefined>;
  const primaryKey = Object.keys(columns).filter((field) => columns[field]?.primary);
  if (primaryKey.length === 0) throw new Error(`Entity ${schema.options.name} has no primary column.`);
  return {
    primaryKey,
    loadMany: (manager, keys) =>
      manager.getRepository(schema).find({
        where: anyOf(keys),
        // Locked in key order: two transactions touching the same rows never deadlock over them.
        order: Object.fromEntries(primaryKey.map((field) => [field, 'ASC'])) as never,
        lock: { mode: 'pessimistic_write' },
      }),
    upsertMany: async (manager, rows) => {
      await manager.getRepository(schema).upsert(rows as never, primaryKey);
    },
    deleteMany: async (manager, keys) => {
      await manager.getRepository(schema).delete(anyOf(keys));
    },
    reset: async (manager) => {
      await manager.getRepository(schema).createQueryBuilder().delete().execute();
    },
  };
}
