/** One node of `EXPLAIN (ANALYZE, FORMAT JSON)`, with the fields the paging tests read. */
export interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/** What a query did, from its executed plan: no timing, only which nodes ran and how many rows they read. */
export interface QueryWork {
  /** Node types, outermost first (depth-first). */
  nodes: string[];
  /** Indexes the plan read. */
  indexes: string[];
  /** Rows the table scans produced or threw away: what a page costs, independent of the machine. */
  rowsRead: number;
  plan: PlanNode;
}

const TABLE_SCANS = new Set(['Seq Scan', 'Index Scan', 'Index Only Scan', 'Bitmap Heap Scan']);

/**
 * Runs `sql` under EXPLAIN ANALYZE with its parameters (as the app sends them: an unnamed statement, planned
 * for these values) and sums what the table scans read. A page that reads about its own size is served by an
 * index range stopped by LIMIT, however large the table.
 */
export async function queryWork(query: (sql: string, params: unknown[]) => Promise<unknown>, sql: string, params: unknown[]): Promise<QueryWork> {
  const result = await query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF, FORMAT JSON) ${sql}`, params);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Array<{ 'QUERY PLAN': Array<{ Plan: PlanNode }> }>;
  const plan = rows[0]['QUERY PLAN'][0].Plan;
  const work: QueryWork = { nodes: [], indexes: [], rowsRead: 0, plan };
  const visit = (node: PlanNode) => {
    work.nodes.push(node['Node Type']);
    if (node['Index Name']) work.indexes.push(node['Index Name']);
    if (TABLE_SCANS.has(node['Node Type'])) {
      // EXPLAIN gives each figure per loop.
      const removed = (node['Rows Removed by Filter'] ?? 0) + (node['Rows Removed by Index Recheck'] ?? 0);
      work.rowsRead += (node['Actual Rows'] + removed) * node['Actual Loops'];
    }
    for (const child of node.Plans ?? []) visit(child);
  };
  visit(plan);
  return work;
}
