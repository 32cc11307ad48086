import { PostgresQueryRunner } from 'typeorm/driver/postgres/PostgresQueryRunner';

/**
 * The statements `work` sends through TypeORM on `tables` (schema-qualified or quoted spellings too), in order, each
 * as its verb and table (`UPDATE products`): the round trips a path costs on those tables, whatever else it sends.
 */
export async function statementsOn(tables: readonly string[], work: () => Promise<unknown>): Promise<string[]> {
  const onTable = new RegExp(`\\b(?:FROM|UPDATE|INTO) (?:"?\\w+"?\\.)?"?(${tables.join('|')})"?[\\s(]`, 'i');
  const sent: string[] = [];
  const query = PostgresQueryRunner.prototype.query;
  PostgresQueryRunner.prototype.query = function (this: PostgresQueryRunner, sql: string, ...rest: unknown[]) {
    const statement = sql.replace(/\s+/g, ' ').trim();
    const table = onTable.exec(statement)?.[1];
    if (table) sent.push(`${statement.split(' ')[0].toUpperCase()} ${table}`);
    return (query as (...args: unknown[]) => Promise<unknown>).call(this, sql, ...rest);
  } as typeof query;
  try {
    await work();
    return sent;
  } finally {
    PostgresQueryRunner.prototype.query = query;
  }
}
