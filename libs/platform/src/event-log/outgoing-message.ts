/**
 * A message a context asks to be published once its transaction commits: one of its own domain events
 * (to `<context>-events`) or a command for another context (to `<target>-commands`).
 */
export interface OutgoingMessage {
  /** `<context>.<Name>` — for a command, the context that handles it. */
  type: string;
  /** Logical stream, without the configured prefix: `users-events`, `inventory-commands`. */
  stream: string;
  subject: string;
  partitionKey: string;
  data: unknown;
}

export function domainEvent(context: string, name: string, aggregateId: string, data: unknown): OutgoingMessage {
  return { type: `${context}.${name}`, stream: `${context}-events`, subject: aggregateId, partitionKey: aggregateId, data };
}

export function command(target: string, name: string, subject: string, partitionKey: string, data: unknown): OutgoingMessage {
  return { type: `${target}.${name}`, stream: `${target}-commands`, subject, partitionKey, data };
}
