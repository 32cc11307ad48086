import { createHash, createHmac } from 'node:crypto';

/** A schema and the login role that owns it: one per bounded context, plus the platform's own. */
export interface SchemaAccess {
  schema: string;
  role: string;
  url: string;
}

/**
 * Derives, from the owner connection, the per-schema login roles and their connection URLs.
 * Role names are prefixed (by default with the database name) so several databases can share a cluster;
 * passwords are an HMAC of the role name, so every process sharing the database derives the same ones
 * without storing them anywhere.
 */
export class DatabaseTopology {
  readonly database: string;
  readonly rolePrefix: string;
  private readonly secret: string;

  constructor(readonly ownerUrl: string, options: { roleSecret?: string; rolePrefix?: string } = {}) {
    const url = new URL(ownerUrl);
    this.database = decodeURIComponent(url.pathname.replace(/^\//, '')) || 'postgres';
    this.rolePrefix = options.rolePrefix ?? this.database.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
    this.secret = options.roleSecret ?? createHash('sha256').update(`eda-role-secret:${ownerUrl}`).digest('hex');
  }

  roleName(schema: string): string {
    return `${this.rolePrefix}_${schema}`;
  }

  password(role: string): string {
    return createHmac('sha256', this.secret).update(role).digest('base64url');
  }

  /**
   * The relay's logical-replication login: REPLICATION and nothing else (no schema, no table), used only for
   * the relay's replication connection and its slot, so no role serving HTTP can stream the WAL.
   */
  replicationAccess(): { role: string; url: string } {
    const role = `${this.rolePrefix}_relay`;
    const url = new URL(this.ownerUrl);
    url.username = role;
    url.password = this.password(role);
    return { role, url: url.toString() };
  }

  access(schema: string): SchemaAccess {
    const role = this.roleName(schema);
    const url = new URL(this.ownerUrl);
    url.username = role;
    url.password = this.password(role);
    return { schema, role, url: url.toString() };
  }
}
