/** A PostgreSQL identifier (schema, role, channel…) quoted for SQL text: names cannot be bind parameters. */
export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
