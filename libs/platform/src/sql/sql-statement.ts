/** A statement and its positional parameters ($1 … $n). */
export interface SqlStatement {
  readonly sql: string;
  readonly params: readonly unknown[];
}

const PARAMETER = /\$(\d+)/g;
const STARTS_WITH_WITH = /^\s*WITH\s/i;

/**
 * One statement doing what `statements` do, so they cost one round trip: each but the last becomes a
 * data-modifying CTE of the last (`WITH s0 AS (…), s1 AS (…) <last>`), their parameters numbered one after
 * another. PostgreSQL runs them all or none, on one snapshot: none sees the rows another writes, so they must
 * not depend on each other (new rows' INSERTs do not). Each text uses `$n` only for its parameters, never in
 * a literal, and does not begin with WITH (a data-modifying WITH is only allowed at the top level).
 */
export function asOneStatement(statements: readonly SqlStatement[]): SqlStatement {
  if (statements.length === 0) throw new RangeError('asOneStatement needs at least one statement');
  if (statements.length === 1) return statements[0];
  const params: unknown[] = [];
  const texts = statements.map(({ sql, params: own }) => {
    if (STARTS_WITH_WITH.test(sql)) throw new TypeError(`a statement with a WITH clause cannot be combined: ${sql.slice(0, 60)}`);
    const offset = params.length;
    params.push(...own);
    return offset === 0 ? sql : sql.replace(PARAMETER, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = texts.pop()!;
  return { sql: `WITH ${texts.map((text, i) => `s${i} AS (${text})`).join(', ')} ${last}`, params };
}
