/**
 * Where a saga instance stands. RUNNING and COMPENSATING wait for replies and carry a deadline; COMPLETED
 * (it reached its goal) and COMPENSATED (it undid what it had done) wait for nothing. A completed saga may
 * still be asked to undo its work (a later input moves it back to COMPENSATING). STUCK: its compensation
 * went unanswered through every retry; it sends nothing more and waits, without a deadline, for an
 * operator (a late answer, e.g. a retried dead letter, still ends it) — ADR 0010.
 */
export const SAGA_STATUSES = ['RUNNING', 'COMPENSATING', 'COMPLETED', 'COMPENSATED', 'STUCK'] as const;
export type SagaStatus = (typeof SAGA_STATUSES)[number];

export function isWaitingStatus(status: SagaStatus): boolean {
  return status === 'RUNNING' || status === 'COMPENSATING';
}

export interface SagaHistoryEntry {
  step: string;
  at: string;
}

/** One persisted saga: its own state (JSON) plus what the runtime needs to drive and observe it. */
export interface SagaInstance<S = unknown> {
  id: string;
  sagaType: string;
  status: SagaStatus;
  step: string;
  state: S;
  /** Optimistic lock: every change is conditional on the version read. */
  version: number;
  /** When the scheduler feeds the saga its timeout input; null when it waits for nothing. */
  deadline: Date | null;
  /** Every step the saga entered, oldest first. */
  history: SagaHistoryEntry[];
  createdAt: Date;
  updatedAt: Date;
}

/** What a saga's decision changes on its row. */
export interface SagaChange<S = unknown> {
  status: SagaStatus;
  step: string;
  state: S;
  deadline: Date | null;
}
