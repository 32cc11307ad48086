// The producer key as the store and its in-memory cache both know it (the secret itself is never stored).

/** What a key may do: publish events of its sources (POST /events), read the event log (GET /events). */
export const PRODUCER_KEY_SCOPES = ['publish', 'read'] as const;
export type ProducerKeyScope = (typeof PRODUCER_KEY_SCOPES)[number];

export interface ProducerKey {
  id: string;
  allowedSources: string[];
  scopes: ProducerKeyScope[];
  description: string | null;
  createdAt: Date;
  revokedAt: Date | null;
}
