/** A PostgreSQL identifier (schema, role, channel…) quoted for SQL text: names cannot be bind parameters. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A string literal for SQL text, where a bind parameter cannot stand (e.g. a value in a UNION of generated queries). */
export const literal = (value: string): string => `'${value.replace(/'/g, "''")}'`;
