import { TransactionKey, type TransactionScope } from '../../database/unit-of-work';
import type { CloudEvent } from '../../event-log/cloud-event';
import type { MessageHandler } from './message-handler';

/** What a set-based handler loads for the messages of one transaction and writes back once. */
export interface LoadedForMessages {
  save(): Promise<void>;
}

/**
 * A handler that decides each message on state loaded for many at once (docs/adr/0017-batched-consumer-transactions.md):
 * in a batch, `load` runs once for all its messages (prepareBatch), `decide` per message in order under the
 * message's own context (its events are caused by it), and `save` once at the end (finishBatch); alone (one
 * message, or the one-by-one fallback) the same three run for that message. One path decides, batched or not.
 */
export abstract class SetBasedHandler<S extends LoadedForMessages> implements MessageHandler {
  /** Where a batch's loaded state waits for its messages: this handler's own, so no other handler finds it. */
  private readonly loaded = new TransactionKey<S>(`${this.constructor.name}: loaded for the batch`);

  /** Locks and loads what these messages need (a malformed message is left to `decide` to refuse). */
  protected abstract load(messages: CloudEvent[], tx: TransactionScope): Promise<S>;
  /** Decides one message on the loaded state, changing it in memory and collecting the events. */
  protected abstract decide(message: CloudEvent, loaded: S, tx: TransactionScope): void | Promise<void>;

  async prepareBatch(messages: CloudEvent[], tx: TransactionScope): Promise<void> {
    tx.keep(this.loaded, await this.load(messages, tx));
  }

  async handle(message: CloudEvent, tx: TransactionScope): Promise<void> {
    const prepared = tx.find(this.loaded);
    const loaded = prepared ?? (await this.load([message], tx));
    await this.decide(message, loaded, tx);
    if (!prepared) await loaded.save();
  }

  async finishBatch(tx: TransactionScope): Promise<void> {
    await tx.find(this.loaded)?.save();
  }
}
