import { asOneStatement } from './sql-statement';

describe('asOneStatement', () => {
  it('gives a single statement back as it is', () => {
    const only = { sql: 'INSERT INTO a (x) VALUES ($1)', params: [1] };
    expect(asOneStatement([only])).toBe(only);
  });

  it('makes each statement but the last a CTE of the last, numbering the parameters one after another', () => {
    const combined = asOneStatement([
      { sql: 'INSERT INTO a (x, y) VALUES ($1, $2::jsonb)', params: ['a1', '{}'] },
      { sql: 'INSERT INTO b (x) VALUES ($1)', params: ['b1'] },
      { sql: 'INSERT INTO c (x, y, z) VALUES ($1, $2, $3), ($3, $2, $1)', params: ['c1', 'c2', 'c3'] },
    ]);
    expect(combined.sql).toBe(
      'WITH s0 AS (INSERT INTO a (x, y) VALUES ($1, $2::jsonb)), s1 AS (INSERT INTO b (x) VALUES ($3)) ' +
        'INSERT INTO c (x, y, z) VALUES ($4, $5, $6), ($6, $5, $4)',
    );
    expect(combined.params).toEqual(['a1', '{}', 'b1', 'c1', 'c2', 'c3']);
  });

  it('renumbers parameters of two digits whole', () => {
    const ten = Array.from({ length: 10 }, (_, i) => `$${i + 1}`).join(', ');
    const combined = asOneStatement([
      { sql: `INSERT INTO a VALUES (${ten})`, params: Array(10).fill('a') },
      { sql: 'INSERT INTO b VALUES ($1, $10, $12)', params: Array(12).fill('b') },
    ]);
    expect(combined.sql.endsWith('INSERT INTO b VALUES ($11, $20, $22)')).toBe(true);
    expect(combined.params).toHaveLength(22);
  });

  it('refuses a statement that has a WITH clause of its own, and an empty list', () => {
    expect(() => asOneStatement([{ sql: 'INSERT INTO a VALUES (1)', params: [] }, { sql: ' with x AS (SELECT 1) INSERT INTO b SELECT * FROM x', params: [] }])).toThrow(TypeError);
    expect(() => asOneStatement([])).toThrow(RangeError);
  });
});
